//! The connection lifecycle: `WSTestConfigData`, `WSSaveConnection` and `WSDeleteConnection`,
//! answered by the framework around the author's hooks. A deleted connection stays stored as a
//! tombstone (a state of its record) where replacing it needs proof ([`ReplacePolicy`]).

use std::sync::Arc;

use super::cache::{Loaded, values_hash};
use super::credential_tests::NotTested;
use super::erased::{AnyConfig, Bare, Tested};
use super::{DEFAULT_MAX_VALUE_BYTES, Hosted, blocking};
use crate::connector::{ConnectorError, ConnectorResult, Reply};
use crate::contract::{
    ConnectionGuid, FieldMetadata, Operation, RequestBase, Response, SaveConnectionRequest, StringDict,
    TestConfigDataRequest,
};
use crate::http::CallContext;
use crate::service::per_source::PerSource;
use crate::service::settings::{ConnectionLimits, ReplacePolicy};
use crate::store::{Record, now_secs};
use crate::untrusted::shown;

impl Hosted {
    /// `WSTestConfigData`: the declared values, parsed, tested by the connector (within bounds).
    pub(super) async fn test_config(&self, call: &CallContext, r: TestConfigDataRequest) -> ConnectorResult<Response> {
        let Declared { values, ignored } = self.declared(r.connection_info)?;
        let config = self.parse(&values)?;
        let tested = self.test_credentials(call, &config, &values).await?;
        Ok(Ignored(ignored).noted(self.reply_empty(tested, Operation::TestConfigData)))
    }

    /// `WSSaveConnection`: the declared values stored (unless refused, or stored already), the
    /// cache and the session renewed, then the connector's `connection_saved`.
    pub(super) async fn connection_saved(
        &self,
        call: &CallContext,
        r: SaveConnectionRequest,
    ) -> ConnectorResult<Response> {
        let guid = r.base.connection_guid.ok_or_else(|| ConnectorError::new("ConnectionGuid is missing."))?;
        let Declared { values, ignored } = self.declared(r.connection_info)?;
        let config = self.parse(&values)?;
        let limit = self.limits.saves_per_minute_per_source;
        admitted(
            &self.saves,
            call,
            Bound {
                reason: "saves_per_source",
                setting: "ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE",
                what: format!("Too many connections saved from this address: at most {limit} per minute"),
                then: "Try again in a minute.",
            },
        )?;
        match self.may_store(call, guid, &values, &config).await? {
            Store::Nothing => {}
            Store::Revived => self.store_values(call, guid, values, &config, true).await?,
            Store::New => self.store_values(call, guid, values, &config, false).await?,
        }
        let hook = self.methods.connection_saved(Bare { guid, config: &config, state: self.state_of(guid) }).await?;
        Ok(Ignored(ignored).noted(self.reply_empty(hook, Operation::SaveConnection)))
    }

    /// Writes a save's values and puts them in the cache in place of anything read before (a
    /// read begun before the save is then not kept); the old session (other values, maybe) ends.
    /// The connection's state is cleared unless `revived` (the same values, back from a tombstone).
    async fn store_values(
        &self,
        call: &CallContext,
        guid: ConnectionGuid,
        values: StringDict,
        config: &AnyConfig,
        revived: bool,
    ) -> ConnectorResult<()> {
        // Keys only: values may be passwords.
        tracing::debug!(connection = %guid, keys = ?values.keys().map(shown).collect::<Vec<_>>(), "saving connection");
        let (store, name, hash) = (self.store.clone(), self.name.clone(), values_hash(&values));
        let record = Record::saved(values, Some(call.client));
        blocking(move || if revived { store.revise(&name, guid, &record) } else { store.save(&name, guid, &record) })
            .await?;
        self.close(self.cache.saved(guid, Arc::new(Loaded::new(guid, config.clone(), hash, self.state_of(guid)))))
            .await;
        tracing::info!(connection = %guid, "connection saved");
        Ok(())
    }

