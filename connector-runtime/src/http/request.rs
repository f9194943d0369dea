//! The HTTP checks of a SOAP request before its envelope is read: what the endpoint refuses to
//! read at all (SOAP 1.2, a compressed body), and the body itself, within the body limit and
//! the body timeout. A refusal says its status, its fault and whether the connection closes;
//! the endpoint writes it (`SoapEndpoint::refused`).

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;

use crate::soap::Fault;

/// Largest buffer reserved for a body before its bytes arrive, whatever `Content-Length` says.
const MAX_INITIAL_BODY_CAPACITY: usize = 64 * 1024;

/// A request refused before its envelope is read.
pub(super) struct Refusal {
    pub status: StatusCode,
    pub fault: Fault,
    /// The refusal metric's reason, if it is counted.
    pub reason: Option<&'static str>,
    /// Whether the connection is closed after the answer (a body that never came).
    pub close: bool,
}

impl Refusal {
    fn new(status: StatusCode, fault: Fault) -> Refusal {
        Refusal { status, fault, reason: None, close: false }
    }
}

/// What this endpoint does not read at all: SOAP 1.2, or a compressed body (decompressing
/// would let a small body expand without bound; EIS does not compress).
pub(super) fn unreadable(req: &HttpRequest) -> Option<Refusal> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/soap+xml")) {
        let fault = Fault::client("SOAP 1.2 (application/soap+xml) is not supported; send SOAP 1.1 as text/xml");
        return Some(Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, fault));
    }
    let encoding = req.headers().get(header::CONTENT_ENCODING)?;
    if encoding.as_bytes().eq_ignore_ascii_case(b"identity") {
        return None;
    }
    // The caller's header, bounded and escaped before it is echoed.
    let given = String::from_utf8_lossy(encoding.as_bytes());
    let fault = Fault::client(format!(
        "compressed request bodies (Content-Encoding: {}) are not accepted; send the body as is",
        crate::untrusted::shown(&given)
    ));
    Some(Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, fault))
}

/// The request body: at most `limit` bytes (an announced larger length is refused before a byte
/// is read), all of it within `timeout`.
pub(super) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    timeout: Duration,
) -> Result<web::Bytes, Refusal> {
    let too_large = || Refusal {
        reason: Some("body_too_large"),
        ..Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Fault::client(format!("the request body exceeds the limit of {limit} bytes")),
        )
    };
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // Grown as bytes arrive: an announced length costs nothing until it is sent.
    let initial = announced.unwrap_or(0).min(MAX_INITIAL_BODY_CAPACITY as u64) as usize;
    let mut body = web::BytesMut::with_capacity(initial);
    let read = async {
        while let Some(chunk) = payload.next().await {
            match chunk {
                Ok(chunk) if body.len() + chunk.len() > limit => return Err(too_large()),
                Ok(chunk) => body.extend_from_slice(&chunk),
                Err(e) => {
                    let fault = Fault::client("the request body could not be read").with_detail(e.to_string());
                    return Err(Refusal::new(StatusCode::BAD_REQUEST, fault));
                }
            }
        }
        Ok(())
    };
    match actix_web::rt::time::timeout(timeout, read).await {
        Ok(Ok(())) => Ok(body.freeze()),
        Ok(Err(refusal)) => Err(refusal),
        Err(_) => {
            let fault =
                Fault::client(format!("the request body did not arrive within {} seconds", timeout.as_secs_f64()));
            Err(Refusal {
                reason: Some("body_timeout"),
                close: true,
                ..Refusal::new(StatusCode::REQUEST_TIMEOUT, fault)
            })
        }
    }
}
