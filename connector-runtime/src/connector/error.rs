//! Failures of connector methods, which travel back inside the response (spec §4.7).

use std::fmt;

use crate::contract::{ErrorCode, ResponseState, ResponseStatus};

/// The result of a connector method.
pub type ConnectorResult<T> = Result<T, ConnectorError>;

/// A failure reported to SuperOffice inside the response: `IsOk=false` (unless the state says
/// otherwise), a text for the user, optionally technical details and an error code.
///
/// Any `std::error::Error` converts into it with `?`: the user text is a generic one (an error's
/// own message may name the ERP's address, a file or a query, and SuperOffice users see the user
/// text), its message and source chain become the technical details (logged, and sent only
/// when the service enables them). Say what went wrong for the user with [`ConnectorError::new`].
///
/// Texts reach the answer escaped and bounded (control characters but line breaks and tabs
/// escaped, at most 4 KiB each: [`crate::untrusted::for_answer`]).
///
/// ```
/// use erp_connector::connector::{ConnectorError, ConnectorResult};
/// fn open(path: &str) -> ConnectorResult<String> {
///     let text = std::fs::read_to_string(path)?; // io::Error -> ConnectorError
///     if text.is_empty() {
///         return Err(ConnectorError::new("The ERP export is empty.").with_code("EMPTY_EXPORT"));
///     }
///     Ok(text)
/// }
/// assert!(open("/nonexistent").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectorError {
    /// The state sent; `Error` unless changed.
    pub state: ResponseState,
    /// Text for the user (may be a multi-language string).
    pub user_explanation: String,
    /// Technical details, sent only when the service enables them.
    pub tech_explanation: Option<String>,
    /// A machine-readable code, e.g. [`ErrorCode::UnknownFieldKey`].
    pub error_code: Option<ErrorCode>,
    /// Whether the ERP session of the connection has expired (see [`ConnectorError::session_expired`]).
    expired_session: bool,
}

impl ConnectorError {
    /// A failure with a text for the user.
    pub fn new(user_explanation: impl Into<String>) -> Self {
        ConnectorError {
            state: ResponseState::Error,
            user_explanation: user_explanation.into(),
            tech_explanation: None,
            error_code: None,
            expired_session: false,
        }
    }

    /// The ERP no longer accepts the connection's session (a login timed out, the ERP restarted):
    /// the framework drops the session, opens a new one and calls the method once more. If the
    /// second call fails the same way, this is its answer.
    pub fn session_expired() -> Self {
        let mut error = ConnectorError::new("The ERP session expired and logging in again did not help.");
        error.expired_session = true;
        error
    }

    /// Whether this is [`ConnectorError::session_expired`].
    pub fn is_session_expired(&self) -> bool {
        self.expired_session
    }

    /// The answer of an ERP that does not accept writes (spec §5.5).
    pub fn read_only() -> Self {
        ConnectorError::new("This ERP connector is read-only: it does not create or update actors.")
    }

    /// `UNKNOWN_CONNECTION_ID`: EIS resends the configuration and retries (spec §5.2).
    pub fn unknown_connection() -> Self {
        ConnectorError::new("The connector has no configuration for this connection.")
            .with_code(ErrorCode::UnknownConnectionId)
    }

    /// Builder: sets the error code (an [`ErrorCode`], or a code of the connector's own as text).
    pub fn with_code(mut self, code: impl Into<ErrorCode>) -> Self {
        self.error_code = Some(code.into());
        self
    }

    /// Builder: sets technical details.
    pub fn with_tech(mut self, tech: impl Into<String>) -> Self {
        self.tech_explanation = Some(tech.into());
        self
    }

    /// Builder: sets the state (e.g. `Warning` for a degraded but completed call).
    pub fn with_state(mut self, state: ResponseState) -> Self {
        self.state = state;
        self
    }

    /// The status part of the response; technical details only when `include_tech`.
    pub(crate) fn into_wire(self, include_tech: bool) -> ResponseStatus {
        let user = Some(self.user_explanation);
        super::reply::status(self.state, self.error_code, user, self.tech_explanation, include_tech)
    }
}

impl fmt::Debug for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorError")
            .field("state", &self.state)
            .field("user_explanation", &self.user_explanation)
            .field("error_code", &self.error_code)
            .field("tech_explanation", &self.tech_explanation)
            .field("expired_session", &self.expired_session)
            .finish()
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.user_explanation)?;
        if let Some(code) = &self.error_code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

/// The user text of an error converted with `?`.
pub const GENERIC_USER_TEXT: &str = "The connector could not complete the request; its log has the details.";

impl<E: std::error::Error> From<E> for ConnectorError {
    fn from(e: E) -> Self {
        let mut tech = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            tech.push_str("\ncaused by: ");
            tech.push_str(&s.to_string());
            source = s.source();
        }
        ConnectorError::new(GENERIC_USER_TEXT).with_tech(tech)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_converted_error_keeps_its_text_out_of_the_user_text() {
        let io = std::io::Error::other("connect to https://erp.internal:8443/api failed");
        let error = ConnectorError::from(io);
        assert_eq!(error.user_explanation, GENERIC_USER_TEXT);
        assert!(error.tech_explanation.as_deref().unwrap().contains("erp.internal"));
        let wire = error.clone().into_wire(false);
        assert!(wire.tech_explanation.is_none());
        let huge = ConnectorError::new(format!("bad value {}\u{1b}[2J", "x".repeat(1 << 20))).into_wire(true);
        let text = huge.user_explanation.unwrap();
        assert!(text.len() <= crate::untrusted::MAX_ANSWER_BYTES + 24 && !text.contains('\u{1b}'), "{}", text.len());
    }
}
