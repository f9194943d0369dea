//! The connector: the methods of `ErpConnector` on the ERP's REST API, one API client per
//! connection.

use std::time::Duration;

use erp_connector::connector::remote::{ApiCall, Paging};
use erp_connector::prelude::*;
use serde::Deserialize;

use crate::records::{self, COUNTRIES, EMAIL, NAME, Record, Write, resource};

/// What SuperOffice asks for when an administrator adds a connection.
#[derive(ConnectionConfig)]
pub struct RestConfig {
    /// The ERP's API, e.g. `https://acme.erp.example/api/v1/`: one of the places the deployment
    /// allows in `REST_ERP_ALLOWED_URLS` (the value comes from whoever saves a connection).
    #[field(display = "API address", rank = 1, mandatory, max_length = 200, allow = "${REST_ERP_ALLOWED_URLS}")]
    pub api: ErpAddress,
    /// The OAuth2 client the ERP registered for the connector.
    #[field(display = "Client id", rank = 2, mandatory, max_length = 100)]
    pub client_id: String,
    /// That client's secret.
    #[field(display = "Client secret", rank = 3, mandatory)]
    pub client_secret: Password,
    /// A refresh token from the ERP's consent page. The ERP rotates it on every refresh; the
    /// connector keeps the newest in the connection's state, so this one is used once.
    #[field(display = "Refresh token", rank = 4, mandatory)]
    pub refresh_token: Password,
    /// How long a call to the ERP may take, in seconds (1 to 120; waiting out its rate limit
    /// included).
    #[field(display = "Timeout (seconds)", rank = 5, default = 30)]
    pub timeout_secs: u32,
}

impl RestConfig {
    fn timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout_secs.clamp(1, 120)))
    }
}

/// Records per page the connector asks for (the API allows up to 100).
const PER_PAGE: u32 = 100;

/// Most records an interactive search reads (a dialog shows a page of them).
const SEARCH_LIMIT: usize = 1000;

/// Most records an advanced search reads to judge (a bound on what one anonymous call costs
/// the ERP and the connector's memory).
const ADVANCED_READ_LIMIT: usize = 10_000;

/// The connector.
#[derive(Default)]
pub struct RestErp;

type Conn = erp_connector::prelude::Conn<RestErp, ErpApi>;

/// The records of type `t` that `filter` selects (on top of the resource's list), at most `limit`.
async fn list(
    erp: &ErpApi,
    t: &ActorType,
    limit: usize,
    filter: impl for<'a> Fn(ApiCall<'a>) -> ApiCall<'a> + Send + Sync + 'static,
) -> ConnectorResult<Vec<ErpActor>> {
    let path = resource(t);
    let mut pages = erp.pages::<Record>(paged(), move |erp| filter(erp.get(path)));
    let mut actors = Vec::new();
    while let Some(page) = pages.next().await? {
        actors.extend(page.into_iter().map(|r| r.actor(t)));
        if actors.len() >= limit {
            break;
        }
    }
    actors.truncate(limit);
    Ok(actors)
}

/// How the API pages its lists.
fn paged() -> Paging {
    Paging::numbered("page", "per_page", PER_PAGE).items_at("/data")
}

#[erp_connector(app_id = "5e7c0de05e7c0de05e7c0de05e7c0de0", name = "rest-erp")]
impl ErpConnector<ErpApi> for RestErp {
    type Config = RestConfig;

    async fn open_session(&self, conn: &Connection<RestConfig>) -> ConnectorResult<ErpApi> {
        let config = &conn.config;
        let token_url = config.api.join("oauth/token")?;
        let (id, secret, pasted) = (&config.client_id, config.client_secret.expose(), config.refresh_token.expose());
        let auth = Auth::refresh_token(&token_url, id, secret, pasted, &conn.state);
        Ok(ErpApi::new(&config.api, config.timeout()).with_auth(auth))
    }

    async fn test_config(&self, test: &ConfigTest<RestConfig>) -> ConnectorResult<Reply> {
        // The refresh token is not spent here: a refresh rotates it, and the connection saved
        // next would hold a refused one. Test Connection, on the saved connection, proves it.
        #[derive(Deserialize)]
        struct About {
            api: String,
        }
        let erp = ErpApi::new(&test.config.api, test.config.timeout());
        let about: About = erp.get("").read().await?;
        Ok(Reply::ok().text(format!(
            "{} answers at {}; Test Connection checks the credentials.",
            about.api,
            erp.host()
        )))
    }

