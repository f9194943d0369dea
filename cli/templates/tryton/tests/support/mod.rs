//! A Tryton server of the test's own (a copy of the template database `.ci/run` made with
//! `trytond-admin`, on a free port), seeded through JSON-RPC as a user would; and the connector
//! as a process, allowed to reach that server only.
//!
//! `TRYTON_TRYTOND` names the `trytond` program and `TRYTON_TEMPLATE` the template database file
//! (admin password `admin`). Without them the tests say SKIPPED, unless
//! `ERP_CONNECTOR_REQUIRE_TRYTON` is set (CI), where they fail.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use erp_connector::testkit::SoapClient;
use serde_json::{Value, json};

/// The database name in every test server.
pub const DATABASE: &str = "erp";
/// The admin's password in the template.
pub const ADMIN_PASSWORD: &str = "admin";

pub struct TrytonServer {
    child: Option<Child>,
    dir: PathBuf,
    pub port: u16,
    trytond: PathBuf,
    session: Option<String>,
    /// One client for every call (kept connections, as the connector keeps them).
    agent: ureq::Agent,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

impl TrytonServer {
    /// A fresh server, or `None` (the test is skipped) where Tryton is not installed.
    pub fn start(name: &str) -> Option<TrytonServer> {
        let (Some(trytond), Some(template)) = (std::env::var_os("TRYTON_TRYTOND"), std::env::var_os("TRYTON_TEMPLATE"))
        else {
            assert!(
                std::env::var_os("ERP_CONNECTOR_REQUIRE_TRYTON").is_none(),
                "TRYTON_TRYTOND and TRYTON_TEMPLATE must name trytond and the template database (.ci/run sets them)"
            );
            eprintln!("SKIPPED: Tryton is not installed (set TRYTON_TRYTOND and TRYTON_TEMPLATE, see .ci/run)");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("tryton-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&template, dir.join(format!("{DATABASE}.sqlite"))).expect("the template database copies");
        let port = free_port();
        let config = format!(
            "[database]\nuri = sqlite://\npath = {}\n[web]\nlisten = 127.0.0.1:{port}\n[session]\ntimeout = 3600\n",
            dir.display()
        );
        std::fs::write(dir.join("trytond.conf"), config).unwrap();
        let mut server =
            TrytonServer { child: None, dir, port, trytond: trytond.into(), session: None, agent: agent() };
        server.launch();
        Some(server)
    }

    /// The server's address, as a connection names it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn rpc_url(&self) -> String {
        format!("{}/{DATABASE}/rpc/", self.url())
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("trytond.log")).unwrap();
        let child = Command::new(&self.trytond)
            .args(["-c", "trytond.conf", "-d", DATABASE])
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("trytond starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let probe = json!({"method": "common.server.version", "params": [], "id": 0}).to_string();
            let up = agent().post(&self.rpc_url()).header("Content-Type", "application/json").send(probe.as_bytes());
            // Any answer (a 401 for the anonymous call) means it serves.
            if up.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "trytond did not come up: {}",
                self.log().lines().rev().take(20).collect::<Vec<_>>().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.session = None;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("trytond.log")).unwrap_or_default()
    }

