//! SuperOffice Online authentication (auth-protocol.md): the application key and the partner
//! token it signs. The `Authenticate` handshake and the validation of SuperOffice's tokens build
//! on this module.

pub mod keys;

pub use keys::{AppKey, KeyLoadError, verify_partner_token};