    async fn test_connection(&self, conn: &Conn) -> ConnectorResult<()> {
        conn.session.get(COUNTRIES).send().await?;
        Ok(())
    }

    async fn schema(&self, _: &Conn) -> ConnectorResult<Schema> {
        Ok(records::schema())
    }

    async fn get_actors(&self, conn: &Conn, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        let mut actors = Vec::with_capacity(q.erp_keys.len());
        for id in q.keys::<u64>() {
            match conn.session.get(resource(&q.actor_type)).segment(id).read::<Record>().await {
                Ok(record) => actors.push(record.actor(&q.actor_type)),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(actors)
    }

    async fn search_actors(&self, conn: &Conn, q: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        let text = q.search_text.trim().to_owned();
        let found = list(&conn.session, &q.actor_type, SEARCH_LIMIT, move |call| call.query("q", &text)).await?;
        Ok(found.into_iter().filter(|a| q.matches(a, &[NAME, EMAIL])).collect())
    }

    async fn search_actor_by_parent(&self, conn: &Conn, q: SearchByParent) -> ConnectorResult<Vec<ErpActor>> {
        let filter = match q.actor_type {
            ActorType::Person => "company_id",
            ActorType::Project => "customer_id",
            _ => return Ok(Vec::new()), // companies have no parent
        };
        let Some(parent) = q.parent_key::<u64>() else { return Ok(Vec::new()) };
        let found = list(&conn.session, &q.actor_type, SEARCH_LIMIT, move |call| call.query(filter, parent)).await?;
        Ok(found.into_iter().filter(|a| q.matches(a, &[NAME])).collect())
    }

    async fn search_actors_advanced(&self, conn: &Conn, q: AdvancedSearch) -> ConnectorResult<Vec<ErpActor>> {
        // The API filters by text and parent only: the criteria are judged here, on the list.
        let all = list(&conn.session, &q.actor_type, ADVANCED_READ_LIMIT, |call| call).await?;
        Ok(all.into_iter().filter(|a| q.matches(a)).take(SEARCH_LIMIT).collect())
    }

    async fn get_list(&self, conn: Option<&Conn>, list: &str) -> ConnectorResult<StringDict> {
        #[derive(Deserialize)]
        struct Country {
            code: String,
            name: String,
        }
        let Some(conn) = conn.filter(|_| list == COUNTRIES) else {
            return Err(ConnectorError::new("The countries come from the ERP: save the connection first."));
        };
        let countries: Vec<Country> = conn.session.get(COUNTRIES).read().await?;
        Ok(countries.into_iter().map(|c| (c.code, c.name)).collect())
    }

    async fn create_actor(&self, conn: &Conn, actor: NewActor) -> ConnectorResult<ErpActor> {
        let write = Write::of(&actor.actor_type, &actor, actor.parent.as_ref())?;
        let created: Record = conn.session.post(resource(&actor.actor_type)).json(&write).read().await?;
        Ok(created.actor(&actor.actor_type))
    }

    async fn save_actors(&self, conn: &Conn, actors: Vec<ActorChange>) -> ConnectorResult<Vec<ErpActor>> {
        let mut saved = Vec::with_capacity(actors.len());
        for change in actors {
            let t = &change.actor_type;
            let id = change.key::<u64>()?;
            let write = Write::of(t, &change, change.parent.as_ref())?;
            let record: Record = conn.session.patch(resource(t)).segment(id).json(&write).read().await?;
            saved.push(record.actor(t));
        }
        Ok(saved)
    }

    async fn get_actors_by_timestamp(&self, conn: &Conn, q: ActorsSince) -> ConnectorResult<ActorStream> {
        // Filtered by the stamp, ordered by id: a record changed during the poll keeps its place,
        // so no page boundary moves past one (a changed record may come twice; never lost).
        let since =
            q.since.as_ref().and_then(Stamp::as_datetime).map(|at| format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S%.6f")));
        let (path, t) = (resource(&q.actor_type), q.actor_type.clone());
        let pages = conn.session.pages::<Record>(paged(), move |erp| match &since {
            Some(since) => erp.get(path).query("updated_since", since),
            None => erp.get(path),
        });
        Ok(pages.actors(move |record| record.actor(&t)))
    }
}
