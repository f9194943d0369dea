//! Procedural macros of `erp-connector`: `#[erp_connector]` and `#[derive(ConnectionConfig)]`.
//!
//! This crate is glue: it parses and validates the user's code at compile time, reporting every
//! problem as a spanned error, and expands onto the runtime's hidden, version-stamped
//! `__private::v0_1` module. All SOAP, XML, store and key logic lives in the runtime crate.
//!
//! Set `ERP_CONNECTOR_MACROS_DEBUG=1` while building to print each expansion, and
//! `ERP_CONNECTOR_MACROS_TIMING=1` to print how long each expansion and its checks took.

// Small functions: at most 80 lines of code each (clippy.toml), tests excepted.
#![warn(clippy::too_many_lines)]

mod allow_pattern;
mod config;
mod connector;
mod list;
mod support;

#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Makes a connector servable: put it on the connector's struct (or enum), next to a plain
/// `impl ErpConnector for T`.
///
/// Arguments: `app_id = "<32 hex characters>"` (required: the SuperOffice client id),
/// `name = "<connector name>"` (optional, default the type name in lower case; matched against
/// `?ConnectorName=`), `crate = "<path>"` (optional, where `erp_connector` is re-exported).
///
/// ```
/// use erp_connector::prelude::*;
///
/// struct Hello;
///
/// #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "hello")]
/// impl ErpConnector for Hello {
///     type Config = NoConfig;
///
///     async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
///         Ok(Schema::new().actor(ActorType::Customer, [Key::<String>::new("NAME").field("Name")]))
///     }
/// }
///
/// use erp_connector::service::Registered as _;
/// assert_eq!(Hello::NAME, "hello");
/// ```
///
/// rustc checks the methods of the impl itself (a misspelt one is "not a member of trait", with
/// the right name suggested). On the impl (or, not on both, on the struct) the attribute also
/// checks what rustc cannot know, each a compile error naming the fix, and allows methods to
/// answer plain data where the trait declares `impl IntoReply<..>`:
/// a method the framework owns (`save_connection`, `get_config_data`, ...), a session type
/// (`impl ErpConnector<MySession>`) without `open_session`; and `type Config` may be left out
/// (no configuration fields). Operations left out answer as the contract says an
/// unsupported feature must.
///
/// ```compile_fail
/// use erp_connector::prelude::*;
/// struct Hello;
/// #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
/// impl ErpConnector for Hello {
///     async fn save_connection(&self) {} // error: the framework stores connections itself
/// }
/// ```
#[proc_macro_attribute]
pub fn erp_connector(args: TokenStream, item: TokenStream) -> TokenStream {
    connector::expand(args.into(), item.into()).into()
}

/// Derives `ConnectionConfig` for a struct with named fields: the fields of SuperOffice's "add
/// connection" dialog (`WSGetConfigData`) and the parsing of `ConnectionInfo` into the struct.
///
/// Field attribute `#[field(...)]`: `display = "..."` (label; default from the name),
/// `rank = N` (display order, unique; default the position), `key = "..."` (default the name in
/// upper case), `mandatory`, `read_only`, `default = "..."`, `max_length = N`,
/// `list = "<ListName>"` (a drop-down filled by `get_list`; `list = ""` sends an empty
/// `ListName` on a field that is no list), `description = "..."` (instead of the doc comment;
/// `""` sends an empty description, where a field without either sends none),
/// `allow = "<pattern> ..."` (a text
/// field naming a place the connector connects to: only URLs or hosts matching a pattern, such as
/// `https://*.erp.example/api` or `erp.example.com:8443`, are accepted; see
/// `erp_connector::connector::allow`). The doc comment is the description.
/// On the struct, `#[connection_config(crate = "<path>")]` names a re-exported runtime.
/// The widget type follows the Rust type: `String` text, `Password` password, `bool` checkbox,
/// integers, `f64`, `chrono::NaiveDateTime`, a `#[derive(ConfigList)]` enum (a drop-down whose
/// items the service lists itself); `Option<T>` is optional. A non-`Option` field must be
/// `mandatory` or have a `default`.
///
/// ```
/// use erp_connector::prelude::*;
/// use erp_connector::connector::ConnectionConfig as _;
///
/// #[derive(ConnectionConfig)]
/// struct Config {
///     /// Host name of the ERP.
///     #[field(mandatory)]
///     host: String,
///     #[field(description = "", list = "")]
///     branch: Option<String>,
///     port: Option<u16>,
/// }
///
/// let [host, branch, port] = <[erp_connector::contract::FieldMetadata; 3]>::try_from(Config::fields()).unwrap();
/// assert_eq!(host.display_description.as_deref(), Some("Host name of the ERP."));
/// assert_eq!((branch.display_description.as_deref(), branch.list_name.as_deref()), (Some(""), Some("")));
/// assert_eq!(branch.field_type, FieldType::Text, "an empty ListName makes no list");
/// assert_eq!((port.display_description, port.list_name), (None, None), "nothing declared, nothing sent");
/// ```
#[proc_macro_derive(ConnectionConfig, attributes(field, connection_config))]
pub fn connection_config(item: TokenStream) -> TokenStream {
    config::expand(item.into()).into()
}

/// Derives a fixed list of choices for a configuration field from a fieldless enum: a field of
/// that type becomes a `List` field, and the service answers `WSGetList` / `WSGetListItems` for it
/// (also during set-up, before any connection exists).
///
/// `#[config_list(name = "...")]` on the enum sets the list name (default: the enum name);
/// `#[item(key = "...", display = "...")]` on a variant sets its key (default: the variant name)
/// and display text (default: its doc comment, else the variant name).
///
/// ```
/// use erp_connector::prelude::*;
/// use erp_connector::connector::{ConfigList as _, ConnectionConfig as _};
///
/// #[derive(ConfigList, Clone, Copy, PartialEq, Debug)]
/// #[config_list(name = "environments")]
/// enum Environment {
///     /// Test company
///     Test,
///     #[item(key = "PROD", display = "Production")]
///     Production,
/// }
///
/// #[derive(ConnectionConfig)]
/// struct Config {
///     #[field(display = "Environment", default = "Test")]
///     environment: Environment,
/// }
///
/// assert_eq!(Config::fields()[0].list_name.as_deref(), Some("environments"));
/// let config = Config::from_info(&StringDict::new().with("ENVIRONMENT", "PROD")).unwrap();
/// assert_eq!(config.environment, Environment::Production);
/// ```
#[proc_macro_derive(ConfigList, attributes(config_list, item))]
pub fn config_list(item: TokenStream) -> TokenStream {
    list::expand(item.into()).into()
}