    /// `WSDeleteConnection`: the connector's `connection_deleted`, then the connection removed
    /// whatever it answered (SuperOffice has deleted it already).
    pub(super) async fn connection_deleted(&self, _: &CallContext, r: RequestBase) -> ConnectorResult<Response> {
        let guid = r.connection_guid.ok_or_else(|| ConnectorError::new("ConnectionGuid is missing."))?;
        let hook = match self.load(Some(guid)).await {
            Ok(loaded) => {
                let conn = Bare { guid, config: &loaded.config, state: loaded.state.clone() };
                self.methods.connection_deleted(conn).await
            }
            Err(_) => Ok(Reply::ok()),
        };
        if let Err(e) = &hook {
            tracing::warn!(connection = %guid, error = %shown(&e.to_string()), "connection_deleted failed; deleting anyway");
        }
        let (store, name) = (self.store.clone(), self.name.clone());
        let keep_values = self.limits.replace != ReplacePolicy::Allow;
        blocking(move || {
            // Where replacing needs proof, the values stay as a tombstone: otherwise a delete
            // and a save would replace a connection with none. Its state stays with it, for
            // EIS's resend of the same values (a rotated refresh token outlives the pasted one).
            let stored = if keep_values { store.load(&name, guid).ok().flatten() } else { None };
            match stored {
                Some(mut record) if !record.is_deleted() => {
                    record.deleted_at = Some(now_secs());
                    store.revise(&name, guid, &record)
                }
                Some(_) => Ok(()),
                None => store.delete(&name, guid).map(drop),
            }
        })
        .await?;
        // Also stops a read begun before the delete from being kept.
        self.close(self.cache.forget(guid)).await;
        Ok(self.reply_empty(hook?, Operation::DeleteConnection))
    }

    /// The values of a configuration this connector declares (see [`check_config`]).
    fn declared(&self, info: Option<StringDict>) -> ConnectorResult<Declared> {
        check_config(&self.methods.fields(), info, &self.limits)
    }

    /// Whether a save of `info` under `guid` may go on, and how: nothing to do when the same
    /// values are stored already, revived when they come back from a tombstone; an error when it
    /// would replace other values (stored, or kept as the tombstone of a deleted connection)
    /// without what [`ReplacePolicy`] asks for, or store one connection more than allowed.
    async fn may_store(
        &self,
        call: &CallContext,
        guid: ConnectionGuid,
        info: &StringDict,
        config: &AnyConfig,
    ) -> ConnectorResult<Store> {
        let (store, name) = (self.store.clone(), self.name.clone());
        // Whether a row is under this GUID (it is overwritten, not added), and its values.
        let (row, stored) = blocking(move || match store.load(&name, guid) {
            // Undecryptable (the store key changed): EIS is resending it; as good as not stored.
            Err(crate::store::StoreError::Crypto(_)) => Ok((true, None)),
            other => other.map(|values| (values.is_some(), values)),
        })
        .await?;
        let (stored, deleted) = match stored.map(Held::of) {
            Some(Held::Live(values)) => (Some(values), false),
            Some(Held::Tombstone(values)) => (Some(values), true),
            Some(Held::Expired) | None => (None, false),
        };
        match stored {
            // The same values: nothing to write, unless they come back from a tombstone.
            Some(old) if old == *info => Ok(if deleted { Store::Revived } else { Store::Nothing }),
            Some(_) => match self.limits.replace {
                ReplacePolicy::Allow => Ok(Store::New),
                ReplacePolicy::Refuse => {
                    tracing::warn!(connection = %guid, "refused to replace a stored connection with other values (replace = refuse)");
                    Err(ConnectorError::new(
                        "This connection is (or was) stored with other values, and this connector does not replace \
                         connections: add a new connection in SuperOffice instead.",
                    ))
                }
                ReplacePolicy::Test => match self.test_credentials(call, config, info).await {
                    Ok(_) => Ok(Store::New),
                    Err(e) => {
                        tracing::warn!(connection = %guid, error = %shown(&e.to_string()), "refused to replace a stored connection: the new values do not pass test_config");
                        let mut refused = ConnectorError::new(format!(
                            "This connection is (or was) stored with other values; new values replace them only \
                             when they pass the connector's test, and these did not: {}",
                            e.user_explanation
                        ));
                        refused.error_code = e.error_code;
                        Err(refused)
                    }
                },
            },
            None if row => Ok(Store::New),
            None => {
                let (store, name) = (self.store.clone(), self.name.clone());
                let stored = blocking(move || store.count(&name)).await?;
                let limit = self.limits.new_per_hour_per_source;
                admitted(
                    &self.new_connections,
                    call,
                    Bound {
                        reason: "new_connections_per_source",
                        setting: "ERP_CONNECTOR_NEW_CONNECTIONS_PER_HOUR_PER_SOURCE",
                        what: format!("Too many new connections saved from this address: at most {limit} an hour"),
                        then: "Try again later.",
                    },
                )?;
                if stored >= self.limits.max_stored {
                    tracing::warn!(
                        limit = self.limits.max_stored,
                        "save refused: ERP_CONNECTOR_MAX_STORED_CONNECTIONS reached"
                    );
                    return Err(ConnectorError::new(format!(
                        "The connector stores at most {} connections (ERP_CONNECTOR_MAX_STORED_CONNECTIONS); \
                         ask its operator to raise the limit.",
                        self.limits.max_stored
                    )));
                }
                Ok(Store::New)
            }
        }
    }

