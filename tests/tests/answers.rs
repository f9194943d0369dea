//! Every answer the contract allows can be written through the public API alone, in every wire
//! profile: a state, an error code and texts next to the payload of each operation (searches,
//! a created actor, list items, the streamed change poll), on the connection hooks, and
//! `test_config` seeing the values as sent.

use erp_connector::contract::*;
use erp_connector::prelude::*;
use erp_connector::soap::WireProfile;
use erp_connector::testkit::{new_guid, spawn_with};

#[derive(ConnectionConfig)]
struct Config {
    /// The ERP company.
    #[field(default = "main")]
    company: String,
}

struct Informative;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "informative")]
impl ErpConnector for Informative {
    type Config = Config;

    async fn test_config(&self, test: &ConfigTest<Config>) -> ConnectorResult<Reply> {
        // The raw values too: a key the form left out is not the same as one sent empty.
        let sent = test.values.get("COMPANY").is_some();
        Ok(Reply::ok().info(format!("company {} (sent: {sent})", test.config.company)))
    }

    async fn connection_saved(&self, conn: &Connection<Config>) -> ConnectorResult<Reply> {
        Ok(Reply::ok().warning(format!("saved for {}; the ERP licence expires soon", conn.config.company)))
    }

    async fn connection_deleted(&self, _: &Connection<Config>) -> ConnectorResult<Reply> {
        Err(ConnectorError::new("The ERP webhook could not be removed; remove it by hand.").with_code("WEBHOOK_LEFT"))
    }

    async fn search_actors(&self, _: &Connection<Config>, q: SearchActors) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let found = vec![ErpActor::new(q.actor_type, "1", Stamp::text("2024-01-01"))];
        Ok(Reply::from(found).info("3 archived customers skipped").with_tech(STACK))
    }

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        Ok(Schema::new().actor(ActorType::Customer, [Field::new("NAME", "Name", FieldType::Text)]))
    }

    async fn create_actor(&self, _: &Connection<Config>, actor: NewActor) -> ConnectorResult<Reply<ErpActor>> {
        let created = ErpActor::new(actor.actor_type.clone(), "42", Stamp::text("2024-01-02"))
            .with_value("NAME", actor.field("NAME"));
        Ok(Reply::from(created).warning("created without an address"))
    }

    async fn get_list_items(
        &self,
        _: Option<&Connection<Config>>,
        _: &str,
        keys: Vec<String>,
    ) -> ConnectorResult<Reply<StringDict>> {
        let known: StringDict = keys.iter().filter(|k| *k == "NO").map(|k| (k.as_str(), "Norway")).collect();
        let reply = Reply::from(known);
        Ok(if keys.len() > 1 {
            reply.warning("some items are unknown").with_code(ErrorCode::UnknownListItemId)
        } else {
            reply
        })
    }

    async fn get_actors_by_timestamp(&self, _: &Connection<Config>, q: ActorsSince) -> ConnectorResult<ActorStream> {
        let first_poll = q.since.is_none();
        let actors =
            (1..=3).map(|n| ErpActor::new(q.actor_type.clone(), n.to_string(), Stamp::text("2024-01-01"))).collect();
        let stream = ActorStream::from_vec(actors);
        Ok(if first_poll { stream.ending(Reply::ok().info("first sync: 3 actors")) } else { stream })
    }
}

/// A technical explanation with Windows line ends and indented frames.
const STACK: &str = "archive flag set on 3 rows\r\n\tat Archive.Scan()\r\n\tat Archive.Run()";

#[test]
fn a_state_code_and_texts_travel_next_to_every_payload_in_every_profile() {
    for profile in &WireProfile::ALL {
        let connector = spawn_with(Informative, |s| {
            s.wire_profile = (*profile).into();
            s.tech_explanations = true;
        });
        let client = connector.client().with_profile(*profile);
        let guid = new_guid();
        let said =
            |status: &ResponseStatus| (status.is_ok, status.state, status.user_explanation.clone().unwrap_or_default());

        let tested = client.test_config_data(&StringDict::new()).unwrap();
        assert_eq!(said(&tested), (true, ResponseState::OkWithInfo, "company main (sent: false)".into()), "{profile}");

        let saved = client.save_connection(guid, &StringDict::new().with("COMPANY", "north")).unwrap();
        assert_eq!(saved.state, ResponseState::Warning, "{profile}");
        assert!(saved.user_explanation.unwrap().contains("saved for north"), "{profile}");

        let found = client
            .search_actors(
                guid,
                &SearchActors { actor_type: ActorType::Customer, search_text: "x".into(), field_keys: vec![] },
            )
            .unwrap();
        assert_eq!(found.actors.as_ref().map(Vec::len), Some(1), "{profile}: the payload stays");
        assert_eq!(said(&found.result), (true, ResponseState::OkWithInfo, "3 archived customers skipped".into()));
        // A .NET-style stack trace: CR LF and TAB arrive as sent.
        assert_eq!(found.result.tech_explanation.as_deref(), Some(STACK), "{profile}");

        let created = client
            .create_actor(guid, &ErpActor::new(ActorType::Customer, "", Stamp::text("")).with_value("NAME", "Acme"))
            .unwrap();
        assert_eq!(created.actor.and_then(|a| a.erp_key).as_deref(), Some("42"), "{profile}");
        assert_eq!(created.result.state, ResponseState::Warning, "{profile}");

        let items = client.get_list_items(guid, "Country", &["NO".into(), "XX".into()]).unwrap();
        assert_eq!(items.list_items.map(|i| i.len()), Some(1), "{profile}");
        assert_eq!(items.result.error_code.as_deref(), Some("UNKOWN_LISTITEM_ID"), "{profile}: SuperOffice's spelling");
        assert_eq!(items.result.state, ResponseState::Warning, "{profile}");

        let first = client
            .get_actors_by_timestamp(
                guid,
                &ActorsSince { actor_type: ActorType::Customer, since: None, field_keys: vec![] },
            )
            .unwrap();
        assert_eq!(first.actors.as_ref().map(Vec::len), Some(3), "{profile}: streamed or spooled, the actors stay");
        assert_eq!(said(&first.result), (true, ResponseState::OkWithInfo, "first sync: 3 actors".into()), "{profile}");
        let next = client
            .get_actors_by_timestamp(
                guid,
                &ActorsSince {
                    actor_type: ActorType::Customer,
                    since: Some(Stamp::text("2024-01-01")),
                    field_keys: vec![],
                },
            )
            .unwrap();
        assert_eq!((next.actors.map(|a| a.len()), next.result.state), (Some(3), ResponseState::Ok), "{profile}");

        let deleted = client.delete_connection(guid).unwrap();
        assert_eq!(
            said(&deleted),
            (false, ResponseState::Error, "The ERP webhook could not be removed; remove it by hand.".into())
        );
        assert_eq!(deleted.error_code.as_deref(), Some("WEBHOOK_LEFT"), "{profile}");
        let gone = client.test_connection(guid).unwrap();
        assert_eq!(
            gone.error_code.as_deref(),
            Some(ErrorCode::UnknownConnectionId.wire()),
            "{profile}: deleted anyway"
        );
    }
}
