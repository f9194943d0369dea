//! SuperOffice Online authentication (auth-protocol.md): the application key and the partner
//! token it signs ([`keys`]), and the validation of the JWT SuperOffice sends ([`token`]).

mod handshake;
pub mod jwks;
pub mod keys;
pub mod token;

pub use handshake::{Handshake, HandshakeAnswer, KeyRefresh};
pub use jwks::Environment;
pub use keys::{AppKey, KeyLoadError, parse_public_key_xml, verify_partner_token};
pub use token::{Rejection, TokenValidator, TrustedCert, ValidToken};