    /// The connector's `test_config` of `values`, within the bounds on credential tests (per
    /// source, and per target: the values but the secrets); a test not run is answered as such.
    async fn test_credentials(
        &self,
        call: &CallContext,
        config: &AnyConfig,
        values: &StringDict,
    ) -> ConnectorResult<Reply<()>> {
        let target = self.credential_tests.target(values, &self.methods.secret_keys());
        if let Err(not_tested) = self.credential_tests.admit(Some(call.client), target) {
            crate::metrics::refused(match not_tested {
                NotTested::Source(_) => "tests_per_source",
                NotTested::Target(_) => "tests_per_target",
            });
            tracing::warn!(client = %call.client, reason = ?not_tested, "credential test not run");
            return Err(ConnectorError::new(not_tested.message()));
        }
        let outcome = self.methods.test_config(Tested { config, values }).await;
        self.credential_tests.tested(target, outcome.is_ok());
        outcome
    }
}

/// How long a deleted connection's values still guard its GUID.
const TOMBSTONE_SECS: u64 = 30 * 24 * 3600;

/// What a stored record holds for its GUID.
enum Held {
    /// A live connection's values.
    Live(StringDict),
    /// A deleted connection's values, still guarding the GUID.
    Tombstone(StringDict),
    /// A connection deleted long enough ago to guard nothing.
    Expired,
}

impl Held {
    fn of(record: Record) -> Held {
        match record.deleted_at {
            None => Held::Live(record.values),
            Some(at) if now_secs().saturating_sub(at) < TOMBSTONE_SECS => Held::Tombstone(record.values),
            Some(_) => Held::Expired,
        }
    }
}

/// A bound on what one source may do, as its refusal tells it: counted by `reason`, answered
/// with `what`, the `setting` that bounds it, and what to do `then`.
struct Bound {
    reason: &'static str,
    setting: &'static str,
    what: String,
    then: &'static str,
}

/// Whether `counter` admits one more call from the caller's source; a refusal (counted, logged
/// with the client) otherwise.
fn admitted(counter: &PerSource, call: &CallContext, bound: Bound) -> ConnectorResult<()> {
    if counter.admit(Some(call.client)) {
        return Ok(());
    }
    crate::metrics::refused(bound.reason);
    tracing::warn!(client = %call.client, "refused: {} reached", bound.setting);
    Err(ConnectorError::new(format!("{} ({}). {}", bound.what, bound.setting, bound.then)))
}

