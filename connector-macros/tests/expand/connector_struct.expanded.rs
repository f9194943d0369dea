/// The shop.
pub struct Shop {
    database: std::path::PathBuf,
}
#[automatically_derived]
impl ::erp_connector::__private::v0_1::Registered for Shop {
    const APP_ID: &'static str = "6cf25376616343b38d14ddcd804f2891";
    const NAME: &'static str = "shop";
}
