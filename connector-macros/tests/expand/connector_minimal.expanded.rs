#[allow(refining_impl_trait)]
impl erp::ErpConnector for Minimal {
    type Config = my_platform::erp::__private::v0_1::NoConfig;
}
#[automatically_derived]
impl my_platform::erp::__private::v0_1::Registered for Minimal {
    const APP_ID: &'static str = "6cf25376616343b38d14ddcd804f2891";
    const NAME: &'static str = "minimal";
}
