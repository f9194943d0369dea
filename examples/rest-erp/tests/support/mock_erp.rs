//! A strict mock of a cloud ERP's REST API, started by the connector's tests:
//!
//! * OAuth2 refresh tokens that rotate: each refresh answers a new refresh token and the old one
//!   is refused from then on (`invalid_grant`); access tokens stop working when a test says so;
//! * page-numbered lists (`?page=1&per_page=50`, at most 100 a page, ordered by id) filtered by
//!   `updated_since`, `q`, `company_id` or `customer_id`;
//! * a rate limit per second answered with 429 and `Retry-After: 1`;
//! * a modification stamp per record (`updated_at`, microseconds, later on every write);
//! * create by POST, update by PATCH, validation failures as 422 with a `message`.
//!
//! A test can also freeze it (requests are read and never answered) or stop it (connections are
//! refused).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use chrono::{NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

/// The client the mock knows.
pub const CLIENT_ID: &str = "superoffice-sync";
/// That client's secret.
pub const CLIENT_SECRET: &str = "s3cret-of-the-client";
/// The refresh token an administrator pastes when the mock starts.
pub const FIRST_REFRESH_TOKEN: &str = "rt-0";

/// The countries the ERP knows (its list for `country`).
const COUNTRIES: [(&str, &str); 4] = [("NO", "Norway"), ("SE", "Sweden"), ("DK", "Denmark"), ("DE", "Germany")];

/// What a test reads back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// API calls answered (the token endpoint not counted).
    pub calls: usize,
    /// Calls answered 429.
    pub throttled: usize,
    /// Refreshes that answered a new token.
    pub refreshes: usize,
    /// Refreshes refused (a spent or unknown refresh token, a wrong client).
    pub refused_refreshes: usize,
}

struct Erp {
    records: BTreeMap<u64, (&'static str, Map<String, Value>)>,
    next_id: u64,
    last_stamp: NaiveDateTime,
    refresh_token: String,
    rotations: usize,
    access_tokens: HashSet<String>,
    expire_after: Option<usize>,
    rate_limit: usize,
    window: (Instant, usize),
    stats: Stats,
}

/// The mock, listening on a loopback port until dropped.
pub struct MockErp {
    addr: SocketAddr,
    erp: Arc<Mutex<Erp>>,
    frozen: Arc<AtomicBool>,
    handle: actix_web::dev::ServerHandle,
}

impl MockErp {
    /// A mock holding `companies` customers, half as many suppliers, a contact under each
    /// company and a project under every second customer.
    pub fn start(companies: usize) -> MockErp {
        let mut erp = Erp {
            records: BTreeMap::new(),
            next_id: 1,
            last_stamp: now(),
            refresh_token: FIRST_REFRESH_TOKEN.into(),
            rotations: 0,
            access_tokens: HashSet::new(),
            expire_after: None,
            rate_limit: 1000,
            window: (Instant::now(), 0),
            stats: Stats::default(),
        };
        for n in 0..companies + companies / 2 {
            let kind = if n < companies { "customer" } else { "supplier" };
            let country = COUNTRIES[n % COUNTRIES.len()].0;
            let company = erp.insert(
                kind,
                json!({"name": format!("Company {n:04}"), "email": format!("post@company{n}.example"),
                       "phone": format!("+47 {:08}", 22_000_000 + n), "city": "Oslo", "country": country, "active": true}),
            );
            erp.insert("contact", json!({"name": format!("Contact {n:04}"), "email": format!("contact{n}@company{n}.example"), "company_id": company}));
            if kind == "customer" && n % 2 == 0 {
                erp.insert("project", json!({"name": format!("Project {n:04}"), "customer_id": company}));
            }
        }
        let (erp, frozen) = (Arc::new(Mutex::new(erp)), Arc::new(AtomicBool::new(false)));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = (erp.clone(), frozen.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new().app_data(web::Data::new(shared.clone())).default_service(web::to(answer))
                })
                .workers(2)
                .disable_signals()
                .bind("127.0.0.1:0")?;
                let addr = server.addrs()[0];
                let server = server.run();
                let _ = tx.send((addr, server.handle()));
                server.await
            })
        });
        let (addr, handle) = rx.recv_timeout(Duration::from_secs(30)).expect("the mock ERP starts");
        MockErp { addr, erp, frozen, handle }
    }

    /// The API's address, as a connection configures it.
    pub fn api(&self) -> String {
        format!("http://{}/api/v1/", self.addr)
    }

    /// What was counted so far.
    pub fn stats(&self) -> Stats {
        self.erp.lock().unwrap().stats
    }

    /// The refresh token that works now (the last one the ERP answered).
    pub fn current_refresh_token(&self) -> String {
        self.erp.lock().unwrap().refresh_token.clone()
    }

    /// How many records of `kind` (`customer`, `supplier`, `contact`, `project`) there are.
    pub fn count(&self, kind: &str) -> usize {
        self.erp.lock().unwrap().records.values().filter(|(k, _)| *k == kind).count()
    }

    /// Every access token stops working after `calls` more API calls.
    pub fn expire_tokens_after(&self, calls: usize) {
        self.erp.lock().unwrap().expire_after = Some(calls);
    }

    /// At most `per_second` API calls a second; more are answered 429 with `Retry-After: 1`.
    pub fn limit_rate(&self, per_second: usize) {
        self.erp.lock().unwrap().rate_limit = per_second;
    }

    /// From now on, requests are read and never answered.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// Stops listening: connections are refused from now on.
    pub fn stop(&self) {
        futures_executor(self.handle.stop(false));
    }
}

