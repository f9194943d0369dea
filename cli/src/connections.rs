//! `erp-connector connections`: the stored connections an operator looks through and removes by
//! when and from where they were saved (a stranger's saves, say), in the store the connector's
//! settings name (SQLite or PostgreSQL; the same `ERP_CONNECTOR_*` variables and file).

use std::net::IpAddr;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use erp_connector::service::{Settings, open_store_for_operator};
use erp_connector::store::{ConnectionStore, Listed};
use ipnet::IpNet;

/// What to do with the stored connections.
#[derive(Subcommand)]
pub enum Connections {
    /// Lists the stored connections that match: connector, GUID, when saved, from where, state.
    List(Filter),
    /// Removes the stored connections that match (at least one of --source, --since, --until);
    /// prints each. A removed connection is unknown to EIS until it resends its values.
    Remove {
        #[command(flatten)]
        filter: Filter,
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Which stored connections.
#[derive(Args)]
pub struct Filter {
    /// Only this connector's connections.
    #[arg(long)]
    connector: Option<String>,
    /// Saved from this address or network (CIDR; an IPv6 client is usually a /64).
    #[arg(long)]
    source: Option<String>,
    /// Saved at or after this time (RFC 3339, e.g. 2026-12-07T10:00:00Z).
    #[arg(long)]
    since: Option<String>,
    /// Saved before this time (RFC 3339).
    #[arg(long)]
    until: Option<String>,
}

/// The filter, read.
struct Matcher {
    connector: Option<String>,
    source: Option<IpNet>,
    since: Option<u64>,
    until: Option<u64>,
}

impl Filter {
    fn matcher(&self) -> Result<Matcher, String> {
        let time = |flag: &str, text: &Option<String>| -> Result<Option<u64>, String> {
            text.as_deref()
                .map(|t| {
                    DateTime::parse_from_rfc3339(t)
                        .map(|t| t.timestamp().max(0) as u64)
                        .map_err(|e| format!("--{flag} {t}: not an RFC 3339 time ({e}), e.g. 2026-12-07T10:00:00Z"))
                })
                .transpose()
        };
        let source = self
            .source
            .as_deref()
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("--source {s}: not an address or CIDR range (e.g. 203.0.113.0/24)"))
            })
            .transpose()?;
        Ok(Matcher {
            connector: self.connector.clone(),
            source,
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
        })
    }
}

impl Matcher {
    fn narrows(&self) -> bool {
        self.source.is_some() || self.since.is_some() || self.until.is_some()
    }

    /// Whether `listed` matches; a record that does not open matches only a filter on nothing
    /// but the connector (its time and source are sealed in it).
    fn matches(&self, listed: &Listed) -> bool {
        let Ok(record) = &listed.record else { return !self.narrows() };
        let canonical = |ip: IpAddr| match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.source.is_none_or(|net| record.source.is_some_and(|ip| net.contains(&canonical(ip))))
            && self.since.is_none_or(|t| record.saved_at >= t)
            && self.until.is_none_or(|t| record.saved_at < t)
    }
}

/// Internal records (the wire profile's memory) are no connector's: their names hold a `:`.
fn is_internal(connector: &str) -> bool {
    connector.contains(':')
}

fn line(listed: &Listed) -> String {
    let (saved, source, state) = match &listed.record {
        Ok(record) => (
            match record.saved_at {
                0 => "-".to_owned(),
                at => DateTime::<Utc>::from_timestamp(at as i64, 0).map_or("-".into(), |t| t.to_rfc3339()),
            },
            record.source.map_or("-".to_owned(), |ip| ip.to_string()),
            if record.is_deleted() { "deleted" } else { "stored" },
        ),
        Err(_) => ("-".into(), "-".into(), "unreadable"),
    };
    format!("{:<20} {:<36} {:<25} {:<39} {state}", listed.connector, listed.guid, saved, source)
}

/// Runs `connections` against the store the settings name.
pub fn run(command: Connections) -> Result<ExitCode, String> {
    let settings = Settings::load().map_err(|e| e.to_string())?;
    let store = open_store_for_operator(&settings).map_err(|e| e.to_string())?;
    run_on(store.as_ref(), command, &mut std::io::stdout())
}

