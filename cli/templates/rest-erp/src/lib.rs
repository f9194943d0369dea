//! A SuperOffice ERP Sync connector for a cloud ERP's REST API, of the shape most cloud ERPs
//! share: OAuth2 with refresh tokens that rotate, page-numbered lists, a rate limit answered with
//! 429 and `Retry-After`, a modification stamp per record.
//!
//! * [`records`]: the ERP's records, the schema, and the mapping both ways;
//! * [`connector`]: the `ErpConnector` methods on the API.
//!
//! The framework does the rest: the HTTP calls with their deadlines, retries and rate limit
//! ([`ErpApi`](erp_connector::prelude::ErpApi)), the rotated refresh token kept in the
//! connection's state for every replica, the paging, and the SuperOffice side.

pub mod connector;
pub mod records;

pub use connector::{RestConfig, RestErp};
