//! The EIS emulator's session against connectors: a complete one passes every rule, and each
//! broken rule is caught, one connector with one fault at a time.

use erp_connector_tests::ledger;

use erp_connector::conformance::{Options, Report, rules};
use erp_connector::connector::Password;
use erp_connector::contract::*;
use erp_connector::testkit::{SoapClient, spawn};
use ledger::{Fault, Ledger, LedgerConfig};

/// EIS's session against the ledger, with a password that must not work.
fn session(fault: Option<Fault>) -> Report {
    session_with(fault, Options::default())
}

fn session_with(fault: Option<Fault>, options: Options) -> Report {
    let connector = spawn(Ledger::new(fault));
    // Two cases of one key: each is tried.
    let bad_config = vec![("PASSWORD".into(), "wrong".into()), ("PASSWORD".into(), "wrong-too".into())];
    connector.conformance(Options { bad_config, ..options })
}

#[test]
fn a_complete_connector_breaks_no_rule() {
    let report = session(None);
    assert!(report.is_clean(), "{report}");
    // Every step ran and did something worth checking.
    let step = |name: &str| report.steps.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name}: {report}"));
    assert_eq!(step("authenticate").note, "partner token verified");
    assert!(step("advanced search").calls >= 30, "{report}");
    assert!(step("create and save").note.starts_with("created and saved Customer"), "{report}");
    // Every writable type, a person under the customer created first.
    let written = &step("create and save").note;
    assert!(written.contains("; created and saved Person `") && written.contains("under Customer `"), "{report}");
    assert!(step("lists").note.starts_with("1 lists, 3 items"), "{report}");
    assert_eq!(step("initial sync").note, "6 actors");
    assert_eq!(step("bad configuration").note, "2 bad values tried: PASSWORD, PASSWORD");
}

/// A connector that fills every field is no fault through the framework: it keeps the requested
/// ones (the rule `requested-fields-only` still judges connectors built otherwise).
#[test]
fn the_framework_sends_only_the_requested_fields() {
    let report = session(Some(Fault::AllFields));
    assert!(report.is_clean() && !report.broke(&rules::REQUESTED_FIELDS_ONLY), "{report}");
}

