//! Procedural macros of `erp-connector` (placeholder until the attribute lands).
use proc_macro::TokenStream;

/// Placeholder.
#[proc_macro_attribute]
pub fn erp_connector(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Placeholder.
#[proc_macro_derive(ConnectionConfig, attributes(field))]
pub fn connection_config(_item: TokenStream) -> TokenStream {
    TokenStream::new()
}
