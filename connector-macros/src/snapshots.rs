//! Expansion snapshots: what the macros generate for typical input, pretty-printed and compared
//! with `tests/expand/*.expanded.rs`. Regenerate after a deliberate change with
//! `UPDATE_SNAPSHOTS=1 cargo test -p erp-connector-macros`.

use proc_macro2::TokenStream;
use quote::quote;

fn check(name: &str, tokens: TokenStream) {
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as Rust");
    let text = prettyplease::unparse(&file);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand").join(format!("{name}.expanded.rs"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 creates it)", path.display()));
    assert!(expected == text, "{} differs from the expansion:\n{text}", path.display());
}

#[test]
fn connector_expansion() {
    let args = quote!(app_id = "6cf25376616343b38d14ddcd804f2891", name = "shop");
    let item = quote! {
        impl ErpConnector for Shop {
            type Config = ShopConfig;
            async fn test_connection(&self, conn: &Conn<Self>) -> ConnectorResult<()> {
                self.ping(&conn.config).await
            }
            async fn get_actors(&self, conn: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
                self.load(conn, q).await
            }
        }
    };
    check("connector", crate::connector::expand(args, item));
}

#[test]
fn connector_on_the_struct() {
    let args = quote!(app_id = "6cf25376616343b38d14ddcd804f2891");
    let item = quote! {
        /// The shop.
        pub struct Shop {
            database: std::path::PathBuf,
        }
    };
    check("connector_struct", crate::connector::expand(args, item));
}

#[test]
fn connector_without_config_and_with_crate_override() {
    let args = quote!(app_id = "6cf25376616343b38d14ddcd804f2891", crate = "my_platform::erp");
    let item = quote!(impl erp::ErpConnector for Minimal {});
    check("connector_minimal", crate::connector::expand(args, item));
}

#[test]
fn config_expansion() {
    let item = quote! {
        struct ShopConfig {
            /// Path of the shop database.
            #[field(display = "Database file", rank = 1, mandatory)]
            database: String,
            #[field(display = "Password", rank = 2)]
            password: Option<Password>,
            #[field(list = "Currencies", default = "NOK")]
            currency: String,
        }
    };
    check("config", crate::config::expand(item));
}