#[test]
fn every_fault_is_caught_by_its_rule() {
    let cases = [
        (Fault::StrictSince, &rules::SINCE_INCLUDES_EQUAL),
        (Fault::PollReturnsAll, &rules::SINCE_ONLY_NEWER),
        (Fault::UndeclaredField, &rules::FIELDS_DECLARED),
        (Fault::NoLastModified, &rules::LAST_MODIFIED_PRESENT),
        (Fault::MixedWidthStamps, &rules::LAST_MODIFIED_GLOBAL),
        (Fault::IgnoresErpKeys, &rules::REQUESTED_ACTORS_ONLY),
        (Fault::LosesKeys, &rules::ERP_KEY_STABLE),
        (Fault::EmptyErpKey, &rules::ERP_KEY_PRESENT),
        (Fault::WrongActorType, &rules::ACTOR_TYPE_MATCHES),
        (Fault::LongName, &rules::MAX_LENGTH),
        (Fault::SearchIgnoresRestrictions, &rules::SEARCH_MATCHES),
        (Fault::SearchIgnoresRestrictions, &rules::SPECIAL_KEYS),
        (Fault::ByParentReturnsAll, &rules::BY_PARENT_CHILDREN),
        (Fault::ListItemsAll, &rules::LIST_ITEMS_SUBSET),
        (Fault::CreateWithoutKey, &rules::CREATED_HAS_KEY),
        (Fault::CreatedNotStored, &rules::CHANGES_POLLED),
        (Fault::SaveGoesBack, &rules::LAST_MODIFIED_MONOTONIC),
        (Fault::ParentWithoutKey, &rules::PARENT_WELL_FORMED),
        (Fault::SetupListNeedsConnection, &rules::SETUP_LISTS),
        (Fault::AcceptsAnyValues, &rules::BAD_CONFIG_REFUSED),
        (Fault::DanglingParent, &rules::PARENT_EXISTS),
        (Fault::ParentKeyWithoutType, &rules::PARENT_WELL_FORMED),
        (Fault::UnlistedCurrency, &rules::LIST_VALUES_KNOWN),
        (Fault::SearchShowsOldName, &rules::SEEN_IN_SYNC),
        (Fault::SaveLosesValues, &rules::WRITES_READ_BACK),
        (Fault::SearchDropsLast, &rules::SEARCH_COMPLETE),
        (Fault::ByParentDropsLast, &rules::SEARCH_COMPLETE),
        (Fault::SaveKeepsStamp, &rules::LAST_MODIFIED_MONOTONIC),
        (Fault::SaveUnknownSucceeds, &rules::SAVE_UNKNOWN_REFUSED),
        (Fault::RestrictionsOred, &rules::SEARCH_MATCHES),
        (Fault::AsciiOnlyCase, &rules::SEARCH_COMPLETE),
        (Fault::BetweenIsEquals, &rules::SEARCH_COMPLETE),
        (Fault::DateSearchFindsNothing, &rules::SEARCH_COMPLETE),
        (Fault::UnknownKeyFails, &rules::UNKNOWN_KEYS_SKIPPED),
        (Fault::PollOnlyEqual, &rules::SINCE_INCLUDES_EQUAL),
        (Fault::StampsFromClock, &rules::LAST_MODIFIED_STABLE),
    ];
    let mut missed = Vec::new();
    for (fault, rule) in cases {
        let report = session(Some(fault));
        if !report.broke(rule) {
            missed.push(format!("{fault:?} did not break {}:\n{report}", rule.id));
        }
        // Read-only, every fault but those only a write shows is still caught.
        if !SHOWN_ONLY_BY_WRITES.contains(&fault) {
            let report = session_with(Some(fault), Options { write: false, ..Options::default() });
            if !report.broke(rule) {
                missed.push(format!("{fault:?} did not break {} in a read-only session:\n{report}", rule.id));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// Faults the framework stops before EIS sees them: a schema with a key twice, a type outside
/// the fixed set or a List field without a list is refused, naming the mistake; a value that does
/// not fit its field's type is refused before it leaves, naming the actor, the field, the value
/// and the type. (The emulator's own rules for them still judge connectors built otherwise.)
#[test]
fn faults_the_framework_prevents_are_named_not_sent() {
    let cases = [
        (Fault::DuplicateFieldKey, "Customer.NAME is declared twice"),
        (Fault::UnknownType, "Vendor is not one of SuperOffice's actor types"),
        (Fault::ListWithoutName, "Customer.CURRENCY is a List field without a list"),
        (Fault::UnencodedInteger, "EMPLOYEES = `many`, which is not an Integer value ([I:n])"),
        (Fault::DecimalComma, "TURNOVER = `[F:1250000,5]`, which is not a Double value ([F:n])"),
        (Fault::IsoDates, "FOUNDED = `[DT:1998-03-15T00:00:00]`, which is not a Datetime value"),
    ];
    let mut missed = Vec::new();
    for (fault, named) in cases {
        let report = session(Some(fault));
        let text = report.to_string();
        if report.is_clean() || !text.contains(named) {
            missed.push(format!("{fault:?}: expected a refusal naming `{named}`:\n{report}"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// The faults only a write shows (`--read-only` skips the writes): those of CreateActor and
/// SaveActors, and an undeclared field, which the framework strips from every read (no read
/// asks for it) but not from CreateActor's answer.
const SHOWN_ONLY_BY_WRITES: &[Fault] = &[
    Fault::CreateWithoutKey,
    Fault::CreatedNotStored,
    Fault::SaveGoesBack,
    Fault::SaveKeepsStamp,
    Fault::SaveLosesValues,
    Fault::SaveUnknownSucceeds,
    Fault::UndeclaredField,
];
#[test]
fn refusals_and_unreachable_endpoints_are_reported_not_panicked() {
    // Values the connector refuses stop the session with its explanation.
    let connector = spawn(Ledger::new(None));
    let wrong = LedgerConfig { company: "Acme".into(), password: Some(Password::new("wrong")), currency: None };
    let options = Options::default().with_config(&wrong);
    let report = connector.conformance(options);
    assert!(report.broke(&rules::SETUP_WORKS), "{report}");
    assert!(report.stopped.as_deref().unwrap().contains("Cannot log in."), "{report}");
    // A configuration key the connector does not have is named.
    let options = Options { config: StringDict::new().with("company", "x"), ..Options::default() };
    let report = connector.conformance(options);
    assert!(report.stopped.as_deref().unwrap().contains("the fields are: COMPANY, PASSWORD, CURRENCY"), "{report}");
    // Read-only sessions create nothing.
    let report = connector.conformance(Options { write: false, ..Options::default() });
    assert!(report.is_clean() && !report.steps.iter().any(|s| s.name == "create and save"), "{report}");
    assert_eq!(report.steps.iter().find(|s| s.name == "final sync").map(|s| s.note.as_str()), Some("6 actors"));
    // A path that is no SOAP endpoint breaks `answered` and stops.
    let report = erp_connector::conformance::check(&format!("http://{}/nowhere", connector.addr()));
    assert!(report.broke(&rules::ANSWERED) && report.stopped.is_some(), "{report}");
    assert!(SoapClient::from_url("http://127.0.0.1:1/x").unwrap().get("/health").is_err());
}

/// A SOAP endpoint that is not built on `#[erp_connector]`, answering what `answer` gives.
fn serve_raw(answer: fn(Request) -> Response) -> std::net::SocketAddr {
    use erp_connector::http::{CallContext, LocalBoxFuture, SoapEndpoint, SoapHandler};
    struct Raw(fn(Request) -> Response);
    impl SoapHandler for Raw {
        fn handle(&self, _: CallContext, request: Request) -> LocalBoxFuture<'_, Response> {
            let response = (self.0)(request);
            Box::pin(async move { response })
        }
    }
    erp_connector::testkit::serve_endpoint(SoapEndpoint::new(Raw(answer)))
}

#[test]
fn status_rules_catch_answers_a_framework_would_never_give() {
    let addr = serve_raw(|request| match request.operation() {
        // State=Error with IsOk=true and no explanation.
        Operation::GetConfigData => Response::FieldMetadata(FieldMetadataResponse {
            result: ResponseStatus { is_ok: true, state: ResponseState::Error, ..ResponseStatus::ok() },
            fields: Some(vec![]),
        }),
        op => Response::empty(op),
    });
    let report = erp_connector::conformance::check(&format!("http://{addr}/Services/ErpConnectorWS.svc"));
    assert!(report.broke(&rules::IS_OK_STATE), "{report}");
    assert!(report.broke(&rules::ERROR_EXPLAINED), "{report}");
    // The empty answers elsewhere are fine until the lost connection, which this endpoint never notices.
    assert!(report.broke(&rules::UNKNOWN_CONNECTION), "{report}");
}

/// The ledger behind a handler that changes its answers, as a connector written by hand could
/// answer: what the framework prevents, so that the emulator's own judges are still tried.
struct Tampered(erp_connector::service::Hosted, fn(Operation, &mut Response));

impl erp_connector::http::SoapHandler for Tampered {
    fn handle(
        &self,
        call: erp_connector::http::CallContext,
        request: Request,
    ) -> erp_connector::http::LocalBoxFuture<'_, Response> {
        Box::pin(async move {
            let op = request.operation();
            let mut answer = self.0.handle(call, request).await;
            (self.1)(op, &mut answer);
            answer
        })
    }
}

/// EIS's session against the ledger whose answers `tamper` changes.
fn tampered_session(name: &str, tamper: fn(Operation, &mut Response)) -> Report {
    use erp_connector::service::{HostOptions, Hosted};
    use erp_connector::store::{SqliteStore, crypto};
    let dir = std::env::temp_dir().join(format!("erp-connector-tampered-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sealer = crypto::Sealer::new(&crypto::StoreKey::generate().unwrap());
    let store = std::sync::Arc::new(SqliteStore::open(&dir.join("connections.db"), sealer).unwrap());
    let hosted = Hosted::new(Ledger::new(None), "ledger", store, HostOptions::default());
    let endpoint = erp_connector::http::SoapEndpoint::new(Tampered(hosted, tamper));
    let addr = erp_connector::testkit::serve_endpoint(endpoint);
    let report = erp_connector::conformance::check(&format!("http://{addr}/Services/ErpConnectorWS.svc"));
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// A connector that answers an operator its field type does not allow with "nothing found"
/// breaks `operator-refused`. One built on the framework cannot (the framework refuses the
/// operator before the connector is called), so this one is the ledger with its refusals turned
/// into empty successes, as a connector written by hand would answer.
#[test]
fn an_operator_answered_with_nothing_found_is_caught() {
    let report = tampered_session("nothing-found", |op, answer| {
        if let Response::ActorArray(r) = answer
            && op == Operation::SearchActorsAdvanced
            && !r.result.is_ok
        {
            *r = ActorArrayResponse { result: ResponseStatus::ok(), actors: Some(vec![]) };
        }
    });
    assert!(report.broke(&rules::OPERATOR_REFUSED), "{report}");
    let detail = &report.of(&rules::OPERATOR_REFUSED).next().unwrap().detail;
    assert!(detail.contains("`>` is no operator of a Text field (expected State=Error)"), "{detail}");
}

/// What the schema and the outgoing checks prevent in a connector built on the framework, each
/// still caught by the emulator's own rule in one written by hand.
#[test]
fn the_emulators_own_judges_catch_what_the_framework_prevents() {
    fn fields(op: Operation, answer: &mut Response) -> Option<&mut Vec<FieldMetadata>> {
        match answer {
            Response::FieldMetadata(r) if op == Operation::GetSupportedActorTypeFields => r.fields.as_mut(),
            _ => None,
        }
    }
    fn values(answer: &mut Response) -> Vec<&mut ErpActor> {
        match answer {
            Response::ActorArray(r) => r.actors.iter_mut().flatten().collect(),
            _ => Vec::new(),
        }
    }
    fn set(answer: &mut Response, key: &str, value: &str) {
        for actor in values(answer).into_iter().filter(|a| a.field(key).is_some()) {
            actor.field_values.as_mut().unwrap().insert(key.to_owned(), value.to_owned());
        }
    }
    type Tamper = fn(Operation, &mut Response);
    let cases: [(&str, Tamper, &rules::Rule); 8] = [
        (
            "rank",
            |op, a| {
                if let Some(f) = fields(op, a).filter(|f| f.len() > 1) {
                    f[1].rank = f[0].rank
                }
            },
            &rules::RANKS_UNIQUE,
        ),
        (
            "key",
            |op, a| {
                if let Some(f) = fields(op, a).filter(|f| f.len() > 1) {
                    f[1].field_key = f[0].field_key.clone()
                }
            },
            &rules::FIELD_KEYS_UNIQUE,
        ),
        (
            "list",
            |op, a| fields(op, a).into_iter().flatten().for_each(|f| f.list_name = None),
            &rules::LIST_FIELDS_NAMED,
        ),
        (
            "type",
            |op, a| match a {
                Response::StringArray(r) if op == Operation::GetSupportedActorTypes => {
                    r.items.get_or_insert_default().push("Vendor".into())
                }
                _ => {}
            },
            &rules::ACTOR_TYPES_KNOWN,
        ),
        (
            "searchable",
            |op, a| match a {
                Response::StringArray(r) if op == Operation::GetSearchableFields => {
                    r.items.get_or_insert_default().push("ZIP".into())
                }
                _ => {}
            },
            &rules::SEARCHABLE_DECLARED,
        ),
        ("integer", |_, a| set(a, "EMPLOYEES", "many"), &rules::VALUES_ENCODED),
        ("comma", |_, a| set(a, "TURNOVER", "[F:1250000,5]"), &rules::VALUES_ENCODED),
        ("iso", |_, a| set(a, "FOUNDED", "[DT:1998-03-15T00:00:00]"), &rules::VALUES_ENCODED),
    ];
    let mut missed = Vec::new();
    for (name, tamper, rule) in cases {
        let report = tampered_session(name, tamper);
        if !report.broke(rule) {
            missed.push(format!("{name} did not break {}:\n{report}", rule.id));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// The emulator speaks each profile; a connector in `auto` answers each session in its shape
/// and breaks no rule. A connector fixed to another shape breaks `answer-shape` (a WCF client
/// would read nothing from its answers).
#[test]
fn sessions_in_every_profile_pass_and_a_wrong_shape_is_caught() {
    use erp_connector::soap::WireProfile;
    // One connector, sessions in one shape after another: the first WSGetConfigData of each is
    // answered in the shape last seen, which the emulator does not hold against the connector.
    let connector = spawn(Ledger::new(None));
    for profile in [WireProfile::WrappedPoco, WireProfile::MessageContract, WireProfile::WrappedEis] {
        let report = connector.conformance(Options { profile, ..Options::default() });
        assert!(report.is_clean(), "{profile}: {report}");
    }
    let fixed = erp_connector::testkit::spawn_with(Ledger::new(None), |s| {
        s.wire_profile = WireProfile::WrappedPoco.into();
    });
    let report = fixed.conformance(Options::default());
    assert!(report.broke(&rules::ANSWER_SHAPE), "{report}");
    let detail = &report.of(&rules::ANSWER_SHAPE).next().unwrap().detail;
    assert!(detail.contains("asked in message-contract, answered Known(WrappedPoco)"), "{detail}");
}

/// An answer with an element its class does not have breaks `known-members`.
#[test]
fn an_unknown_element_in_an_answer_is_reported() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(|| {
                actix_web::App::new().default_service(actix_web::web::to(|| async {
                    actix_web::HttpResponse::Ok().content_type("text/xml; charset=utf-8").body(
                        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><FieldMetadataInfoArrayPluginResponseWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ErrorCode i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/><FieldMetaDataObjects/><IsOk>true</IsOk><State>Ok</State><Surprise>1</Surprise><TechExplanation/><UserExplanation/></FieldMetadataInfoArrayPluginResponseWS></s:Body></s:Envelope>"#,
                    )
                }))
            })
            .workers(1)
            .bind("127.0.0.1:0")
            .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await
        })
    });
    let addr = rx.recv().unwrap();
    let report = erp_connector::conformance::check(&format!("http://{addr}/Services/ErpConnectorWS.svc"));
    assert!(report.broke(&rules::KNOWN_MEMBERS), "{report}");
    let expected = "WSGetConfigData: unknown element FieldMetadataInfoArrayPluginResponseWS/Surprise";
    assert!(report.of(&rules::KNOWN_MEMBERS).any(|v| v.detail == expected), "{report}");
}
