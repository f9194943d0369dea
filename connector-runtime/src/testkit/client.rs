//! A blocking SOAP 1.1 client for one connector endpoint: the 17 operations and `Authenticate`,
//! typed, written and read by the same contract table, writer and reader as the service.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::connector::{ActorsSince, ConnectionConfig, GetActors, SearchActors, SearchByParent};
use crate::contract::auth::{
    AuthenticationRequest, AuthenticationResponse, CONTRACT_NAME, DEFAULT_NAMESPACE, OPERATION,
};
use crate::contract::*;
use crate::soap::writer::{ContractNamespaces, write_contract_message};
use crate::soap::{self, Limits, ReadError, WireProfile};

/// A raw HTTP answer.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The header lines, as received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpReply {
    /// A header's value (name matched ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The connection failed.
    #[error("HTTP: {0}")]
    Io(#[from] std::io::Error),
    /// The answer is not a readable response (or is a SOAP fault).
    #[error("answer (HTTP {status}): {error}")]
    Read {
        /// The HTTP status.
        status: u16,
        /// What the reader found.
        error: ReadError,
    },
    /// A readable response, but with an HTTP status other than 200 (WCF answers 200).
    #[error("HTTP {0}: a response came with this status instead of 200")]
    Status(u16),
    /// The answer is another operation's response class.
    #[error("the answer is not the response class of {0}")]
    WrongClass(Operation),
}

/// A blocking SOAP 1.1 client for one endpoint (`http` or `https`).
///
/// ```no_run
/// use erp_connector::contract::{ActorType, StringDict};
/// use erp_connector::testkit::{SoapClient, new_guid};
///
/// let client = SoapClient::from_url("http://127.0.0.1:8080/Services/ErpConnectorWS.svc").unwrap();
/// let guid = new_guid();
/// let saved = client.save_connection(guid, &StringDict::new().with("company", "Acme")).unwrap();
/// assert!(saved.is_ok);
/// let types = client.get_supported_actor_types(guid).unwrap();
/// println!("{:?}", types.items);
/// ```
#[derive(Clone)]
pub struct SoapClient {
    origin: String,
    path: String,
    profile: WireProfile,
    auth_namespace: String,
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
    observed: Arc<std::sync::Mutex<Observations>>,
}

/// What a client noticed in answers that still read: elements its reader skipped, and answers
/// in another shape than the request's. Bounded: at most 64 of each are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observations {
    /// `(operation, element)`: an element that is no member of its class, each once.
    pub skipped: Vec<(Operation, soap::Skipped)>,
    /// `(operation, what the answer showed)`: an answer not in the request's profile.
    pub other_shape: Vec<(Operation, soap::Shape)>,
    /// Requests sent that show their shape (all but `WSGetConfigData`).
    pub sent_showing_shape: usize,
}

const MAX_OBSERVATIONS: usize = 64;

impl std::fmt::Debug for SoapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoapClient({}{})", self.origin, self.path)
    }
}

/// A client reads whole first-sync answers: no limit on their element count.
const RESPONSE_LIMITS: Limits = Limits {
    max_depth: 32,
    max_elements: usize::MAX,
    max_attributes: 32,
    max_namespace_bindings: 64,
    max_text_len: 64 * 1024 * 1024,
    max_array_items: usize::MAX,
    max_value_bytes: usize::MAX,
};

/// The default service path, as SuperOffice's WCF host names it.
pub const DEFAULT_PATH: &str = "/Services/ErpConnectorWS.svc";

impl SoapClient {
    /// A client for `http://<addr>/Services/ErpConnectorWS.svc`.
    pub fn new(addr: SocketAddr) -> Self {
        Self::with_origin(format!("http://{addr}"), DEFAULT_PATH.into())
    }

    /// A client for a full endpoint address, e.g.
    /// `https://erp.example.com/Services/ErpConnectorWS.svc?ConnectorName=shop`.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| format!("{url}: not an http:// or https:// address"))?;
        let (host, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        let scheme_len = url.len() - rest.len();
        let path = if path.is_empty() || path.starts_with('?') { format!("{DEFAULT_PATH}{path}") } else { path.into() };
        Ok(Self::with_origin(format!("{}{host}", &url[..scheme_len]), path))
    }

    fn with_origin(origin: String, path: String) -> Self {
        let agent = agent(ureq::tls::TlsConfig::default());
        SoapClient {
            origin,
            path,
            profile: WireProfile::default(),
            auth_namespace: DEFAULT_NAMESPACE.into(),
            agent,
            headers: Vec::new(),
            observed: Arc::default(),
        }
    }

