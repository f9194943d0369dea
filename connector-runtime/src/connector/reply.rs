//! Successful answers: the payload, and the state, code and texts the contract lets go with it.

use crate::contract::{ErrorCode, ResponseState, ResponseStatus};
use crate::untrusted::for_answer;

/// What a connector method answers when it succeeds: the payload and, optionally, a state
/// (`OkWithInfo`, `Warning`), an error code and texts for the user and for the log, all sent
/// next to the payload (spec §3.1, §4.7).
///
/// A method returns the payload itself for a plain `Ok` ([`IntoReply`]); a `Reply` where it
/// sends more: a `collect()` into a `Reply` works as into the payload; the builders add the rest:
///
/// ```
/// use erp_connector::contract::ResponseState;
/// use erp_connector::prelude::*;
///
/// fn found(actors: Vec<ErpActor>, skipped: usize) -> ConnectorResult<Reply<Vec<ErpActor>>> {
///     let reply = Reply::from(actors);
///     Ok(if skipped > 0 { reply.info(format!("{skipped} archived customers are not shown.")) } else { reply })
/// }
/// let reply = found(Vec::new(), 3).unwrap();
/// assert_eq!(reply.state, ResponseState::OkWithInfo);
///
/// let keys: Reply<Vec<String>> = ["NAME", "CITY"].iter().map(|k| k.to_string()).collect();
/// assert_eq!(keys.value.len(), 2);
/// ```
///
/// Texts reach the answer escaped and bounded like those of [`super::ConnectorError`]; the
/// technical text only when the service enables technical explanations.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Reply<T = ()> {
    /// The payload.
    pub value: T,
    /// The state sent with it; `Ok` unless changed.
    pub state: ResponseState,
    /// A code sent with it.
    pub error_code: Option<ErrorCode>,
    /// Text for the user (may be a multi-language string).
    pub user_explanation: Option<String>,
    /// Technical details, sent only when the service enables them.
    pub tech_explanation: Option<String>,
}

impl Reply<()> {
    /// A plain `Ok` without payload (the answer of tests and hooks).
    pub fn ok() -> Self {
        Reply::new(())
    }
}

impl<T> Reply<T> {
    /// A plain `Ok` with `value`.
    pub fn new(value: T) -> Self {
        Reply { value, state: ResponseState::Ok, error_code: None, user_explanation: None, tech_explanation: None }
    }

    /// `State=OkWithInfo` with a text for the user: it worked, and there is something to show.
    pub fn info(self, user_explanation: impl Into<String>) -> Self {
        self.with(ResponseState::OkWithInfo, user_explanation)
    }

    /// A text for the user at `State=Ok` (shown by SuperOffice where it shows answers, such as
    /// the result of a connection test).
    pub fn text(mut self, user_explanation: impl Into<String>) -> Self {
        self.user_explanation = Some(user_explanation.into());
        self
    }

    /// `State=Warning` with a text for the user: it worked, possibly degraded.
    pub fn warning(self, user_explanation: impl Into<String>) -> Self {
        self.with(ResponseState::Warning, user_explanation)
    }

    fn with(mut self, state: ResponseState, user_explanation: impl Into<String>) -> Self {
        self.state = state;
        self.user_explanation = Some(user_explanation.into());
        self
    }

    /// Builder: sets the error code sent with the payload.
    pub fn with_code(mut self, code: impl Into<ErrorCode>) -> Self {
        self.error_code = Some(code.into());
        self
    }

    /// Builder: sets technical details.
    pub fn with_tech(mut self, tech_explanation: impl Into<String>) -> Self {
        self.tech_explanation = Some(tech_explanation.into());
        self
    }

    /// The same answer around another payload.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        Reply {
            value: f(self.value),
            state: self.state,
            error_code: self.error_code,
            user_explanation: self.user_explanation,
            tech_explanation: self.tech_explanation,
        }
    }

    /// The payload and the status part of the response; technical details only when `include_tech`.
    pub(crate) fn into_wire(self, include_tech: bool) -> (T, ResponseStatus) {
        let status = status(self.state, self.error_code, self.user_explanation, self.tech_explanation, include_tech);
        (self.value, status)
    }
}

/// The status of an answer, its texts escaped and bounded: one place for successes and failures.
pub(crate) fn status(
    state: ResponseState,
    code: Option<ErrorCode>,
    user: Option<String>,
    tech: Option<String>,
    include_tech: bool,
) -> ResponseStatus {
    ResponseStatus {
        error_code: code.map(|code| for_answer(code.wire()).into_owned()),
        is_ok: state.is_ok(),
        state,
        tech_explanation: tech.filter(|_| include_tech).map(|t| for_answer(&t).into_owned()),
        user_explanation: user.map(|u| for_answer(&u).into_owned()),
    }
}

/// What a method that answers a `T` may return: the `T` itself (a plain `Ok`), or a
/// [`Reply<T>`] with a state, a code or texts.
///
/// ```
/// use erp_connector::contract::ResponseState;
/// use erp_connector::prelude::*;
///
/// fn plain(actors: Vec<ErpActor>) -> ConnectorResult<impl IntoReply<Vec<ErpActor>>> {
///     Ok(actors)
/// }
/// fn noted(actors: Vec<ErpActor>) -> ConnectorResult<impl IntoReply<Vec<ErpActor>>> {
///     Ok(Reply::new(actors).info("3 archived customers are not shown."))
/// }
/// assert_eq!(plain(Vec::new()).unwrap().into_reply().state, ResponseState::Ok);
/// assert_eq!(noted(Vec::new()).unwrap().into_reply().state, ResponseState::OkWithInfo);
/// ```
#[diagnostic::on_unimplemented(
    message = "this method answers `{T}`, not `{Self}`",
    label = "answer a `{T}` here",
    note = "answer the data itself (`Ok(value)`), or a `Reply<{T}>` to send a state or a text with it"
)]
pub trait IntoReply<T> {
    /// The answer.
    fn into_reply(self) -> Reply<T>;
}

impl<T> IntoReply<T> for T {
    fn into_reply(self) -> Reply<T> {
        Reply::new(self)
    }
}

impl<T> IntoReply<T> for Reply<T> {
    fn into_reply(self) -> Reply<T> {
        self
    }
}

impl<T> From<T> for Reply<T> {
    fn from(value: T) -> Self {
        Reply::new(value)
    }
}

impl<T: FromIterator<A>, A> FromIterator<A> for Reply<T> {
    fn from_iter<I: IntoIterator<Item = A>>(items: I) -> Self {
        Reply::new(items.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_carries_its_state_code_and_texts_next_to_the_payload() {
        let (value, wire) =
            Reply::new(vec![1, 2]).warning("2 of 5\u{1b}[2J").with_code("PARTIAL").with_tech("page 3").into_wire(false);
        assert_eq!(value, vec![1, 2]);
        assert!(wire.is_ok && wire.state == ResponseState::Warning);
        assert_eq!(wire.error_code.as_deref(), Some("PARTIAL"));
        assert!(!wire.user_explanation.as_deref().unwrap().contains('\u{1b}'), "escaped");
        assert_eq!(wire.tech_explanation, None, "technical details only when enabled");
        let (_, wire) = Reply::ok().info("fine").with_tech("details").into_wire(true);
        assert_eq!((wire.state, wire.tech_explanation.as_deref()), (ResponseState::OkWithInfo, Some("details")));
        let plain: Reply<Vec<u8>> = (1..=3).collect();
        assert_eq!(plain.into_wire(true).1, ResponseStatus::ok());
    }
}
