//! `erp-connector replay`: resends the requests of a capture folder (see
//! `erp_connector::capture`) to a connector and shows where its answers differ from the captured
//! ones, member by member.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use erp_connector::capture::restore;
use erp_connector::contract::{ConnectionGuid, Operation};
use erp_connector::soap::{Limits, read_request, read_response};

/// The operations that change the ERP or the connection store.
const WRITES: [Operation; 4] =
    [Operation::SaveConnection, Operation::SaveActors, Operation::CreateActor, Operation::DeleteConnection];
use erp_connector::testkit::{SoapClient, to_json};
use serde_json::Value;

/// The arguments of `replay`.
#[derive(clap::Args)]
pub struct Replay {
    /// The capture folder (ERP_CONNECTOR_CAPTURE_DIR of the connector that captured).
    folder: PathBuf,
    /// The connector to replay to, e.g. http://127.0.0.1:8080/Services/ErpConnectorWS.svc
    url: String,
    /// A secret the capture redacted, as `key=value` (a ConnectionInfo key), put back only into
    /// requests for the connections named with `--guid`; requests that still hold a redacted
    /// value are skipped.
    #[arg(long = "secret", value_name = "KEY=VALUE")]
    secrets: Vec<String>,
    /// A connection whose captured requests get the `--secret` values (repeatable).
    #[arg(long = "guid", value_name = "GUID")]
    guids: Vec<String>,
    /// Also resend the requests that write (WSSaveConnection, WSSaveActors, WSCreateActor,
    /// WSDeleteConnection); without it they are skipped, so that a replay against a connector
    /// on a real ERP changes nothing.
    #[arg(long)]
    allow_writes: bool,
    /// Ignore differences in these members (e.g. `LastModified`), by name at any depth.
    #[arg(long = "ignore", value_name = "MEMBER")]
    ignore: Vec<String>,
}

struct Captured {
    stem: String,
    action: Option<String>,
    query: String,
    request: PathBuf,
    response: Option<PathBuf>,
}

fn exchanges(folder: &Path) -> Result<Vec<Captured>, String> {
    let entries = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut stems: Vec<String> =
        entries.filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".meta.json").map(str::to_owned)).collect();
    stems.sort();
    let mut out = Vec::new();
    for stem in stems {
        let meta_path = folder.join(format!("{stem}.meta.json"));
        let meta: Value = std::fs::read(&meta_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| format!("{}: not a capture meta file", meta_path.display()))?;
        let request = folder.join(format!("{stem}.request.xml"));
        if !request.exists() {
            continue; // an unreadable request was not captured
        }
        let response = Some(folder.join(format!("{stem}.response.xml"))).filter(|p| p.exists());
        out.push(Captured {
            stem,
            action: meta["action"].as_str().map(str::to_owned),
            query: meta["query"].as_str().unwrap_or("").to_owned(),
            request,
            response,
        });
    }
    Ok(out)
}

/// The differences between two answers as `path: captured -> now` lines.
fn diff(path: &str, was: &Value, now: &Value, ignore: &[String], out: &mut Vec<String>) {
    match (was, now) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, va) in a {
                if ignore.iter().any(|i| i == key) {
                    continue;
                }
                let vb = b.get(key).unwrap_or(&Value::Null);
                diff(&format!("{path}.{key}"), va, vb, ignore, out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, ignore, out);
            }
        }
        _ if was != now => out.push(format!("{}: {was} -> {now}", path.trim_start_matches('.'))),
        _ => {}
    }
}

pub fn run(args: Replay) -> Result<ExitCode, String> {
    let mut secrets = Vec::new();
    for pair in &args.secrets {
        let (k, v) = pair.split_once('=').ok_or_else(|| format!("--secret {pair}: expected key=value"))?;
        secrets.push((k.trim().to_owned(), v.to_owned()));
    }
    let guids = args
        .guids
        .iter()
        .map(|g| g.parse::<ConnectionGuid>().map_err(|e| format!("--guid {g}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if !secrets.is_empty() && guids.is_empty() {
        return Err("--secret needs the connections it is for: add --guid GUID for each".into());
    }
    let base = SoapClient::from_url(&args.url)?;
    let captured = exchanges(&args.folder)?;
    if captured.is_empty() {
        return Err(format!("{}: no captured exchanges", args.folder.display()));
    }
    let (mut same, mut differ, mut skipped) = (0, 0, 0);
    for c in &captured {
        let raw = std::fs::read(&c.request).map_err(|e| format!("{}: {e}", c.request.display()))?;
        // What the request is, read as the connector reads it (not as its file name says).
        let request = read_request(&raw, c.action.as_deref(), &Limits::default()).ok();
        let writes = request.as_ref().is_some_and(|r| WRITES.contains(&r.operation()));
        if writes && !args.allow_writes {
            println!(
                "{}  skipped: it writes ({}); --allow-writes resends it",
                c.stem,
                request.as_ref().map_or(String::new(), |r| r.operation().to_string())
            );
            skipped += 1;
            continue;
        }
        let named = request.as_ref().and_then(|r| r.connection_guid()).is_some_and(|g| guids.contains(&g));
        let given: &[(String, String)] = if named { &secrets } else { &[] };
        let Some((body, redacted_left)) = restore(&raw, given) else {
            println!("{}  skipped: the captured request is not well-formed XML", c.stem);
            skipped += 1;
            continue;
        };
        if redacted_left {
            println!("{}  skipped: holds a redacted secret (tokens, or a value to give with --secret)", c.stem);
            skipped += 1;
            continue;
        }
        let client =
            if c.query.is_empty() || args.url.contains('?') { base.clone() } else { base.clone().with_query(&c.query) };
        let headers: Vec<(&str, &str)> = c.action.as_deref().map(|a| vec![("SOAPAction", a)]).unwrap_or_default();
        let reply = client.post(&body, &headers).map_err(|e| format!("{}: {e}", args.url))?;
        let was = c.response.as_ref().and_then(|p| std::fs::read(p).ok()).unwrap_or_default();
        let operation = c
            .action
            .as_deref()
            .and_then(|a| a.trim().trim_matches('"').rsplit('/').next())
            .and_then(Operation::from_name);
        let differences = match operation {
            Some(op) => {
                let read = |bytes: &[u8]| read_response(bytes, op, &Limits::default()).map(|r| to_json(r.record()));
                match (read(&was), read(&reply.body)) {
                    (Ok(a), Ok(b)) => {
                        let mut lines = Vec::new();
                        diff("", &a, &b, &args.ignore, &mut lines);
                        lines
                    }
                    (a, b) if a == b => Vec::new(),
                    (a, b) => vec![format!(
                        "captured: {:?}\n      now: {:?}",
                        a.map(|_| "a response"),
                        b.map(|_| "a response")
                    )],
                }
            }
            None if was == reply.body => Vec::new(),
            None => vec![format!("the answer bytes differ (HTTP {})", reply.status)],
        };
        if differences.is_empty() {
            println!("{}  same", c.stem);
            same += 1;
        } else {
            println!("{}  DIFFERS", c.stem);
            for line in &differences {
                println!("    {line}");
            }
            differ += 1;
        }
    }
    println!("\n{same} same, {differ} differ, {skipped} skipped of {} captured exchanges", captured.len());
    Ok(if differ == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