    /// Trusts, for an `https://` address, the certificates in `pem` and no others: a test
    /// proxy's self-signed certificate, or a private certificate authority.
    pub fn with_trusted_pem(mut self, pem: &[u8]) -> Result<Self, String> {
        let certs = pem_certificates(pem)?;
        let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs))).build();
        self.agent = agent(tls);
        Ok(self)
    }

    /// The endpoint address.
    pub fn url(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }

    /// Builder: another path (with any query, e.g. `?ConnectorName=shop`).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Builder: adds `ConnectorName=<name>` to the query, as EIS does for a named connector.
    pub fn with_connector_name(self, name: &str) -> Self {
        self.with_query(&format!("ConnectorName={name}"))
    }

    /// Builder: adds `query` (`key=value&...`) to the address's query.
    pub fn with_query(mut self, query: &str) -> Self {
        let separator = if self.path.contains('?') { '&' } else { '?' };
        self.path = format!("{}{separator}{query}", self.path);
        self
    }

    /// The wire profile requests are sent in.
    pub fn profile(&self) -> WireProfile {
        self.profile
    }

    /// Builder: another wire profile.
    pub fn with_profile(mut self, profile: WireProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Builder: an HTTP header sent with every call (e.g. `X-Forwarded-For` through a proxy).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// What was noticed in the answers since the last call of this method (shared by clones).
    pub fn take_observations(&self) -> Observations {
        std::mem::take(&mut *crate::sync::lock(&self.observed))
    }

    fn observe(&self, operation: Operation, trace: &soap::Trace) {
        let mut observed = crate::sync::lock(&self.observed);
        if operation != Operation::GetConfigData {
            observed.sent_showing_shape += 1;
        }
        for skipped in &trace.skipped {
            let entry = (operation, skipped.clone());
            if observed.skipped.len() < MAX_OBSERVATIONS && !observed.skipped.contains(&entry) {
                observed.skipped.push(entry);
            }
        }
        if trace.shape != soap::Shape::Known(self.profile) && observed.other_shape.len() < MAX_OBSERVATIONS {
            observed.other_shape.push((operation, trace.shape));
        }
    }

    /// Builder: the namespace of `Authenticate` requests (default: the placeholder
    /// [`DEFAULT_NAMESPACE`]; the service answers in whichever it is called in).
    pub fn with_auth_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.auth_namespace = namespace.into();
        self
    }

    /// Calls an operation and reads its response.
    pub fn call(&self, request: &Request) -> Result<Response, ClientError> {
        self.exchange(request).map(|(response, _)| response)
    }

    /// Calls an operation; returns the response and the raw HTTP answer (for checks on the wire).
    pub fn exchange(&self, request: &Request) -> Result<(Response, HttpReply), ClientError> {
        let mut body = Vec::new();
        soap::write_request(self.profile, request, &mut body);
        let action = format!("\"{}\"", request.operation().action());
        let reply = self.post(&body, &[("SOAPAction", &action)])?;
        match soap::read_response_traced(&reply.body, request.operation(), &RESPONSE_LIMITS) {
            Ok(_) if reply.status != 200 => Err(ClientError::Status(reply.status)),
            Ok((response, trace)) => {
                self.observe(request.operation(), &trace);
                Ok((response, reply))
            }
            Err(error) => Err(ClientError::Read { status: reply.status, error }),
        }
    }

    /// `Authenticate` with SuperOffice's signed token.
    pub fn authenticate(&self, signed_token: &str) -> Result<AuthenticationResponse, ClientError> {
        let request = AuthenticationRequest { signed_token: Some(signed_token.to_owned()) };
        let mut body = Vec::new();
        let namespaces =
            ContractNamespaces { contract: &self.auth_namespace, poco: crate::contract::auth::POCO_NAMESPACE };
        write_contract_message(self.profile, namespaces, OPERATION, false, &request, &mut body);
        let action = format!("\"{}/{CONTRACT_NAME}/{OPERATION}\"", self.auth_namespace);
        let reply = self.post(&body, &[("SOAPAction", &action)])?;
        let mut response = AuthenticationResponse::default();
        soap::read_message(&reply.body, &mut response, "", &Limits::default())
            .map_err(|error| ClientError::Read { status: reply.status, error })?;
        Ok(response)
    }

    /// Posts a body as `text/xml; charset=utf-8` with extra headers.
    pub fn post(&self, body: &[u8], headers: &[(&str, &str)]) -> std::io::Result<HttpReply> {
        let mut request = self.agent.post(self.url()).header("Content-Type", soap::CONTENT_TYPE);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.send(body))
    }

    /// A GET of `path` on the endpoint's host (e.g. `/health`).
    pub fn get(&self, path: &str) -> std::io::Result<HttpReply> {
        self.get_with(path, &[])
    }

    /// [`SoapClient::get`] with extra headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> std::io::Result<HttpReply> {
        let mut request = self.agent.get(format!("{}{path}", self.origin));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.call())
    }
}

