//! Allow-lists' `${NAME}` patterns read from each service's own settings: two services in one
//! process, each allowing only its own mock ERP's address, no process environment touched (so
//! tests with mocks of their own run in parallel, without `unsafe`).

use erp_connector::prelude::*;
use erp_connector::testkit::spawn_with;

#[derive(ConnectionConfig)]
struct ShopConfig {
    /// The shop's API.
    #[field(mandatory, allow = "${SHOP_TEST_ALLOWED_URLS}")]
    api: ErpAddress,
}

struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "shop")]
impl ErpConnector for Shop {
    type Config = ShopConfig;

    async fn test_config(&self, test: &ConfigTest<ShopConfig>) -> ConnectorResult<Reply> {
        Ok(Reply::ok().text(format!("would call {}", test.config.api.host())))
    }
}

#[test]
fn each_service_allows_the_places_of_its_own_settings() {
    let serving = |allowed: &str| {
        let allowed = allowed.to_owned();
        spawn_with(Shop, move |s| {
            s.allow_variables.insert("SHOP_TEST_ALLOWED_URLS".into(), allowed);
        })
    };
    let (a, b) = (serving("http://127.0.0.1:18001/api"), serving("http://127.0.0.1:18002/api"));
    let test = |service: &erp_connector::testkit::Spawned, api: &str| {
        let status = service.client().test_config_data(&StringDict::new().with("API", api)).unwrap();
        (status.is_ok, status.user_explanation.unwrap_or_default())
    };
    assert_eq!(test(&a, "http://127.0.0.1:18001/api/v2"), (true, "would call 127.0.0.1:18001".into()));
    assert_eq!(test(&b, "http://127.0.0.1:18002/api/v2"), (true, "would call 127.0.0.1:18002".into()));
    for (service, other) in [(&a, "http://127.0.0.1:18002/api"), (&b, "http://127.0.0.1:18001/api")] {
        let (ok, said) = test(service, other);
        assert!(!ok && said.contains("is not an address this connector may connect to"), "{said}");
    }
    assert!(std::env::var_os("SHOP_TEST_ALLOWED_URLS").is_none(), "the environment was not used");
}
