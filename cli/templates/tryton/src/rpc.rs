//! Tryton's JSON-RPC: `POST <server>/<database>/rpc/` with `{"method", "params", "id"}`; a login
//! (`common.db.login`) gives a user id and a session key, sent as `Authorization: Session
//! base64(login:user_id:session)`. Errors come back as `{"error": [kind, [message, detail, ...]]}`:
//! a `UserError` is for the user, anything else is the ERP failing. An unknown or expired session
//! is an HTTP 401 (403 for a session of another database).

use base64::Engine as _;
use chrono::{Datelike, NaiveDateTime, Timelike};
use erp_connector::connector::remote::{Remote, Retry};
use erp_connector::prelude::*;
use serde_json::{Value, json};

/// The database name: a plain identifier, because it goes into the URL's path (the value is
/// chosen by whoever saves a connection).
pub fn database_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The JSON-RPC address of `database` on `server` (checked by the configuration's allow-list).
pub fn endpoint(server: &str, database: &str) -> ConnectorResult<String> {
    if !database_ok(database) {
        return Err(ConnectorError::new(format!(
            "The database name `{}` is not a Tryton database name (letters, digits, _ and -).",
            erp_connector::untrusted::shown(database)
        )));
    }
    Ok(format!("{}/{database}/rpc/", server.trim_end_matches('/')))
}

/// A logged-in session: what every call sends, and the user's context (company, language).
#[derive(Debug, Clone)]
pub struct Login {
    /// The JSON-RPC address.
    pub url: String,
    /// `Session base64(login:user_id:key)`.
    authorization: String,
    /// The user's preferences as a call context, with `active_test: false` so that archived
    /// records are seen (their deactivation must reach SuperOffice).
    pub context: Value,
}

/// The Tryton client of one connector: the HTTP client with its deadline.
#[derive(Clone)]
pub struct Rpc {
    remote: Remote,
}

impl Rpc {
    /// A client whose calls end within `timeout`.
    pub fn new(timeout: std::time::Duration) -> Rpc {
        Rpc { remote: Remote::new(timeout) }
    }

    /// Logs `user` in and reads the user's context.
    pub async fn login(&self, url: &str, user: &str, password: &str) -> ConnectorResult<Login> {
        let params = json!([user, {"password": password}, "en"]);
        let answer = self.send(url, None, "common.db.login", params, Retry::Safe).await?;
        let (Some(user_id), Some(key)) = (answer.get(0).and_then(Value::as_i64), answer.get(1).and_then(Value::as_str))
        else {
            return Err(ConnectorError::new("Tryton refused the login: check the user and password."));
        };
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{user_id}:{key}"));
        let mut login = Login { url: url.to_owned(), authorization: format!("Session {token}"), context: json!({}) };
        let mut context = self.call(&login, "model.res.user.get_preferences", json!([true]), Retry::Safe).await?;
        if let Some(map) = context.as_object_mut() {
            map.insert("active_test".into(), Value::Bool(false));
        }
        login.context = context;
        Ok(login)
    }

    /// Ends the session (best effort: an expired one is gone anyway).
    pub async fn logout(&self, login: &Login) {
        let _ = self.send(&login.url, Some(login), "common.db.logout", json!([]), Retry::Never).await;
    }

    /// Calls `method` with `params` and the session's context appended.
    pub async fn call(&self, login: &Login, method: &str, params: Value, retry: Retry) -> ConnectorResult<Value> {
        let mut params = match params {
            Value::Array(items) => items,
            other => vec![other],
        };
        params.push(login.context.clone());
        self.send(&login.url, Some(login), method, Value::Array(params), retry).await
    }

    async fn send(
        &self,
        url: &str,
        login: Option<&Login>,
        method: &str,
        params: Value,
        retry: Retry,
    ) -> ConnectorResult<Value> {
        let body = json!({"method": method, "params": params, "id": 1});
        let headers: Vec<(&str, &str)> =
            login.map(|l| vec![("Authorization", l.authorization.as_str())]).unwrap_or_default();
        let answer = self.remote.post_json(url, &headers, &body, retry).await?;
        if let Some(refused) = answer.refused_for_now() {
            return Err(refused);
        }
        match answer.status {
            200 => {}
            401 | 403 if login.is_some() => return Err(ConnectorError::session_expired()),
            401 | 403 => return Err(ConnectorError::new("Tryton refused the login: check the user and password.")),
            404 => {
                return Err(ConnectorError::new(
                    "Tryton has no such database: check the server address and the database name.",
                ));
            }
            status => {
                return Err(ConnectorError::new(format!("Tryton answered HTTP {status} to {method}.")));
            }
        }
        if let Some(error) = answer.json.get("error").filter(|e| !e.is_null()) {
            return Err(fault(method, error));
        }
        Ok(answer.json.get("result").cloned().unwrap_or(Value::Null))
    }
}

/// A Tryton error as an answer: a `UserError`'s message is for the user as Tryton wrote it; other
/// faults say which call failed, with Tryton's text as the technical explanation.
fn fault(method: &str, error: &Value) -> ConnectorError {
    let kind = error.get(0).and_then(Value::as_str).unwrap_or("");
    let args = error.get(1);
    let message = args.and_then(|a| a.get(0)).and_then(Value::as_str).or_else(|| args.and_then(Value::as_str));
    let shown = |s: &str| erp_connector::untrusted::shown_within(s, 500).into_owned();
    match (kind, message) {
        ("UserError" | "UserWarning", Some(message)) => ConnectorError::new(shown(message)),
        ("LoginException", _) => {
            ConnectorError::new("Tryton asks for more than a password to log in (two-factor login is not supported).")
        }
        _ => ConnectorError::new(format!("Tryton failed on {method}."))
            .with_tech(shown(&format!("{kind}: {}", args.unwrap_or(&Value::Null)))),
    }
}

/// A date-time as Tryton's JSON encodes it.
pub fn datetime_value(at: NaiveDateTime) -> Value {
    json!({
        "__class__": "datetime",
        "year": at.year(), "month": at.month(), "day": at.day(),
        "hour": at.hour(), "minute": at.minute(), "second": at.second(),
        "microsecond": at.nanosecond() / 1000,
    })
}

/// A date-time from Tryton's JSON (`{"__class__": "datetime", ...}`), in UTC as Tryton stores it.
pub fn datetime_of(value: &Value) -> Option<NaiveDateTime> {
    let n = |k: &str| value.get(k).and_then(Value::as_u64).map(|v| v as u32);
    let date = chrono::NaiveDate::from_ymd_opt(n("year")? as i32, n("month")?, n("day")?)?;
    date.and_hms_micro_opt(
        n("hour").unwrap_or(0),
        n("minute").unwrap_or(0),
        n("second").unwrap_or(0),
        n("microsecond").unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip_with_microseconds() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_micro_opt(18, 12, 1, 317_171).unwrap();
        assert_eq!(datetime_of(&datetime_value(at)), Some(at));
    }

    #[test]
    fn database_names_cannot_leave_the_path() {
        assert!(endpoint("http://erp:8000/", "erp_1").is_ok_and(|u| u == "http://erp:8000/erp_1/rpc/"));
        for bad in ["", "../x", "a/b", "a?b", "a b", "db%2f"] {
            assert!(endpoint("http://erp:8000", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_errors_reach_the_user_and_others_say_the_call() {
        let e =
            fault("model.party.party.create", &json!(["UserError", ["The code on party must be unique.", "", null]]));
        assert_eq!(e.to_string(), "The code on party must be unique.");
        let e = fault("model.party.party.read", &json!(["KeyError", "'x'"]));
        assert_eq!(e.to_string(), "Tryton failed on model.party.party.read.");
    }
}
