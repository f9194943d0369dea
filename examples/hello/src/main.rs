//! The smallest complete connector: three customers in memory, connections kept in memory.
//!
//! `cargo run -p hello-connector` serves `http://127.0.0.1:8080/Services/ErpConnectorWS.svc`
//! (`?wsdl` for the WSDL). `ERP_CONNECTOR_BIND` changes the address, `ERP_CONNECTOR_WIRE_PROFILE`
//! the SOAP body shape (`message-contract`, `wrapped-eis`, `wrapped-poco`).
//!
//! It is written against the SOAP layer directly; the `#[erp_connector]` attribute will replace
//! the hand-written dispatch below.

use std::collections::HashMap;
use std::sync::Mutex;

use erp_connector::contract::*;
use erp_connector::http::{EndpointSettings, LocalBoxFuture, SoapEndpoint, SoapHandler};

const CUSTOMERS: [(&str, &str, &str); 3] = [
    ("1001", "Orkdal Senter AS", "2024-05-01T10:15:00"),
    ("1002", "Æbeltoft & Søn ApS", "2024-05-02T08:00:00"),
    ("1003", "Nordlys AB", "2024-05-03T12:30:00"),
];

#[derive(Default)]
struct Hello {
    connections: Mutex<HashMap<ConnectionGuid, StringDict>>,
}

fn customer((key, name, stamp): (&str, &str, &str), fields: &Option<Vec<String>>) -> ErpActor {
    let mut actor = ErpActor::new(ActorType::Customer, key, stamp);
    for field in fields.iter().flatten() {
        match field.as_str() {
            "NAME" => actor = actor.with_field("NAME", name),
            "NUMBER1" => actor = actor.with_field("NUMBER1", FieldValue::Int(key.parse().unwrap_or(0)).to_string()),
            _ => {}
        }
    }
    actor
}

fn actors(list: Vec<ErpActor>) -> Response {
    Response::ActorArray(ActorArrayResponse { actors: Some(list), ..Default::default() })
}

impl Hello {
    fn answer(&self, request: Request) -> Response {
        let op = request.operation();
        let known =
            |guid: Option<ConnectionGuid>| guid.is_some_and(|g| self.connections.lock().unwrap().contains_key(&g));
        let needs_connection = !matches!(
            op,
            Operation::GetConfigData
                | Operation::TestConfigData
                | Operation::SaveConnection
                | Operation::DeleteConnection
        );
        if needs_connection && !known(request.connection_guid()) {
            let result =
                ConnectorResult::error("Unknown connection").with_error_code(error_codes::UNKNOWN_CONNECTION_ID);
            return Response::failure(op, result);
        }
        match request {
            Request::GetConfigData => {
                let greeting = FieldMetadata {
                    access: FieldAccess::Mandatory,
                    ..FieldMetadata::new("GREETING", "Greeting", FieldType::Text, 1)
                };
                Response::FieldMetadata(FieldMetadataResponse { fields: Some(vec![greeting]), ..Default::default() })
            }
            Request::SaveConnection(r) => {
                let guid = r.base.connection_guid.unwrap_or(ConnectionGuid::NIL);
                self.connections.lock().unwrap().insert(guid, r.connection_info.unwrap_or_default());
                Response::empty(op)
            }
            Request::DeleteConnection(r) => {
                r.connection_guid.map(|g| self.connections.lock().unwrap().remove(&g));
                Response::empty(op)
            }
            Request::GetSupportedActorTypes(_) => Response::StringArray(StringArrayResponse {
                items: Some(vec![ActorType::Customer.to_string()]),
                ..Default::default()
            }),
            Request::GetSupportedActorTypeFields(_) => Response::FieldMetadata(FieldMetadataResponse {
                fields: Some(vec![
                    FieldMetadata::new("NAME", "Name", FieldType::Text, 1),
                    FieldMetadata::new("NUMBER1", "Number", FieldType::Integer, 2),
                ]),
                ..Default::default()
            }),
            Request::GetSearchableFields(_) => {
                Response::StringArray(StringArrayResponse { items: Some(vec!["NAME".into()]), ..Default::default() })
            }
            Request::GetActors(r) => {
                let keys = r.erp_keys.unwrap_or_default();
                actors(
                    CUSTOMERS
                        .into_iter()
                        .filter(|c| keys.iter().any(|k| k == c.0))
                        .map(|c| customer(c, &r.field_keys))
                        .collect(),
                )
            }
            Request::GetActorsByTimestamp(r) => {
                let since = r.updated_on_or_after.unwrap_or_default();
                actors(
                    CUSTOMERS
                        .into_iter()
                        .filter(|c| c.2 >= since.as_str())
                        .map(|c| customer(c, &r.field_keys))
                        .collect(),
                )
            }
            Request::SearchActors(r) => {
                let text = r.search_text.unwrap_or_default().to_lowercase();
                actors(
                    CUSTOMERS
                        .into_iter()
                        .filter(|c| c.1.to_lowercase().contains(&text))
                        .map(|c| customer(c, &r.field_keys))
                        .collect(),
                )
            }
            Request::SearchActorsAdvanced(_) | Request::SearchActorByParent(_) => actors(vec![]),
            Request::GetList(_) | Request::GetListItems(_) => {
                Response::ListItems(ListItemsResponse { list_items: Some(StringDict::new()), ..Default::default() })
            }
            Request::CreateActor(_) | Request::SaveActors(_) => {
                Response::failure(op, ConnectorResult::error("This ERP is read-only."))
            }
            Request::TestConfigData(_) | Request::TestConnection(_) => Response::empty(op),
        }
    }
}

impl SoapHandler for Hello {
    fn handle(&self, request: Request) -> LocalBoxFuture<'_, Response> {
        Box::pin(async move { self.answer(request) })
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("ERP_CONNECTOR_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let profile = match std::env::var("ERP_CONNECTOR_WIRE_PROFILE") {
        Ok(p) => p.parse().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        Err(_) => Default::default(),
    };
    let endpoint = SoapEndpoint::with_settings(Hello::default(), EndpointSettings { profile, ..Default::default() });
    println!("hello-connector: http://{bind}/Services/ErpConnectorWS.svc (wire profile {profile}; WSDL at ?wsdl)");
    actix_web::HttpServer::new(move || actix_web::App::new().service(endpoint.resource("/Services/ErpConnectorWS.svc")))
        .bind(&bind)?
        .run()
        .await
}