/// What a save writes ([`Hosted::may_store`]).
enum Store {
    /// The same values are stored: nothing.
    Nothing,
    /// The same values, back from a tombstone: the record, keeping the connection's state.
    Revived,
    /// New values: the record, the state cleared.
    New,
}

/// A connection's values this connector declares, and the keys it does not (left out).
struct Declared {
    values: StringDict,
    ignored: Vec<String>,
}

/// Keys of a configuration this connector does not declare: a field a newer release removed or
/// renamed, which EIS still sends for an existing connection. Never stored nor passed on; named
/// in the log and in the answer's technical explanation.
struct Ignored(Vec<String>);

impl Ignored {
    /// `response` with the ignored keys named in its technical explanation (and logged).
    fn noted(self, mut response: Response) -> Response {
        if self.0.is_empty() {
            return response;
        }
        // The caller's keys, escaped and bounded as a whole (32 keys of any length are not).
        let joined = self.0.join(", ");
        let keys = shown(&joined);
        tracing::warn!(keys = %keys, "configuration keys this connector does not declare were ignored (not stored)");
        let note = format!("Ignored, not stored: {keys} (not settings of this connector).");
        let result = response.result_mut();
        let tech = match result.tech_explanation.take() {
            Some(tech) if !tech.is_empty() => format!("{tech}\n{note}"),
            _ => note,
        };
        result.tech_explanation = Some(crate::untrusted::for_answer(&tech).into_owned());
        response
    }
}

/// Refuses configuration values before they are parsed or stored: keys the configuration does
/// not declare, values longer than their field's `MaxLength` (or [`DEFAULT_MAX_VALUE_BYTES`]),
/// and a whole larger than `max_config_bytes`.
///
/// The values of `info` this connector declares, each within its bounds, and the undeclared
/// keys, left out (see [`Ignored`]). Only the declared values count toward the total bound, and
/// at most [`MAX_IGNORED_KEYS`] undeclared keys are taken (a hostile list of them is refused).
fn check_config(
    fields: &[FieldMetadata],
    info: Option<StringDict>,
    limits: &ConnectionLimits,
) -> ConnectorResult<Declared> {
    let info = info.unwrap_or_default();
    let total: usize = info.iter().map(|(k, v)| k.len() + v.map_or(0, str::len)).sum();
    if total > limits.max_config_bytes {
        return Err(ConnectorError::new(format!(
            "The connection's values take {total} bytes; at most {} are accepted (ERP_CONNECTOR_MAX_CONFIG_BYTES).",
            limits.max_config_bytes
        )));
    }
    let mut declared = Declared { values: StringDict::with_capacity(info.len()), ignored: Vec::new() };
    for (key, value) in info.iter() {
        let Some(field) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else {
            if declared.ignored.len() >= MAX_IGNORED_KEYS {
                return Err(ConnectorError::new(format!(
                    "The connection has values for more than {MAX_IGNORED_KEYS} keys that are not this connector's settings."
                )));
            }
            declared.ignored.push(key.to_owned());
            continue;
        };
        declared.values.insert_opt(key, value.map(Into::into));
        let value = value.unwrap_or("");
        let too_long = match usize::try_from(field.max_length) {
            Ok(max) if max > 0 => value.chars().count() > max,
            _ => value.len() > DEFAULT_MAX_VALUE_BYTES,
        };
        if too_long {
            let max = usize::try_from(field.max_length).ok().filter(|m| *m > 0);
            return Err(ConnectorError::new(format!(
                "{} ({key}) is too long: at most {} accepted.",
                field.display_name.as_deref().unwrap_or(key),
                max.map_or(format!("{DEFAULT_MAX_VALUE_BYTES} bytes"), |m| format!("{m} characters"))
            )));
        }
    }
    Ok(declared)
}

/// Most undeclared keys one configuration may carry (and have ignored).
const MAX_IGNORED_KEYS: usize = 32;