/// Runs `connections` against `store`, printing to `out`.
pub fn run_on(
    store: &dyn ConnectionStore,
    command: Connections,
    out: &mut dyn std::io::Write,
) -> Result<ExitCode, String> {
    let (filter, remove, dry_run) = match &command {
        Connections::List(filter) => (filter, false, false),
        Connections::Remove { filter, dry_run } => (filter, true, *dry_run),
    };
    let matcher = filter.matcher()?;
    if remove && !matcher.narrows() {
        return Err("remove needs --source, --since or --until: it does not remove every connection".into());
    }
    let listed = store.list(matcher.connector.as_deref()).map_err(|e| e.to_string())?;
    let chosen: Vec<&Listed> = listed.iter().filter(|l| !is_internal(&l.connector) && matcher.matches(l)).collect();
    let write = |out: &mut dyn std::io::Write, text: String| writeln!(out, "{text}").map_err(|e| e.to_string());
    write(out, format!("{:<20} {:<36} {:<25} {:<39} state", "connector", "guid", "saved at", "source"))?;
    let mut removed = 0;
    for listed in &chosen {
        write(out, line(listed))?;
        if remove && !dry_run && store.delete(&listed.connector, listed.guid).map_err(|e| e.to_string())? {
            removed += 1;
        }
    }
    let summary = match (remove, dry_run) {
        (false, _) => format!("{} connection(s)", chosen.len()),
        (true, true) => format!("{} connection(s) would be removed (--dry-run)", chosen.len()),
        (true, false) => format!("{removed} connection(s) removed"),
    };
    write(out, summary)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use erp_connector::contract::{ConnectionGuid, StringDict};
    use erp_connector::store::crypto::{Sealer, StoreKey};
    use erp_connector::store::{Record, SqliteStore};

    fn filter(source: Option<&str>, since: Option<&str>, until: Option<&str>) -> Filter {
        Filter {
            connector: None,
            source: source.map(Into::into),
            since: since.map(Into::into),
            until: until.map(Into::into),
        }
    }

    fn at(text: &str) -> u64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp() as u64
    }

    fn saved(store: &dyn ConnectionStore, connector: &str, source: &str, when: &str) -> ConnectionGuid {
        let guid = ConnectionGuid::new_random();
        let record = Record {
            values: StringDict::new().with("USER", "u"),
            source: Some(source.parse().unwrap()),
            saved_at: at(when),
            deleted_at: None,
        };
        store.save(connector, guid, &record).unwrap();
        guid
    }

    /// The same on any store: each run uses a connector name of its own.
    fn lists_and_removes_by_source_and_time(store: &dyn ConnectionStore) {
        let shop = format!("shop-{}", ConnectionGuid::new_random());
        let only = |mut f: Filter| {
            f.connector = Some(shop.clone());
            f
        };
        let eis = saved(store, &shop, "192.0.2.10", "2026-12-01T10:00:00Z");
        let stranger_a = saved(store, &shop, "2001:db8:1:2::5", "2026-12-07T03:00:00Z");
        let stranger_b = saved(store, &shop, "2001:db8:1:2::9", "2026-12-07T03:01:00Z");
        let later = saved(store, &shop, "192.0.2.10", "2026-12-07T04:00:00Z");
        let mut out = Vec::new();
        run_on(store, Connections::List(only(filter(Some("2001:db8:1:2::/64"), None, None))), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&stranger_a.to_string()) && text.contains(&stranger_b.to_string()), "{text}");
        assert!(!text.contains(&eis.to_string()) && text.contains("2 connection(s)"), "{text}");

        let window = || only(filter(None, Some("2026-12-07T02:00:00Z"), Some("2026-12-07T03:30:00Z")));
        let mut out = Vec::new();
        run_on(store, Connections::Remove { filter: window(), dry_run: true }, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("2 connection(s) would be removed"));
        assert_eq!(store.list(Some(&shop)).unwrap().len(), 4, "a dry run removes nothing");
        run_on(store, Connections::Remove { filter: window(), dry_run: false }, &mut Vec::new()).unwrap();
        let left: Vec<_> = store.list(Some(&shop)).unwrap().into_iter().map(|l| l.guid).collect();
        assert_eq!(left.len(), 2);
        assert!(left.contains(&eis) && left.contains(&later));
        let everything = Connections::Remove { filter: only(filter(None, None, None)), dry_run: false };
        assert!(run_on(store, everything, &mut Vec::new()).unwrap_err().contains("needs --source"), "never all");
        let bad = run_on(store, Connections::List(filter(Some("nonsense"), None, None)), &mut Vec::new());
        assert!(bad.unwrap_err().contains("CIDR"));
    }

    #[test]
    fn on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("c.db"), Sealer::new(&StoreKey::generate().unwrap())).unwrap();
        lists_and_removes_by_source_and_time(&store);
    }

    #[test]
    fn on_postgres() {
        let Some(url) = erp_connector::testkit::scratch_postgres("connections on_postgres") else { return };
        let options = erp_connector::store::PostgresOptions::new(&url);
        let store = erp_connector::store::PostgresStore::open(&options, Sealer::new(&StoreKey::generate().unwrap()));
        lists_and_removes_by_source_and_time(&store.unwrap());
    }
}
