//! The service in-process over real HTTP: errors and panics in user code become error answers of
//! the operation's own class while the worker serves on; technical details only when enabled;
//! several connectors behind one endpoint, chosen by `?ConnectorName=`, with separate connections.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use erp_connector::contract::*;
use erp_connector::prelude::*;
use erp_connector::service::{Service, Settings, StoreSettings};
use erp_connector::testkit::{SoapClient, free_port, new_guid};

struct Fragile;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "fragile")]
impl ErpConnector for Fragile {
    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        Ok(Schema::new().actor(ActorType::Customer, []))
    }

    async fn get_list(&self, _: Option<&Conn<Self>>, _: &str) -> ConnectorResult<StringDict> {
        panic!("the ERP client library failed an assertion")
    }

    async fn get_actors(&self, _: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        let _ = std::fs::read_to_string(format!("/nonexistent/{}", q.erp_keys.join(",")))?;
        Ok(vec![])
    }

    async fn search_actors(&self, _: &Conn<Self>, _: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        Err(ConnectorError::new("The ERP is closed for maintenance.").with_state(ResponseState::Warning))
    }
}

/// The currency amounts are kept in.
#[derive(ConfigList)]
enum Currency {
    /// Norwegian krone
    #[item(key = "NOK")]
    Krone,
    /// Euro
    #[item(key = "EUR")]
    Euro,
}

#[derive(ConnectionConfig)]
struct ListedConfig {
    #[field(default = "NOK")]
    currency: Currency,
}

struct Listed;

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "listed")]
impl ErpConnector for Listed {
    type Config = ListedConfig;

    async fn test_connection(&self, conn: &Conn<Self>) -> ConnectorResult<()> {
        match conn.config.currency {
            Currency::Euro => Ok(()),
            Currency::Krone => Err(ConnectorError::new("kroner")),
        }
    }
}

struct Other;

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "other")]
impl ErpConnector for Other {
    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        Ok(Schema::new().actor(ActorType::Project, []))
    }
}

