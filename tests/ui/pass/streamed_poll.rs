//! The change poll: one method answering an `ActorStream`, from a list, collected, or paged.
use erp_connector::prelude::*;

struct Listed;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Listed {
    type Config = NoConfig;
    async fn get_actors_by_timestamp(&self, _: &Connection<NoConfig>, q: ActorsSince) -> ConnectorResult<ActorStream> {
        Ok((1..=3).map(|n| ErpActor::new(q.actor_type.clone(), n.to_string(), Stamp::counter(n))).collect())
    }
}

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
struct Paged;

impl ErpConnector for Paged {
    type Config = NoConfig;
    async fn get_actors_by_timestamp(&self, conn: &Connection<NoConfig>, _: ActorsSince) -> ConnectorResult<ActorStream> {
        let conn = conn.clone();
        Ok(ActorStream::paged(0u32, move |page| {
            let _ = conn.guid;
            async move { Ok((Vec::new(), (page < 2).then_some(page + 1))) }
        }))
    }
}

fn main() {}