    /// Stops the server (its sessions are lost with it: they live in memory... and in the
    /// database, so a restart keeps them valid; see [`Self::forget_sessions`]).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// The database file (for what JSON-RPC does not show: `ir.session` is not reachable).
    fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join(format!("{DATABASE}.sqlite"))).unwrap()
    }

    /// Ends every login session, as Tryton's session timeout would.
    pub fn forget_sessions(&mut self) {
        self.database().execute("DELETE FROM ir_session", []).unwrap();
        self.session = None;
    }

    /// The login sessions Tryton holds.
    pub fn sessions(&self) -> i64 {
        self.database().query_row("SELECT COUNT(*) FROM ir_session", [], |r| r.get(0)).unwrap()
    }

    /// Freezes the server (SIGSTOP): it accepts connections and answers nothing.
    pub fn freeze(&self) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        assert!(Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    }

    pub fn thaw(&self) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        assert!(Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    }

    /// Calls `method` as the admin (logged in once); panics on a Tryton error.
    pub fn rpc(&mut self, method: &str, params: Value) -> Value {
        let session = match &self.session {
            Some(s) => s.clone(),
            None => {
                let login = self.raw(None, "common.db.login", json!(["admin", {"password": ADMIN_PASSWORD}, "en"]));
                let token = format!("admin:{}:{}", login[0], login[1].as_str().unwrap());
                use base64::Engine as _;
                let header = format!("Session {}", base64::engine::general_purpose::STANDARD.encode(token));
                self.session = Some(header.clone());
                header
            }
        };
        let mut params = params.as_array().cloned().unwrap_or_default();
        params.push(json!({"company": 1, "active_test": false}));
        self.raw(Some(&session), method, Value::Array(params))
    }

    fn raw(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        let mut request = self.agent.post(&self.rpc_url());
        if let Some(session) = session {
            request = request.header("Authorization", session);
        }
        let call = json!({"method": method, "params": params, "id": 1}).to_string();
        let mut answer = request.header("Content-Type", "application/json").send(call.as_bytes()).unwrap();
        assert_eq!(answer.status(), 200, "{method}");
        let bytes = answer.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert!(body.get("error").is_none_or(Value::is_null), "{method}: {body}");
        body["result"].clone()
    }

    /// Logs in as the admin: the `Authorization` header of the session.
    pub fn admin_session(&mut self) -> String {
        self.rpc("model.res.user.read", json!([[1], ["id"]]));
        self.session.clone().unwrap()
    }

    /// Calls `method` with `params` (context included) in `session`, as the connector would.
    pub fn call_as(&self, session: &str, method: &str, params: Value) -> Value {
        self.raw(Some(session), method, params)
    }

    fn create(&mut self, model: &str, values: Value) -> i64 {
        self.rpc(&format!("model.{model}.create"), json!([[values]]))[0].as_i64().unwrap()
    }

    /// What every test starts from: the categories and relation type the connector maps by,
    /// three countries, a company for projects, three companies, three persons and a project.
    pub fn seed(&mut self) -> Seeded {
        let customer = self.create("party.category", json!({"name": "Customer"}));
        let supplier = self.create("party.category", json!({"name": "Supplier"}));
        let employee_of = self.create("party.relation.type", json!({"name": "Employee of"}));
        let mut countries = Vec::new();
        for (code, name) in [("NO", "Norway"), ("SE", "Sweden"), ("DK", "Denmark")] {
            countries.push(self.create("country.country", json!({"code": code, "name": name})));
        }
        let currency = self.create("currency.currency", json!({"name": "Euro", "code": "EUR", "symbol": "€"}));
        let own = self.create("party.party", json!({"name": "Our Company"}));
        let company = self.create("company.company", json!({"party": own, "currency": currency}));
        self.rpc("model.res.user.write", json!([[1], {"companies": [["add", [company]]], "company": company}]));
        let party = |server: &mut Self, name: &str, categories: &[i64], country: i64, city: &str, phone: &str| {
            server.create(
                "party.party",
                json!({
                    "name": name,
                    "categories": [["add", categories]],
                    "addresses": [["create", [{"city": city, "postal_code": "0150", "street_unstructured": "Storgata 1", "country": country}]]],
                    "contact_mechanisms": [["create", [{"type": "phone", "value": phone}, {"type": "email", "value": format!("post@{}.example", city.to_lowercase())}]]],
                }),
            )
        };
        let orkdal = party(self, "Orkdal Senter AS", &[customer], countries[0], "Orkdal", "+47 72 48 00 00");
        let aebeltoft = party(self, "Æbeltoft & Søn ApS", &[customer], countries[2], "Ebeltoft", "+45 86 34 00 00");
        let goteborg = party(self, "Göteborg Hamn AB", &[supplier], countries[1], "Göteborg", "+46 31 00 00 00");
        let both = party(self, "Nordic Both AS", &[customer, supplier], countries[0], "Oslo", "+47 22 00 00 00");
        let person = |server: &mut Self, name: &str, company: i64| {
            server.create(
                "party.party",
                json!({"name": name, "relations": [["create", [{"to": company, "type": employee_of}]]]}),
            )
        };
        let kari = person(self, "Kari Nordmann", orkdal);
        person(self, "Ola Nordmann", orkdal);
        person(self, "Sven Svensson", goteborg);
        let project = self.create(
            "project.work",
            json!({"name": "Orkdal Rollout", "type": "project", "party": orkdal, "company": company}),
        );
        Seeded { orkdal, aebeltoft, goteborg, both, kari, project }
    }
}

impl Drop for TrytonServer {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill").args(["-CONT", &child.id().to_string()]).status();
        }
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The ids of what [`TrytonServer::seed`] made.
pub struct Seeded {
    pub orkdal: i64,
    pub aebeltoft: i64,
    pub goteborg: i64,
    pub both: i64,
    pub kari: i64,
    pub project: i64,
}

/// The connector as a process, allowed to reach `tryton` only.
pub struct ConnectorProcess {
    child: Child,
    pub addr: std::net::SocketAddr,
    dir: PathBuf,
}

impl ConnectorProcess {
    pub fn start(tryton: &TrytonServer) -> ConnectorProcess {
        let dir = std::env::temp_dir().join(format!("tryton-connector-{}-{}", tryton.port, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("connector.log")).unwrap();
        let key = erp_connector::store::crypto::StoreKey::generate().unwrap().to_base64();
        let child = Command::new(env!("CARGO_BIN_EXE_tryton-connector"))
            .current_dir(&dir)
            .env("ERP_CONNECTOR_BIND", addr.to_string())
            .env("ERP_CONNECTOR_STORE_KEY", key)
            .env("ERP_CONNECTOR_LOG", "info")
            .env("TRYTON_ALLOWED_URLS", tryton.url())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("tryton-connector starts");
        let client = SoapClient::new(addr);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !client.get("/health").is_ok_and(|r| r.status == 200) {
            assert!(Instant::now() < deadline, "tryton-connector did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        ConnectorProcess { child, addr, dir }
    }

    pub fn url(&self) -> String {
        format!("http://{}/Services/ErpConnectorWS.svc", self.addr)
    }

    /// The process id (for its memory figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("connector.log")).unwrap_or_default()
    }
}

impl Drop for ConnectorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