fn serve(tech_explanations: bool) -> SocketAddr {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let dir = std::env::temp_dir().join(format!("erp-service-test-{}-{}", std::process::id(), addr.port()));
    let _ = std::fs::remove_dir_all(&dir);
    let settings = Settings {
        bind: addr.to_string(),
        workers: Some(1),
        tech_explanations,
        log: "off".into(),
        profile: erp_connector::service::Profile::Production,
        store: StoreSettings { path: dir.join("c.db"), key_file: dir.join("c.key"), ..StoreSettings::default() },
        ..Settings::default()
    };
    std::thread::spawn(move || {
        Service::new().connector(Fragile).connector(Other).connector(Listed).settings(settings).run()
    });
    let client = SoapClient::new(addr);
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get("/ready").map(|r| r.status).ok() != Some(200) {
        assert!(Instant::now() < deadline, "the service did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    addr
}

fn saved(client: &SoapClient) -> ConnectionGuid {
    let guid = new_guid();
    let save = SaveConnectionRequest { base: RequestBase { connection_guid: Some(guid) }, connection_info: None };
    assert!(client.call(&Request::SaveConnection(save)).unwrap().result().is_ok);
    guid
}

fn base(guid: ConnectionGuid) -> RequestBase {
    RequestBase { connection_guid: Some(guid) }
}

#[test]
fn a_panic_is_an_error_answer_and_the_worker_serves_on() {
    let client = SoapClient::new(serve(false));
    let guid = saved(&client);
    for _ in 0..3 {
        let list = GetListRequest { base: base(guid), list_name: Some("currencies".into()) };
        let response = client.call(&Request::GetList(list)).unwrap();
        let Response::ListItems(r) = response else { panic!("answered with the operation's own class") };
        assert!(!r.result.is_ok);
        assert_eq!(r.result.state, ResponseState::Error);
        assert!(r.result.user_explanation.unwrap().contains("WSGetList"));
    }
    assert!(client.call(&Request::TestConnection(base(guid))).unwrap().result().is_ok, "still serving");
}

#[test]
fn errors_carry_a_generic_user_text_and_state_and_tech_details_only_when_enabled() {
    for tech in [false, true] {
        let client = SoapClient::new(serve(tech));
        let guid = saved(&client);
        let get = GetActorsRequest {
            base: base(guid),
            actor_type: Some(ActorType::Customer),
            erp_keys: Some(vec!["1".into()]),
            ..Default::default()
        };
        let result = client.call(&Request::GetActors(get)).unwrap().result().clone();
        assert!(!result.is_ok);
        // `?` on an io::Error: its text (naming a path) is for the log and the technical details,
        // never for the SuperOffice user.
        assert_eq!(result.user_explanation.as_deref(), Some(erp_connector::connector::GENERIC_USER_TEXT));
        assert_eq!(result.tech_explanation.is_some(), tech, "tech details only when enabled");
        if tech {
            assert!(result.tech_explanation.unwrap().contains("No such file"), "the error's own message");
        }

        let search =
            SearchActorsRequest { base: base(guid), actor_type: Some(ActorType::Customer), ..Default::default() };
        let result = client.call(&Request::SearchActors(search)).unwrap().result().clone();
        assert_eq!(result.state, ResponseState::Warning);
        assert!(result.is_ok, "IsOk follows State");
    }
}

#[test]
fn connectors_are_chosen_by_name_and_keep_their_connections_apart() {
    let addr = serve(false);
    let first = SoapClient::new(addr);
    let other = SoapClient::new(addr).with_path("/Services/ErpConnectorWS.svc?ConnectorName=OTHER");
    let guid = saved(&other);
    let Response::StringArray(r) = other.call(&Request::GetSupportedActorTypes(base(guid))).unwrap() else { panic!() };
    assert_eq!(r.items.unwrap(), ["Project"]);
    // The first connector (the default) does not know the other's connection.
    let unknown = first.call(&Request::TestConnection(base(guid))).unwrap();
    assert_eq!(unknown.result().error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
    assert_eq!(first.get("/health").unwrap().status, 200);
}

#[test]
fn enum_lists_describe_the_field_and_answer_get_list_without_a_connection() {
    let client = SoapClient::new(serve(false)).with_path("/Services/ErpConnectorWS.svc?ConnectorName=listed");
    let Response::FieldMetadata(config) = client.call(&Request::GetConfigData).unwrap() else { panic!() };
    let field = &config.fields.unwrap()[0];
    assert_eq!((field.field_type, field.list_name.as_deref()), (FieldType::List, Some("Currency")));

    let list = GetListRequest { base: base(ConnectionGuid::NIL), list_name: Some("Currency".into()) };
    let Response::ListItems(items) = client.call(&Request::GetList(list)).unwrap() else { panic!() };
    let items = items.list_items.unwrap();
    assert_eq!(items.iter().collect::<Vec<_>>(), [("NOK", Some("Norwegian krone")), ("EUR", Some("Euro"))]);
    let some = GetListItemsRequest {
        base: base(ConnectionGuid::NIL),
        list_name: Some("Currency".into()),
        list_item_keys: Some(vec!["EUR".into()]),
    };
    let Response::ListItems(some) = client.call(&Request::GetListItems(some)).unwrap() else { panic!() };
    assert_eq!(some.list_items.unwrap().len(), 1);

    let guid = new_guid();
    let save = |value: &str| {
        let info = StringDict::new().with("CURRENCY", value);
        let request = SaveConnectionRequest { base: base(guid), connection_info: Some(info) };
        client.call(&Request::SaveConnection(request)).unwrap().result().clone()
    };
    let refused = save("USD");
    assert!(refused.user_explanation.unwrap().contains("expected one of NOK, EUR"));
    assert!(save("EUR").is_ok);
    assert!(client.call(&Request::TestConnection(base(guid))).unwrap().result().is_ok, "the enum value arrives");
}
