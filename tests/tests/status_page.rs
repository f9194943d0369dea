//! The status page of the admin listener, read as the people who run a connector read it: a
//! connector process serves an emulator session (with `Authenticate`), a working connection
//! and a failing one; the page is then loaded in headless Chromium, logged into through its
//! form, read, and photographed (`target/tmp/status-page*.png`). No secret may be in it.
//!
//! Chromium and ChromeDriver are Debian's (`.ci/run` installs them and sets
//! `ERP_CONNECTOR_REQUIRE_CHROMIUM=1`); without them the browser part prints SKIPPED.

use erp_connector_tests::browser;
use erp_connector_tests::process;

use erp_connector::conformance::{Options, Silent, check_with};
use erp_connector::contract::StringDict;
use erp_connector::store::crypto::StoreKey;
use erp_connector::testkit::{SoapClient, new_guid};
use process::{Connector, Online, temp_dir};

const APP_ID: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "admin-token-5e1d7b3f90";
const PASSWORD: &str = "Pw-41c9e2-swordfish";
/// A company name that is markup: the page must show it as text.
const HOSTILE: &str = "<script>alert(1)</script>";

struct Served {
    connector: Connector,
    admin: std::net::SocketAddr,
    good: erp_connector::contract::ConnectionGuid,
    failing: erp_connector::contract::ConnectionGuid,
    /// Every secret the process was given.
    secrets: Vec<String>,
}

/// A connector with an admin listener that has answered a session, a working and a failing
/// connection.
fn served(name: &str) -> Served {
    let dir = temp_dir(name);
    let store_key = StoreKey::generate().unwrap().to_base64();
    let online = Online::new(&dir, APP_ID);
    let admin = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut env = online.vars();
    env.extend([("ERP_CONNECTOR_ADMIN_BIND", admin.to_string()), ("ERP_CONNECTOR_ADMIN_TOKEN", TOKEN.to_owned())]);
    let env = env.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>();
    let connector = Connector::start(&dir, &dir.join("store.db"), &store_key, &env);
    let url = format!("http://{}/Services/ErpConnectorWS.svc", connector.addr);
    let options = Options {
        config: StringDict::new().with("COMPANY", "Acme").with("PASSWORD", PASSWORD),
        authenticate: Some(online.check()),
        ..Options::default()
    };
    let report = check_with(&url, &options, &mut Silent);
    assert!(report.is_clean(), "{report}");

    let client = SoapClient::new(connector.addr);
    let (good, failing) = (new_guid(), new_guid());
    let values = StringDict::new().with("COMPANY", "Northwind").with("PASSWORD", PASSWORD);
    assert!(client.save_connection(good, &values).unwrap().is_ok);
    assert!(client.test_connection(good).unwrap().is_ok);
    let values = StringDict::new().with("COMPANY", HOSTILE).with("PASSWORD", "wrong");
    assert!(client.save_connection(failing, &values).unwrap().is_ok);
    let refused = client.test_connection(failing).unwrap();
    assert!(!refused.is_ok);
    // An unknown connection: answered, never listed.
    assert!(!client.test_connection(new_guid()).unwrap().is_ok);
    let private_pem = online.app_key.private_key_pem();
    let mut secrets = vec![TOKEN.to_owned(), PASSWORD.to_owned(), store_key];
    secrets.extend(
        private_pem
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/'))
            .filter(|run| run.len() >= 16)
            .map(str::to_owned),
    );
    Served { connector, admin, good, failing, secrets }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into()
}

fn text(mut reply: ureq::http::Response<ureq::Body>) -> (u16, String) {
    (reply.status().as_u16(), reply.body_mut().read_to_string().unwrap())
}

/// What the page must say, and must not.
fn judge(page: &str, served: &Served) {
    assert!(page.contains(&served.good.to_string()), "the working connection is listed");
    assert!(page.contains(&served.failing.to_string()), "the failing connection is listed");
    assert!(page.contains("Cannot log in."), "the failing connection's error is shown");
    assert!(page.contains("Northwind"), "a display field of the connection is shown");
    assert!(!page.contains(HOSTILE), "markup from a request is escaped");
    for secret in &served.secrets {
        assert!(!page.contains(secret.as_str()), "a secret is on the page: {}…", &secret[..4]);
    }
}