fn agent(tls: ureq::tls::TlsConfig) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .max_redirects(0)
        .tls_config(tls)
        .build()
        .into()
}

/// Every certificate in a PEM text.
fn pem_certificates(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let certs: Vec<_> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
            Ok(_) => None,
            Err(e) => Some(Err(e.to_string())),
        })
        .collect::<Result<_, _>>()?;
    if certs.is_empty() {
        return Err("no certificate in the PEM text".into());
    }
    Ok(certs)
}

fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> std::io::Result<HttpReply> {
    let mut response = result.map_err(|e| match e {
        ureq::Error::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    })?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = response.body_mut().with_config().limit(u64::MAX).read_to_vec().map_err(std::io::Error::other)?;
    Ok(HttpReply { status, headers, body })
}

/// The typed operations: each sends its request class and returns its response class.
macro_rules! typed {
    ($(
        $(#[$meta:meta])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $variant:ident($out:ty) = $build:expr;
    )*) => {
        impl SoapClient {
            $(
                $(#[$meta])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, ClientError> {
                    let request: Request = $build;
                    let operation = request.operation();
                    match self.call(&request)? {
                        Response::$variant(r) => Ok(r),
                        _ => Err(ClientError::WrongClass(operation)),
                    }
                }
            )*
        }
    };
}

fn base(guid: ConnectionGuid) -> RequestBase {
    RequestBase { connection_guid: Some(guid) }
}

fn keys(list: &[String]) -> Option<Vec<String>> {
    Some(list.to_vec())
}

typed! {
    /// `WSGetConfigData`.
    fn get_config_data() -> FieldMetadata(FieldMetadataResponse) = Request::GetConfigData;
    /// `WSTestConfigData`.
    fn test_config_data(info: &StringDict) -> Result(ResponseStatus) =
        Request::TestConfigData(TestConfigDataRequest { connection_info: Some(info.clone()) });
    /// `WSSaveConnection`.
    fn save_connection(guid: ConnectionGuid, info: &StringDict) -> Result(ResponseStatus) =
        Request::SaveConnection(SaveConnectionRequest { base: base(guid), connection_info: Some(info.clone()) });
    /// `WSTestConnection`.
    fn test_connection(guid: ConnectionGuid) -> Result(ResponseStatus) = Request::TestConnection(base(guid));
    /// `WSDeleteConnection`.
    fn delete_connection(guid: ConnectionGuid) -> Result(ResponseStatus) = Request::DeleteConnection(base(guid));
    /// `WSGetSupportedActorTypes`.
    fn get_supported_actor_types(guid: ConnectionGuid) -> StringArray(StringArrayResponse) =
        Request::GetSupportedActorTypes(base(guid));
    /// `WSGetSupportedActorTypeFields`.
    fn get_supported_actor_type_fields(guid: ConnectionGuid, actor_type: &ActorType) -> FieldMetadata(FieldMetadataResponse) =
        Request::GetSupportedActorTypeFields(GetSupportedActorTypeFieldsRequest { base: base(guid), actor_type: Some(actor_type.clone()) });
    /// `WSGetActors`.
    fn get_actors(guid: ConnectionGuid, q: &GetActors) -> ActorArray(ActorArrayResponse) =
        Request::GetActors(GetActorsRequest { base: base(guid), actor_type: Some(q.actor_type.clone()), erp_keys: keys(&q.erp_keys), field_keys: keys(&q.field_keys) });
    /// `WSGetSearchableFields`.
    fn get_searchable_fields(guid: ConnectionGuid, actor_type: &ActorType) -> StringArray(StringArrayResponse) =
        Request::GetSearchableFields(GetSearchableFieldsRequest { base: base(guid), actor_type: Some(actor_type.clone()) });
    /// `WSSearchActorsAdvanced`, with the restrictions as sent (the connector gets them typed
    /// and checked: a client may send any).
    fn search_actors_advanced(guid: ConnectionGuid, actor_type: &ActorType, restrictions: &[SearchRestriction], field_keys: &[String]) -> ActorArray(ActorArrayResponse) =
        Request::SearchActorsAdvanced(SearchActorsAdvancedRequest { base: base(guid), actor_type: Some(actor_type.clone()), restrictions: Some(restrictions.to_vec()), field_keys: keys(field_keys) });
    /// `WSSearchActors`.
    fn search_actors(guid: ConnectionGuid, q: &SearchActors) -> ActorArray(ActorArrayResponse) =
        Request::SearchActors(SearchActorsRequest { base: base(guid), actor_type: Some(q.actor_type.clone()), search_text: Some(q.search_text.clone()), field_keys: keys(&q.field_keys) });
    /// `WSSearchActorByParent`.
    fn search_actor_by_parent(guid: ConnectionGuid, q: &SearchByParent) -> ActorArray(ActorArrayResponse) =
        Request::SearchActorByParent(SearchActorByParentRequest {
            base: base(guid),
            actor_type: Some(q.actor_type.clone()),
            search_text: Some(q.search_text.clone()),
            parent_actor_type: Some(q.parent_actor_type.clone()),
            parent_actor_erp_key: Some(q.parent_erp_key.clone()),
            field_keys: keys(&q.field_keys),
        });
    /// `WSCreateActor`.
    fn create_actor(guid: ConnectionGuid, actor: &ErpActor) -> Actor(ActorResponse) =
        Request::CreateActor(CreateActorRequest { base: base(guid), actor: Some(actor.clone()) });
    /// `WSSaveActors`.
    fn save_actors(guid: ConnectionGuid, actors: &[ErpActor]) -> ActorArray(ActorArrayResponse) =
        Request::SaveActors(SaveActorsRequest { base: base(guid), actors: Some(actors.to_vec()) });
    /// `WSGetList`.
    fn get_list(guid: ConnectionGuid, list_name: &str) -> ListItems(ListItemsResponse) =
        Request::GetList(GetListRequest { base: base(guid), list_name: Some(list_name.into()) });
    /// `WSGetListItems`.
    fn get_list_items(guid: ConnectionGuid, list_name: &str, item_keys: &[String]) -> ListItems(ListItemsResponse) =
        Request::GetListItems(GetListItemsRequest { base: base(guid), list_name: Some(list_name.into()), list_item_keys: keys(item_keys) });
    /// `WSGetActorsByTimestamp`; `since: None` sends an empty `UpdatedOnOrAfter`, as EIS's first
    /// poll is assumed to.
    fn get_actors_by_timestamp(guid: ConnectionGuid, q: &ActorsSince) -> ActorArray(ActorArrayResponse) =
        Request::GetActorsByTimestamp(GetActorsByTimestampRequest { base: base(guid), updated_on_or_after: Some(q.since.as_ref().map(ToString::to_string).unwrap_or_default()), actor_type: Some(q.actor_type.clone()), field_keys: keys(&q.field_keys) });
    /// `WSTestConfigData` of a typed configuration.
    fn test_config(config: &impl ConnectionConfig) -> Result(ResponseStatus) =
        Request::TestConfigData(TestConfigDataRequest { connection_info: Some(config.to_info()) });
    /// `WSSaveConnection` of a typed configuration.
    fn save_config(guid: ConnectionGuid, config: &impl ConnectionConfig) -> Result(ResponseStatus) =
        Request::SaveConnection(SaveConnectionRequest { base: base(guid), connection_info: Some(config.to_info()) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_split_into_origin_and_path() {
        let c =
            SoapClient::from_url("https://erp.example.com:8443/Services/ErpConnectorWS.svc?ConnectorName=a").unwrap();
        assert_eq!(c.origin, "https://erp.example.com:8443");
        assert_eq!(c.path, "/Services/ErpConnectorWS.svc?ConnectorName=a");
        let c = SoapClient::from_url("http://localhost:8080").unwrap();
        assert_eq!(c.url(), "http://localhost:8080/Services/ErpConnectorWS.svc");
        let c = SoapClient::from_url("http://localhost:8080?ConnectorName=x").unwrap().with_connector_name("y");
        assert_eq!(c.path, "/Services/ErpConnectorWS.svc?ConnectorName=x&ConnectorName=y");
        assert!(SoapClient::from_url("ftp://x").is_err());
        assert!(SoapClient::from_url("http://").is_err());
    }
}
