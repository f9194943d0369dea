//! The attribute on the struct, a plain impl beside it (with and without sessions), and
//! `run` finding the session type by itself.
use erp_connector::prelude::*;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "shop")]
struct Shop {
    customers: Vec<String>,
}

// On the struct, a method answering plain data needs this allow (the attribute on the impl adds it).
#[allow(refining_impl_trait)]
impl ErpConnector for Shop {
    type Config = NoConfig;

    async fn get_actors(&self, _: &Connection<NoConfig>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        Ok(q.erp_keys.iter().filter(|k| self.customers.contains(k)).map(|k| ErpActor::new(q.actor_type.clone(), k, Stamp::counter(1))).collect())
    }
}

/// An ERP with logins: the session type is the impl's parameter.
#[erp_connector(app_id = "0123456789abcdef0123456789abcdef")]
enum Ledger {
    Live,
}

struct Token(u64);

#[allow(refining_impl_trait)]
impl ErpConnector<Token> for Ledger {
    type Config = NoConfig;

    async fn open_session(&self, _: &Connection<NoConfig>) -> ConnectorResult<Token> {
        Ok(Token(7))
    }

    async fn test_connection(&self, conn: &Connection<NoConfig, Token>) -> ConnectorResult<()> {
        if conn.session.0 == 7 { Ok(()) } else { Err(ConnectorError::session_expired()) }
    }
}

fn main() {
    use erp_connector::service::Registered;
    assert_eq!((Shop::NAME, Ledger::NAME), ("shop", "ledger"));
    let _ = (Shop { customers: vec![] }, Ledger::Live);
    let _: fn(Shop) -> std::io::Result<()> = erp_connector::run;
    let _: fn(Ledger) -> std::io::Result<()> = erp_connector::run;
    let _ = erp_connector::Service::new().connector(Shop { customers: vec![] }).connector(Ledger::Live);
}