#[test]
fn the_status_page_is_behind_the_token_and_shows_no_secret() {
    let served = served("status-page-http");
    let base = format!("http://{}", served.admin);
    let agent = agent();

    // Without the token: the login form, and 401.
    let (status, login) = text(agent.get(&base).call().unwrap());
    assert_eq!(status, 401);
    assert!(login.contains("<form method=\"post\" action=\"/login\">"), "{login}");
    assert_eq!(agent.get(&base).header("Authorization", "Bearer admin-token-5e1d7b3f91").call().unwrap().status(), 401);
    // Nothing of it on the SOAP listener.
    assert_eq!(SoapClient::new(served.connector.addr).get("/").unwrap().status, 404);

    // With it: the page, its markup escaped, no secret.
    let reply = agent.get(&base).header("Authorization", format!("Bearer {TOKEN}")).call().unwrap();
    let csp = reply.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let (status, page) = text(reply);
    assert_eq!(status, 200);
    judge(&page, &served);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let failing_row = page.split("<tr class=\"failing\">").nth(1).expect("a failing row");
    assert!(failing_row.contains(&served.failing.to_string()), "the failing row is the failing connection");
    assert_eq!(page.matches("<tr class=\"failing\">").count(), 1);
    assert!(page.contains("id=\"operations\"") && page.contains("<code>WSTestConnection</code>"));
    assert!(page.contains("<svg"), "charts");
    assert!(page.contains(">accepted<") && page.contains(">refused<"), "the handshake history");
    assert!(page.contains("connection store SQLite"));
    assert!(page.contains("not in the store (deleted)"), "the session's connection, deleted at its end");
    assert!(!page.contains("00000000-0000-0000-0000-000000000000"), "the nil GUID is no connection");

    // The form: a wrong token, then the right one sets an HttpOnly cookie that opens the page.
    let form = |token: &str| format!("token={token}");
    let (status, _) = text(
        agent
            .post(format!("{base}/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(form("nope"))
            .unwrap(),
    );
    assert_eq!(status, 401);
    let reply = agent
        .post(format!("{base}/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form(TOKEN))
        .unwrap();
    assert_eq!(reply.status().as_u16(), 303);
    let cookie = reply.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(TOKEN), "the cookie is not the token");
    let session = cookie.split(';').next().unwrap().to_owned();
    let (status, page) = text(agent.get(&base).header("Cookie", &session).call().unwrap());
    assert_eq!(status, 200);
    judge(&page, &served);
    assert_eq!(agent.get(format!("{base}/metrics")).header("Cookie", &session).call().unwrap().status(), 200);
    // Logged out: the cookie opens nothing.
    agent.post(format!("{base}/logout")).header("Cookie", &session).send("").unwrap();
    assert_eq!(agent.get(&base).header("Cookie", &session).call().unwrap().status(), 401);
    assert_eq!(agent.get(&base).header("Cookie", "erp_connector_admin=00").call().unwrap().status(), 401);
}

#[test]
fn a_person_logs_in_and_sees_the_failing_connection() {
    if !browser::available() {
        assert!(
            std::env::var_os("ERP_CONNECTOR_REQUIRE_CHROMIUM").is_none(),
            "ERP_CONNECTOR_REQUIRE_CHROMIUM is set but {} or {} is missing",
            browser::CHROMIUM,
            browser::CHROMEDRIVER
        );
        eprintln!("SKIPPED: Chromium and ChromeDriver are not installed (Debian: chromium chromium-driver)");
        return;
    }
    let served = served("status-page-browser");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let profile = temp_dir("status-page-chromium");
    let browser = browser::Browser::start(&profile, 1280, 1500);

    browser.open(&format!("http://{}/", served.admin));
    browser.type_into("#token", TOKEN);
    browser.click("#login");
    let row = browser.text("#connections tr.failing");
    assert!(row.contains(&served.failing.to_string()), "{row}");
    assert!(row.contains("Cannot log in."), "{row}");
    assert!(row.contains(HOSTILE), "the hostile name shown as text: {row}");
    let seen = browser.text("body");
    assert!(seen.contains("Serving"), "{seen}");
    judge(&browser.source(), &served);
    for secret in &served.secrets {
        assert!(!seen.contains(secret.as_str()), "a secret is visible");
    }
    // The login's cookie is HttpOnly: the page's scripts cannot read it.
    let cookie = browser.cookies().into_iter().find(|c| c["name"] == "erp_connector_admin").expect("the login cookie");
    assert_eq!(cookie["httpOnly"], true);
    assert_eq!(browser.run("return document.cookie"), "");
    browser.screenshot(&out.join("status-page.png"));

    // On a phone's width nothing runs off the side: the tables become cards.
    browser.resize(390, 1600);
    let fits = browser.run("return document.documentElement.scrollWidth <= window.innerWidth");
    assert_eq!(fits, true, "the page is wider than a phone");
    browser.screenshot(&out.join("status-page-phone.png"));
    eprintln!("screenshots: {}", out.join("status-page*.png").display());
}
