//! The change poll as a stream, with its documented signature.
use erp_connector::prelude::*;

struct Streamed;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Streamed {
    type Config = NoConfig;
    async fn stream_actors_by_timestamp(&self, _: &Connection<NoConfig>, _: ActorsSince) -> ConnectorResult<ActorStream> {
        Ok(ActorStream::from(vec![]))
    }
}

fn main() {}