impl Drop for MockErp {
    fn drop(&mut self) {
        self.frozen.store(false, Ordering::SeqCst);
        self.stop();
    }
}

/// Waits for the server's stop on this (non-async) thread.
fn futures_executor(stopped: impl std::future::Future<Output = ()>) {
    actix_web::rt::System::new().block_on(stopped);
}

impl Erp {
    /// A stamp later than every earlier one.
    fn stamp(&mut self) -> String {
        let now = now();
        self.last_stamp = now.max(self.last_stamp + chrono::TimeDelta::microseconds(1));
        self.last_stamp.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    fn insert(&mut self, kind: &'static str, fields: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut record = fields.as_object().cloned().unwrap_or_default();
        record.insert("id".into(), json!(id));
        record.insert("updated_at".into(), json!(self.stamp()));
        if kind == "contact" {
            let company = record.get("company_id").and_then(Value::as_u64).unwrap_or(0);
            let company_kind = self.records.get(&company).map_or("", |(k, _)| *k);
            record.insert("company_type".into(), json!(company_kind));
        }
        self.records.insert(id, (kind, record));
        id
    }

    /// Whether `fields` may be written to a record of `kind`: the ERP's own rules, as 422 texts.
    fn check(&self, kind: &str, fields: &Map<String, Value>, creating: bool) -> Result<(), String> {
        let allowed: &[&str] = match kind {
            "customer" | "supplier" => &["name", "email", "phone", "city", "country", "active"],
            "contact" => &["name", "email", "phone", "company_id"],
            _ => &["name", "customer_id"],
        };
        if let Some(unknown) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!("unknown field `{unknown}`"));
        }
        let name = fields.get("name").and_then(Value::as_str).map(str::trim);
        if (creating && name.is_none()) || name == Some("") {
            return Err("name is required".into());
        }
        if let Some(country) = fields.get("country").and_then(Value::as_str)
            && !country.is_empty()
            && !COUNTRIES.iter().any(|(code, _)| *code == country)
        {
            return Err(format!("country `{country}` does not exist"));
        }
        let parent = |key: &str, kinds: &[&str]| match fields.get(key).and_then(Value::as_u64) {
            Some(id) if self.records.get(&id).is_some_and(|(k, _)| kinds.contains(k)) => Ok(()),
            Some(id) => Err(format!("{key} {id} does not exist")),
            None if creating => Err(format!("{key} is required")),
            None => Ok(()),
        };
        match kind {
            "contact" => parent("company_id", &["customer", "supplier"]),
            "project" => parent("customer_id", &["customer"]),
            _ => Ok(()),
        }
    }

    /// The 429 for a call over the rate limit, if this one is.
    fn throttle(&mut self) -> Option<HttpResponse> {
        if self.window.0.elapsed() >= Duration::from_secs(1) {
            self.window = (Instant::now(), 0);
        }
        self.window.1 += 1;
        if self.window.1 <= self.rate_limit {
            return None;
        }
        self.stats.throttled += 1;
        Some(
            HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "1"))
                .json(json!({"message": "rate limit exceeded"})),
        )
    }

    /// Whether the call carries an access token that works (and counts it towards expiry).
    fn authorized(&mut self, request: &HttpRequest) -> bool {
        let token = header(request, "authorization").and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned));
        if let Some(left) = self.expire_after.as_mut() {
            if *left == 0 {
                self.access_tokens.clear();
                self.expire_after = None;
            } else {
                *left -= 1;
            }
        }
        token.is_some_and(|t| self.access_tokens.contains(&t))
    }

    /// `POST oauth/token`: client authentication by HTTP basic, `grant_type=refresh_token`.
    fn token(&mut self, request: &HttpRequest, body: &[u8]) -> HttpResponse {
        let expected = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        if header(request, "authorization") != Some(format!("Basic {expected}").as_str()) {
            self.stats.refused_refreshes += 1;
            return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
        }
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if field("grant_type") != Some("refresh_token") || field("refresh_token") != Some(&self.refresh_token) {
            self.stats.refused_refreshes += 1;
            let description = "The refresh token is invalid, expired or already used.";
            return HttpResponse::BadRequest()
                .json(json!({"error": "invalid_grant", "error_description": description}));
        }
        self.rotations += 1;
        self.stats.refreshes += 1;
        self.refresh_token = format!("rt-{}", self.rotations);
        let access = format!("at-{}", self.rotations);
        self.access_tokens.insert(access.clone());
        HttpResponse::Ok().json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": self.refresh_token}))
    }

    /// An API call, authorized and within the rate limit.
    fn api(&mut self, request: &HttpRequest, parts: &[&str], body: &[u8]) -> HttpResponse {
        let kind = match parts.first().copied() {
            Some("customers") => "customer",
            Some("suppliers") => "supplier",
            Some("contacts") => "contact",
            Some("projects") => "project",
            Some("countries") if parts.len() == 1 => {
                return HttpResponse::Ok().json(COUNTRIES.map(|(code, name)| json!({"code": code, "name": name})));
            }
            _ => return HttpResponse::NotFound().json(json!({"message": "no such resource"})),
        };
        let id = match parts.get(1).map(|id| id.parse::<u64>()) {
            None => None,
            Some(Ok(id)) if parts.len() == 2 => Some(id),
            _ => return HttpResponse::NotFound().json(json!({"message": "no such record"})),
        };
        let method = request.method().as_str();
        match (method, id) {
            ("GET", None) => self.list(kind, request.query_string()),
            ("GET", Some(id)) => match self.records.get(&id) {
                Some((k, record)) if *k == kind => HttpResponse::Ok().json(record),
                _ => HttpResponse::NotFound().json(json!({"message": format!("no {kind} {id}")})),
            },
            ("POST", None) | ("PATCH", Some(_)) => {
                let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
                    return HttpResponse::BadRequest().json(json!({"message": "the body is not a JSON object"}));
                };
                if let Some(id) = id
                    && self.records.get(&id).is_none_or(|(k, _)| *k != kind)
                {
                    return HttpResponse::NotFound().json(json!({"message": format!("no {kind} {id}")}));
                }
                if let Err(message) = self.check(kind, &fields, id.is_none()) {
                    return HttpResponse::UnprocessableEntity().json(json!({"message": message}));
                }
                let Some(id) = id else {
                    let id = self.insert(kind, Value::Object(fields));
                    return HttpResponse::Created().json(&self.records[&id].1);
                };
                let stamp = self.stamp();
                let record = &mut self.records.get_mut(&id).expect("checked above").1;
                record.extend(fields);
                record.insert("updated_at".into(), json!(stamp));
                HttpResponse::Ok().json(&*record)
            }
            _ => HttpResponse::MethodNotAllowed().json(json!({"message": "method not allowed"})),
        }
    }

    /// A page of the records of `kind` that the query's filters select, ordered by id.
    fn list(&self, kind: &str, query: &str) -> HttpResponse {
        let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let number = |name: &str, default: u64| param(name).map_or(Ok(default), str::parse::<u64>);
        let (Ok(page @ 1..), Ok(per_page @ 1..=100)) = (number("page", 1), number("per_page", 25)) else {
            return HttpResponse::BadRequest().json(json!({"message": "page from 1, per_page from 1 to 100"}));
        };
        let since = match param("updated_since").map(chrono::DateTime::parse_from_rfc3339) {
            Some(Err(_)) => return HttpResponse::BadRequest().json(json!({"message": "updated_since: RFC 3339"})),
            since => since.and_then(Result::ok).map(|s| s.naive_utc()),
        };
        let text = |r: &Map<String, Value>, k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_lowercase();
        let selected: Vec<&Map<String, Value>> = self
            .records
            .values()
            .filter(|(k, _)| *k == kind)
            .map(|(_, r)| r)
            .filter(|r| {
                since.is_none_or(|since| {
                    let at = r["updated_at"].as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
                    at.is_some_and(|at| at.naive_utc() >= since)
                })
            })
            .filter(|r| {
                param("q").is_none_or(|q| ["name", "email"].iter().any(|k| text(r, k).contains(&q.to_lowercase())))
            })
            .filter(|r| {
                ["company_id", "customer_id"]
                    .iter()
                    .all(|k| param(k).is_none_or(|id| r.get(*k).map(Value::to_string).as_deref() == Some(id)))
            })
            .collect();
        let data: Vec<_> = selected.iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).collect();
        HttpResponse::Ok().json(json!({"data": data, "page": page, "per_page": per_page, "total": selected.len()}))
    }
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

type Shared = (Arc<Mutex<Erp>>, Arc<AtomicBool>);

async fn answer(request: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let (erp, frozen) = &**shared;
    if frozen.load(Ordering::SeqCst) {
        while frozen.load(Ordering::SeqCst) {
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        return HttpResponse::ServiceUnavailable().finish();
    }
    let path = request.path().to_owned();
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return HttpResponse::NotFound().json(json!({"message": "not the API"}));
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let mut erp = erp.lock().unwrap();
    match parts.as_slice() {
        [] => HttpResponse::Ok().json(json!({"api": "Acme Cloud ERP", "version": 1})),
        ["oauth", "token"] if request.method() == "POST" => erp.token(&request, &body),
        _ => {
            if let Some(throttled) = erp.throttle() {
                return throttled;
            }
            if !erp.authorized(&request) {
                return HttpResponse::Unauthorized().json(json!({"message": "the access token is invalid or expired"}));
            }
            erp.stats.calls += 1;
            erp.api(&request, &parts, &body)
        }
    }
}

/// The time now, in UTC.
fn now() -> NaiveDateTime {
    chrono::DateTime::<Utc>::from(std::time::SystemTime::now()).naive_utc()
}
