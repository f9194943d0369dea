//! Every supported field type, options, lists, defaults and doc comments.
use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
#[allow(dead_code)]
struct Everything {
    /// Host name of the ERP server.
    #[field(display = "Server", mandatory, max_length = 255, allow = "erp ${ERP_HOSTS}")]
    server: String,
    #[field(display = "Password")]
    password: Option<Password>,
    #[field(default = true)]
    use_tls: bool,
    #[field(default = 8080)]
    port: u16,
    limit: Option<i64>,
    ratio: Option<f64>,
    since: Option<erp_connector::chrono::NaiveDateTime>,
    #[field(list = "Companies", default = "C01", rank = 20)]
    company: String,
    #[field(read_only, default = "v1", key = "API_VERSION")]
    version: String,
    /// An ERP's web API: only below the allowed places.
    #[field(allow = "https://*.erp.example/api")]
    api: Option<ErpAddress>,
}

fn main() {
    let fields = Everything::fields();
    assert_eq!(fields.len(), 10);
    assert_eq!(fields[0].field_type, FieldType::Text);
    assert_eq!(fields[1].field_type, FieldType::Password);
    assert_eq!(fields[7].field_type, FieldType::List);
    assert_eq!(fields[7].list_name.as_deref(), Some("Companies"));
    assert_eq!(fields[8].field_key.as_deref(), Some("API_VERSION"));
    assert_eq!(Everything::secret_keys(), vec!["PASSWORD"]);
    let info = StringDict::new().with("SERVER", "erp").with("PORT", "[I:9000]").with("RATIO", "[F:0.5]");
    let parsed = Everything::from_info(&info).unwrap();
    assert_eq!((parsed.port, parsed.use_tls, parsed.ratio), (9000, true, Some(0.5)));
    let api = |url: &str| Everything::from_info(&StringDict::new().with("SERVER", "erp").with("API", url));
    assert_eq!(api("https://eu.erp.example/api/v2").unwrap().api.unwrap().host(), "eu.erp.example");
    assert!(api("https://eu.erp.example.evil.test/api").is_err(), "outside the allow-list");
    assert!(api("https://eu.erp.example/api/?key=1").is_err(), "allowed, but not an API address");
}
