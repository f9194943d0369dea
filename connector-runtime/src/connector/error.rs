//! Failures of connector methods, which travel back inside the response (spec §4.7).

use std::fmt;

use crate::contract::{ResponseState, ResponseStatus, error_codes};

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
    /// A machine-readable code, e.g. [`error_codes::UNKNOWN_FIELDKEY`].
    pub error_code: Option<String>,
}

impl ConnectorError {
    /// A failure with a text for the user.
    pub fn new(user_explanation: impl Into<String>) -> Self {
        ConnectorError {
            state: ResponseState::Error,
            user_explanation: user_explanation.into(),
            tech_explanation: None,
            error_code: None,
        }
    }

    /// The answer of an ERP that does not accept writes (spec §5.5).
    pub fn read_only() -> Self {
        ConnectorError::new("This ERP connector is read-only: it does not create or update actors.")
    }

    /// `UNKNOWN_CONNECTION_ID`: EIS resends the configuration and retries (spec §5.2).
    pub fn unknown_connection() -> Self {
        ConnectorError::new("The connector has no configuration for this connection.")
            .with_code(error_codes::UNKNOWN_CONNECTION_ID)
    }

    /// Builder: sets the error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
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
    pub fn into_wire(self, include_tech: bool) -> ResponseStatus {
        ResponseStatus {
            error_code: self.error_code,
            is_ok: self.state.is_ok(),
            state: self.state,
            tech_explanation: if include_tech {
                self.tech_explanation.map(|t| crate::untrusted::for_answer(&t).into_owned())
            } else {
                None
            },
            user_explanation: Some(crate::untrusted::for_answer(&self.user_explanation).into_owned()),
        }
    }
}

impl fmt::Debug for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorError")
            .field("state", &self.state)
            .field("user_explanation", &self.user_explanation)
            .field("error_code", &self.error_code)
            .field("tech_explanation", &self.tech_explanation)
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
