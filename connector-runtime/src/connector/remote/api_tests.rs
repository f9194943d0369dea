//! The API client against a mock ERP that records what it was sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::connector::ConfigValue;
use crate::connector::remote::test_erp::{Mock, mock, reply, runtime};

fn api(mock: &Mock, timeout_ms: u64) -> ErpApi {
    ErpApi::new(&ErpAddress::parse_value(&mock.base).unwrap(), Duration::from_millis(timeout_ms))
}

#[test]
fn paths_queries_and_bodies_are_encoded() {
    let erp = mock(|_, _| reply("200 OK", &[("Content-Type", "application/json")], r#"{"id": 7}"#));
    let client = api(&erp, 2000);
    let rt = runtime();
    #[derive(serde::Deserialize)]
    struct Id {
        id: u64,
    }
    let got: Id = rt
        .block_on(client.get("customers").segment("a/b?c%d").query("name", "x y&z=é").query("page", 2).read())
        .unwrap();
    assert_eq!(got.id, 7);
    rt.block_on(client.put("/customers/").segment(42).json(&serde_json::json!({"name": "Acme"})).send()).unwrap();
    rt.block_on(client.post("tokens").form(&[("grant", "a b"), ("x", "&")]).send()).unwrap();
    rt.block_on(client.delete("customers").segment(42).send()).unwrap();
    let seen = erp.seen();
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, "/api/customers/a%2Fb%3Fc%25d?name=x+y%26z%3D%C3%A9&page=2");
    assert_eq!(seen[0].header("accept"), Some("application/json"));
    assert_eq!((seen[1].method.as_str(), seen[1].target.as_str()), ("PUT", "/api/customers/42"));
    assert_eq!(
        (seen[1].header("content-type"), seen[1].body.as_str()),
        (Some("application/json"), r#"{"name":"Acme"}"#)
    );
    assert_eq!((seen[2].method.as_str(), seen[2].body.as_str()), ("POST", "grant=a+b&x=%26"));
    assert_eq!((seen[3].method.as_str(), seen[3].body.as_str()), ("DELETE", ""));
    // A segment that would climb out of the path is refused, and nothing is sent.
    for bad in ["..", ".", ""] {
        let e = rt.block_on(client.get("customers").segment(bad).send()).unwrap_err();
        assert!(matches!(e, ApiError::Call { .. }), "{e}");
    }
    let e = rt.block_on(client.get("../admin").send()).unwrap_err();
    assert!(matches!(e, ApiError::Call { .. }), "{e}");
    assert_eq!(erp.seen().len(), 4);
}

#[test]
fn statuses_become_answers_naming_the_host_only() {
    let long = "x".repeat(5000);
    let erp = mock(move |request, _| match request.target.split('?').next().unwrap() {
        "/api/401" => reply("401 Unauthorized", &[], ""),
        "/api/404" => reply("404 Not Found", &[], "<html>"),
        "/api/422" => reply(
            "422 Unprocessable Entity",
            &[("Content-Type", "application/json")],
            r#"{"errors": [{"message": "Name is required"}, {"message": "VAT number\u0007 is invalid"}]}"#,
        ),
        "/api/409" => reply("409 Conflict", &[("Content-Type", "text/plain")], &long),
        _ => reply("500 Internal Server Error", &[("Content-Type", "application/json")], r#"{"error": "db down"}"#),
    });
    let client = api(&erp, 2000);
    let rt = runtime();
    let status = |path: &str| rt.block_on(client.get(path).query("api_key", "SECRET-KEY").send()).unwrap_err();
    assert!(matches!(status("401"), ApiError::Credentials { status: 401, .. }));
    assert!(status("404").is_not_found());
    let rejected = ConnectorError::from(status("422")).to_string();
    assert!(
        rejected.contains("refused the change (HTTP 422): Name is required; VAT number\\u{7} is invalid"),
        "{rejected}"
    );
    let long_text = ConnectorError::from(status("409")).to_string();
    assert!(long_text.len() < 700 && long_text.contains("HTTP 409"), "bounded: {}", long_text.len());
    let failed = ConnectorError::from(status("500")).to_string();
    assert!(failed.contains("failed (HTTP 500): db down"), "{failed}");
    for said in [rejected, long_text, failed] {
        assert!(said.contains(&format!("The ERP at {}", &erp.base[7..erp.base.len() - 5])), "{said}");
        assert!(!said.contains("SECRET-KEY") && !said.contains("/api/"), "no path or query: {said}");
    }
}

#[test]
fn rate_limits_are_waited_out_within_the_deadline() {
    let erp = mock(|request, n| match (request.target.as_str(), n) {
        ("/api/soon", 1) => reply("429 Too Many Requests", &[("Retry-After", "1")], ""),
        ("/api/soon", _) => reply("200 OK", &[], "[]"),
        _ => reply("429 Too Many Requests", &[("Retry-After", "120")], ""),
    });
    let client = api(&erp, 3000);
    let rt = runtime();
    let started = Instant::now();
    let items: Vec<u8> = rt.block_on(client.post("soon").send()).unwrap().json().unwrap();
    assert!(items.is_empty() && started.elapsed() >= Duration::from_secs(1), "waited as asked");
    // A wait beyond the deadline is answered at once (not slept through), with when to try again.
    let e = rt.block_on(client.get("later").send()).unwrap_err();
    assert!(ConnectorError::from(e).to_string().ends_with("(HTTP 429). Try again in 120 s."));
    assert_eq!(erp.seen().len(), 3);
}

#[test]
fn calls_in_flight_are_bounded() {
    let erp = mock(|_, _| {
        std::thread::sleep(Duration::from_millis(150));
        reply("200 OK", &[], "{}")
    });
    let client = api(&erp, 5000).with_max_in_flight(2);
    let rt = runtime();
    rt.block_on(async {
        let calls = (0..6).map(|i| {
            let client = client.clone();
            async move { client.get("x").segment(i).send().await }
        });
        for outcome in futures_util::future::join_all(calls).await {
            outcome.unwrap();
        }
    });
    assert_eq!(erp.most_at_once.load(Ordering::SeqCst), 2);
    // A call that cannot get a slot within its deadline is answered, not queued: one call holds
    // the only slot for 150 ms, the other may wait 50.
    let one = api(&erp, 5000).with_max_in_flight(1);
    let (held, waited) = rt.block_on(async {
        tokio::join!(one.get("x").send(), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            one.get("y").timeout(Duration::from_millis(50)).send().await
        })
    });
    held.unwrap();
    let e = waited.unwrap_err();
    assert!(matches!(e, ApiError::Busy { status: None, .. }), "{e}");
    assert!(e.to_string().contains("too many calls in flight"), "{e}");
    // The deadline covers the whole call: a hung ERP is left after the call's own timeout.
    let e = rt.block_on(one.get("x").timeout(Duration::from_millis(60)).send()).unwrap_err();
    assert!(
        matches!(e, ApiError::Remote(RemoteError::Timeout { after, .. }) if after <= Duration::from_millis(60)),
        "{e:?}"
    );
}

#[test]
fn client_credentials_fetch_one_token_for_concurrent_callers_and_renew_on_401() {
    let fetched = Arc::new(AtomicUsize::new(0));
    let count = fetched.clone();
    let erp = mock(move |request, _| {
        if request.target == "/api/oauth/token" {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            std::thread::sleep(Duration::from_millis(100));
            return reply(
                "200 OK",
                &[("Content-Type", "application/json")],
                &format!(r#"{{"access_token": "t{n}", "token_type": "Bearer", "expires_in": 3600}}"#),
            );
        }
        // The ERP revokes the first token after a while: a 401 for it on `/revoked`.
        match (request.target.as_str(), request.header("authorization")) {
            ("/api/revoked", Some("Bearer t1")) => reply("401 Unauthorized", &[], ""),
            (_, Some(token)) if token.starts_with("Bearer t") => reply("200 OK", &[], "{}"),
            _ => reply("401 Unauthorized", &[], ""),
        }
    });
    let token_url = ErpAddress::parse_value(&format!("{}oauth/token", erp.base)).unwrap();
    let auth = Auth::client_credentials(&token_url, "sync client", "p@ss:word").scope("customers.read");
    let client = api(&erp, 5000).with_auth(auth);
    let rt = runtime();
    rt.block_on(async {
        let calls = (0..8).map(|_| client.get("customers").send());
        for outcome in futures_util::future::join_all(calls).await {
            outcome.unwrap();
        }
    });
    assert_eq!(fetched.load(Ordering::SeqCst), 1, "one fetch for eight callers");
    let token_request = erp.seen().into_iter().find(|s| s.target == "/api/oauth/token").unwrap();
    assert_eq!(token_request.body, "grant_type=client_credentials&scope=customers.read");
    let basic = base64::engine::general_purpose::STANDARD.encode("sync+client:p%40ss%3Aword");
    assert_eq!(token_request.header("authorization"), Some(format!("Basic {basic}").as_str()));
    // A 401 for a cached token: one new token, the call sent once more.
    rt.block_on(client.get("revoked").send()).unwrap();
    assert_eq!(fetched.load(Ordering::SeqCst), 2);
    rt.block_on(client.get("revoked").send()).unwrap();
    assert_eq!(fetched.load(Ordering::SeqCst), 2, "the new token is kept");
}

#[test]
fn a_refused_client_is_told_so() {
    let erp = mock(|_, _| {
        reply(
            "401 Unauthorized",
            &[("Content-Type", "application/json")],
            r#"{"error": "invalid_client", "error_description": "Unknown client"}"#,
        )
    });
    let token_url = ErpAddress::parse_value(&format!("{}oauth/token", erp.base)).unwrap();
    let client = api(&erp, 2000).with_auth(Auth::client_credentials(&token_url, "id", "wrong").secret_in_body());
    let e = runtime().block_on(client.get("customers").send()).unwrap_err();
    let said = ConnectorError::from(e).to_string();
    assert!(said.contains("refused the connector's credentials (HTTP 401): Unknown client"), "{said}");
    assert!(!said.contains("wrong"));
    assert_eq!(erp.seen()[0].body, "grant_type=client_credentials&client_id=id&client_secret=wrong");
    assert_eq!(erp.seen().len(), 1, "the API is not called without a token");
}

#[test]
fn link_headers_give_the_next_page() {
    assert_eq!(
        next_link(r#"<https://erp/api/c?page=1>; rel="prev", <https://erp/api/c?page=3>; rel="next""#).as_deref(),
        Some("https://erp/api/c?page=3")
    );
    assert_eq!(next_link(r#"<https://erp/api/c?page=1>; rel="prev""#), None);
}

use base64::Engine as _;
