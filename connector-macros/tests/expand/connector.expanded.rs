#[allow(refining_impl_trait)]
impl ErpConnector for Shop {
    type Config = ShopConfig;
    async fn test_connection(&self, conn: &Conn<Self>) -> ConnectorResult<()> {
        self.ping(&conn.config).await
    }
    async fn get_actors(
        &self,
        conn: &Conn<Self>,
        q: GetActors,
    ) -> ConnectorResult<Vec<ErpActor>> {
        self.load(conn, q).await
    }
}
#[automatically_derived]
impl ::erp_connector::__private::v0_1::Registered for Shop {
    const APP_ID: &'static str = "6cf25376616343b38d14ddcd804f2891";
    const NAME: &'static str = "shop";
}
