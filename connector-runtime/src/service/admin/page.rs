//! The status page and the login form: server-rendered HTML with its style inline and its charts
//! as inline SVG (no script, nothing fetched from elsewhere), readable on a phone.
//!
//! Every text that did not come from this file passes [`escape`]; texts from requests, stores
//! and connector errors pass [`crate::untrusted::shown_within`] first (cut, control characters
//! escaped). Secret fields are never read into the page: only the connector's declared
//! non-secret fields are, and a secret's value found in an error text is blotted out.

use std::fmt::Write as _;

use super::ConnectorView;
use crate::activity::{ConnectionActivity, Counts, MINUTES, Snapshot};
use crate::contract::StringDict;
use crate::store::StoreError;

/// Most connections listed (failing ones first, then the most recently called).
pub(super) const MAX_LISTED: usize = 200;
/// Most bytes of one configuration value shown.
const MAX_VALUE_BYTES: usize = 120;

/// `text` for HTML text and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The process answering, as the page names it (one replica of several on a shared store).
pub(super) struct Replica {
    host: String,
    pid: u32,
}

impl Replica {
    /// This process.
    pub(super) fn this() -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "this host".into());
        Replica { host, pid: std::process::id() }
    }
}

/// What the status page shows.
pub(super) struct View<'a> {
    /// The activity.
    pub snapshot: &'a Snapshot,
    /// The connections listed ([`chosen`]).
    pub shown: &'a [&'a ConnectionActivity],
    /// Their stored values, in the same order.
    pub values: &'a [Result<Option<StringDict>, StoreError>],
    /// Connections stored per hosted connector (`None`: the store could not count).
    pub counts: &'a [Option<u64>],
    /// Whether the store answered its check.
    pub store_ready: bool,
    /// Whether the store is shared by replicas.
    pub shared_store: bool,
    /// The hosted connectors.
    pub hosted: &'a [ConnectorView],
    /// This process.
    pub replica: Replica,
}

/// The connections to list: failing ones first, then by last call, newest first.
pub(super) fn chosen(snapshot: &Snapshot) -> Vec<&ConnectionActivity> {
    let mut all = snapshot.connections.iter().collect::<Vec<_>>();
    all.sort_by(|a, b| b.failing().cmp(&a.failing()).then(b.last_call.0.cmp(&a.last_call.0)));
    all.truncate(MAX_LISTED);
    all
}

const STYLE: &str = "
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#5d6670;--line:#d9dee3;--card:#f5f7f9;--ok:#1a7f37;--bad:#c62828;--bar:#5b8def}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e6e9ec;--muted:#9aa4ae;--line:#2c333b;--card:#1a1f25;--ok:#3fb950;--bad:#f06262;--bar:#6f9cf5}}
*{box-sizing:border-box}body{margin:0;padding:12px;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:1200px;margin:0 auto}h1{font-size:1.35em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .5em}
.muted{color:var(--muted)}.ok{color:var(--ok)}.bad{color:var(--bad)}code,.guid{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px}.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.card b{display:block;font-size:1.4em}.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-size:.85em;color:var(--muted);font-weight:600}td.n{text-align:right;white-space:nowrap}svg{display:block}
.dot{display:inline-block;width:.7em;height:.7em;border-radius:50%;margin-right:.3em}.dot.ok{background:var(--ok)}.dot.bad{background:var(--bad)}
.err{color:var(--bad);white-space:pre-wrap;word-break:break-word}button{font:inherit;padding:4px 10px}
header{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}
@media (max-width:700px){table.stack thead{display:none}table.stack tr{display:block;border:1px solid var(--line);border-radius:8px;margin:0 0 8px;padding:4px}
table.stack td{display:block;border:0;padding:3px 6px}table.stack td[data-label]::before{content:attr(data-label) ': ';color:var(--muted);font-size:.85em}td.n{text-align:left}}
";

fn head(out: &mut String, title: &str, refresh: bool) {
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{}<title>{}</title><style>{STYLE}</style></head><body><main>",
        if refresh { "<meta http-equiv=\"refresh\" content=\"30\">" } else { "" },
        escape(title)
    );
}

/// The login form (`problem`: why the last try failed).
pub(super) fn login(problem: Option<&str>) -> String {
    let mut out = String::with_capacity(2048);
    head(&mut out, "erp-connector admin: log in", false);
    out.push_str("<h1>erp-connector admin</h1><p class=\"muted\">Type the admin token (<code>ERP_CONNECTOR_ADMIN_TOKEN</code>). The login lasts 12 hours, in an HttpOnly cookie.</p>");
    if let Some(problem) = problem {
        let _ = write!(out, "<p class=\"bad\" role=\"alert\">{}</p>", escape(problem));
    }
    out.push_str("<form method=\"post\" action=\"/login\"><label>Token <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"current-password\" required autofocus></label> <button type=\"submit\" id=\"login\">Log in</button></form></main></body></html>");
    out
}

/// A time as `HH:MM:SS UTC` (today) or `YYYY-MM-DD HH:MM UTC`, with how long ago.
fn when(now_ms: u64, at_ms: u64) -> String {
    let at = chrono::DateTime::from_timestamp_millis(at_ms as i64).unwrap_or_default();
    let now = chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default();
    let stamp = if at.date_naive() == now.date_naive() {
        at.format("%H:%M:%S UTC").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    };
    format!(
        "<time datetime=\"{}\">{stamp}</time> <span class=\"muted\">({} ago)</span>",
        at.to_rfc3339(),
        ago(now_ms, at_ms)
    )
}

/// `12 s`, `5 min`, `3 h`, `2 d`.
fn ago(now_ms: u64, at_ms: u64) -> String {
    let s = now_ms.saturating_sub(at_ms) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86400),
    }
}

/// A latency: `850 µs`, `12.3 ms`, `1.20 s`.
fn latency(seconds: Option<f64>) -> String {
    match seconds {
        None => "–".into(),
        Some(s) if s < 0.001 => format!("{:.0} µs", s * 1e6),
        Some(s) if s < 1.0 => format!("{:.1} ms", s * 1e3),
        Some(s) => format!("{s:.2} s"),
    }
}

/// Bars of calls a minute over the hour, failures in red on top; `label` describes it.
fn bars(counts: &[Counts], width: u32, height: u32, label: &str) -> String {
    let max = counts.iter().map(|c| c.calls).max().unwrap_or(0).max(1);
    let step = f64::from(width) / MINUTES as f64;
    let mut svg = format!(
        "<svg style=\"width:100%;max-width:{width}px;height:{height}px\" viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><title>{}</title><line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"var(--line)\"/>",
        escape(label),
        escape(&format!("{label} (highest: {max} a minute)"))
    );
    for (i, c) in counts.iter().enumerate() {
        let x = i as f64 * step;
        // Failures drawn over the calls, from the same baseline.
        for (n, colour) in [(c.calls, "var(--bar)"), (c.failures, "var(--bad)")] {
            if n > 0 {
                let bar = (f64::from(n) / f64::from(max) * f64::from(height - 1)).max(1.5);
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\" fill=\"{colour}\"/>",
                    f64::from(height) - bar,
                    (step - 0.6).max(0.6)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A line of the 99th percentile latency a minute over the hour (gaps where there were no calls).
fn line(values: &[Option<f64>], width: u32, height: u32, label: &str) -> String {
    let max = values.iter().flatten().copied().fold(0.0f64, f64::max);
    let step = f64::from(width) / MINUTES as f64;
    let mut svg = format!(
        "<svg style=\"width:100%;max-width:{width}px;height:{height}px\" viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><title>{}</title><line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"var(--line)\"/>",
        escape(label),
        escape(&format!("{label} (highest: {})", latency((max > 0.0).then_some(max))))
    );
    if max > 0.0 {
        // Minutes with calls in a row make a line; a minute alone, a dot.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let flush = |segment: &mut Vec<(f64, f64)>, svg: &mut String| {
            match segment.as_slice() {
                [] => {}
                [(x, y)] => {
                    let _ = write!(svg, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2\" fill=\"var(--fg)\"/>");
                }
                points => {
                    let points = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                    let _ = write!(
                        svg,
                        "<polyline points=\"{points}\" fill=\"none\" stroke=\"var(--fg)\" stroke-width=\"1.5\"/>"
                    );
                }
            }
            segment.clear();
        };
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let x = i as f64 * step + step / 2.0;
                    let y = f64::from(height) - v / max * f64::from(height - 4) - 2.0;
                    segment.push((x, y));
                }
                None => flush(&mut segment, &mut svg),
            }
        }
        flush(&mut segment, &mut svg);
    }
    svg.push_str("</svg>");
    svg
}

/// `text` with the values of `secrets` blotted out.
fn blotted(text: &str, secrets: &[&str]) -> String {
    secrets.iter().filter(|s| s.chars().count() >= 4).fold(text.to_owned(), |t, s| t.replace(s, "[secret]"))
}

/// The status page.
pub(super) fn status(view: &View<'_>) -> String {
    let s = view.snapshot;
    let mut out = String::with_capacity(64 * 1024);
    let names = view.hosted.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", ");
    head(&mut out, &format!("{names}: erp-connector status"), true);
    let _ = write!(
        out,
        "<header><h1>{} <span class=\"muted\">· erp-connector {}</span></h1><form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form></header>",
        escape(&names),
        env!("CARGO_PKG_VERSION")
    );

    // Health and where this page comes from.
    let health = if view.store_ready {
        "<span class=\"ok\"><span class=\"dot ok\"></span>Serving</span>".to_owned()
    } else {
        "<span class=\"bad\"><span class=\"dot bad\"></span>Not ready: the connection store cannot serve (see the log)</span>"
            .to_owned()
    };
    let _ = write!(
        out,
        "<p id=\"health\">{health} · up since {} · {} call{} in flight</p>",
        when(s.now, s.started),
        s.in_flight,
        if s.in_flight == 1 { "" } else { "s" }
    );
    let replica = format!("{} (pid {})", view.replica.host, view.replica.pid);
    if view.shared_store {
        let _ = write!(
            out,
            "<p id=\"replica\" class=\"muted\">The connection store is PostgreSQL, shared by replicas: this page shows replica <b>{}</b> only, the calls it answered. Each replica serves its own page.</p>",
            escape(&replica)
        );
    } else {
        let _ = write!(
            out,
            "<p id=\"replica\" class=\"muted\">Process <b>{}</b>, connection store SQLite. Times are UTC; the page reloads every 30 s.</p>",
            escape(&replica)
        );
    }

    // The hour at a glance.
    let all_minutes = (0..MINUTES).map(|i| s.operations.iter().map(|o| &o.counts[i]).sum()).collect::<Vec<Counts>>();
    let hour: Counts = all_minutes.iter().sum();
    let failing = s.connections.iter().filter(|c| c.failing()).count();
    let hour_ago = s.now.saturating_sub(3_600_000);
    let refused = s.handshakes.iter().filter(|h| !h.succeeded && h.at >= hour_ago).count();
    let stored =
        view.counts.iter().map(|c| c.map_or("?".to_owned(), |c| c.to_string())).collect::<Vec<_>>().join(" + ");
    let _ = write!(
        out,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>calls, last hour</div><div class=\"card\"><b class=\"{}\">{}</b>failed (State=Error)</div><div class=\"card\"><b class=\"{}\">{failing}</b>failing connection{}</div><div class=\"card\" title=\"a deleted connection is kept 30 days to guard its GUID\"><b>{stored}</b>connection records stored</div><div class=\"card\"><b class=\"{}\">{refused}</b>handshakes refused, last hour</div></div>",
        hour.calls,
        if hour.failures > 0 { "bad" } else { "" },
        hour.failures,
        if failing > 0 { "bad" } else { "" },
        if failing == 1 { "" } else { "s" },
        if refused > 0 { "bad" } else { "" },
    );
    let _ =
        write!(out, "<div class=\"scroll\">{}</div>", bars(&all_minutes, 1200, 48, "All calls a minute, last hour"));

    connections(&mut out, view);
    operations(&mut out, s);
    handshakes(&mut out, view);
    out.push_str("</main></body></html>");
    out
}

fn connections(out: &mut String, view: &View<'_>) {
    let s = view.snapshot;
    let _ = write!(
        out,
        "<h2>Connections <span class=\"muted\">({} called since start{})</span></h2>",
        s.connections.len(),
        if s.connections.len() > view.shown.len() { format!(", {} listed", view.shown.len()) } else { String::new() }
    );
    if view.shown.is_empty() {
        out.push_str("<p class=\"muted\">No connection has been called since this process started.</p>");
        return;
    }
    let many = view.hosted.len() > 1;
    out.push_str("<div class=\"scroll\"><table class=\"stack\" id=\"connections\"><thead><tr><th>Connection</th><th>Settings</th><th>Last call</th><th>Last success</th><th>Last error</th><th>Last hour</th></tr></thead><tbody>");
    for (conn, values) in view.shown.iter().zip(view.values) {
        let hosted = view.hosted.get(conn.connector);
        let failing = conn.failing();
        let _ = write!(
            out,
            "<tr class=\"{}\"><td data-label=\"Connection\"><span class=\"dot {}\" title=\"{}\"></span><span class=\"guid\">{}</span>{}</td>",
            if failing { "failing" } else { "working" },
            if failing { "bad" } else { "ok" },
            if failing { "failing" } else { "working" },
            conn.guid,
            match hosted {
                Some(h) if many => format!(" <span class=\"muted\">{}</span>", escape(&h.name)),
                _ => String::new(),
            }
        );
        let (settings, secrets) = settings_cell(values, hosted);
        let _ = write!(out, "<td data-label=\"Settings\">{settings}</td>");
        let _ = write!(
            out,
            "<td data-label=\"Last call\">{}<br><code>{}</code></td>",
            when(s.now, conn.last_call.0),
            conn.last_call.1
        );
        let _ = write!(
            out,
            "<td data-label=\"Last success\">{}</td>",
            conn.last_success.map_or("<span class=\"muted\">never</span>".into(), |at| when(s.now, at))
        );
        match &conn.last_error {
            Some(e) => {
                let code = e.code.as_deref().map(|c| format!(" <code>{}</code>", escape(c))).unwrap_or_default();
                let _ = write!(
                    out,
                    "<td data-label=\"Last error\">{}<br><code>{}</code>{code}<div class=\"err\">{}</div></td>",
                    when(s.now, e.at),
                    e.operation,
                    escape(&blotted(&e.text, &secrets))
                );
            }
            None => out.push_str("<td data-label=\"Last error\"><span class=\"muted\">none</span></td>"),
        }
        let minutes = conn.minutes.hour(s.minute);
        let total: Counts = minutes.iter().sum();
        let _ = write!(
            out,
            "<td data-label=\"Last hour\" class=\"n\">{} call{}, <span class=\"{}\">{} failed</span>{}</td></tr>",
            total.calls,
            if total.calls == 1 { "" } else { "s" },
            if total.failures > 0 { "bad" } else { "muted" },
            total.failures,
            bars(&minutes, 120, 24, "Calls a minute, last hour")
        );
    }
    out.push_str("</tbody></table></div>");
}

/// The settings cell of a connection's row, and its secret values (blotted out of its error
/// text). Only the declared non-secret fields are read out of the stored values.
fn settings_cell<'v>(
    values: &'v Result<Option<StringDict>, StoreError>,
    hosted: Option<&ConnectorView>,
) -> (String, Vec<&'v str>) {
    match (values, hosted) {
        (Ok(Some(values)), Some(h)) => {
            let shown = h
                .shown_fields
                .iter()
                .filter_map(|(key, display)| {
                    let value = values.get(key).filter(|v| !v.is_empty())?;
                    Some(format!(
                        "{}: <b>{}</b>",
                        escape(display),
                        escape(&crate::untrusted::shown_within(value, MAX_VALUE_BYTES))
                    ))
                })
                .collect::<Vec<_>>()
                .join("<br>");
            let secrets = h.secret_keys.iter().filter_map(|k| values.get(k)).collect();
            (shown, secrets)
        }
        (Ok(None), _) => ("<span class=\"muted\">not in the store (deleted)</span>".into(), Vec::new()),
        (Err(_), _) => ("<span class=\"bad\">the store could not read it (see the log)</span>".into(), Vec::new()),
        (Ok(Some(_)), None) => (String::new(), Vec::new()),
    }
}

fn operations(out: &mut String, s: &Snapshot) {
    out.push_str("<h2>Operations <span class=\"muted\">(last hour)</span></h2><div class=\"scroll\"><table class=\"stack\" id=\"operations\"><thead><tr><th>Operation</th><th>Calls</th><th>a minute</th><th>Errors</th><th>p50</th><th>p99</th><th>Calls a minute</th><th>p99 a minute</th></tr></thead><tbody>");
    let mut any = false;
    for op in s.operations.iter().filter(|o| o.total().calls > 0) {
        any = true;
        let total = op.total();
        let _ = write!(
            out,
            "<tr><td data-label=\"Operation\"><code>{}</code></td><td data-label=\"Calls\" class=\"n\">{}</td><td data-label=\"A minute\" class=\"n\">{:.1}</td><td data-label=\"Errors\" class=\"n {}\">{}</td><td data-label=\"p50\" class=\"n\">{}</td><td data-label=\"p99\" class=\"n\">{}</td><td data-label=\"Calls a minute\">{}</td><td data-label=\"p99 a minute\">{}</td></tr>",
            op.operation,
            total.calls,
            f64::from(total.calls) / MINUTES as f64,
            if total.failures > 0 { "bad" } else { "" },
            total.failures,
            latency(op.latencies.quantile(0.5)),
            latency(op.latencies.quantile(0.99)),
            bars(&op.counts, 180, 28, &format!("{} calls a minute", op.operation)),
            line(&op.p99_by_minute, 180, 28, &format!("{} p99 latency a minute", op.operation)),
        );
    }
    if !any {
        out.push_str("<tr><td colspan=\"8\" class=\"muted\">No call in the last hour.</td></tr>");
    }
    out.push_str("</tbody></table></div>");
}

fn handshakes(out: &mut String, view: &View<'_>) {
    let s = view.snapshot;
    let _ = write!(
        out,
        "<h2>Authenticate handshakes <span class=\"muted\">(the last {})</span></h2>",
        crate::activity::MAX_HANDSHAKES
    );
    if s.handshakes.is_empty() {
        out.push_str("<p class=\"muted\">None since this process started.</p>");
        return;
    }
    out.push_str("<div class=\"scroll\"><table class=\"stack\" id=\"handshakes\"><thead><tr><th>When</th><th>Connector</th><th>Result</th><th>Tenant or reason</th></tr></thead><tbody>");
    for h in &s.handshakes {
        let connector = view.hosted.get(h.connector).map_or("", |h| h.name.as_str());
        let (class, result) = if h.succeeded { ("ok", "accepted") } else { ("bad", "refused") };
        let detail = if h.succeeded { h.tenant.as_deref().unwrap_or("") } else { h.reason.as_deref().unwrap_or("") };
        let _ = write!(
            out,
            "<tr><td data-label=\"When\">{}</td><td data-label=\"Connector\">{}</td><td data-label=\"Result\" class=\"{class}\">{result}</td><td data-label=\"Tenant or reason\">{}</td></tr>",
            when(s.now, h.at),
            escape(connector),
            escape(detail)
        );
    }
    out.push_str("</tbody></table></div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("<b a=\"x\">'&'</b>"), "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
    }

    #[test]
    fn secrets_are_blotted_out_of_error_texts() {
        assert_eq!(
            blotted("login as bob with hunter22 failed", &["hunter22", "x"]),
            "login as bob with [secret] failed"
        );
    }

    #[test]
    fn charts_scale_to_the_highest_minute() {
        let mut counts = vec![Counts::default(); MINUTES];
        counts[59] = Counts { calls: 10, failures: 5 };
        let svg = bars(&counts, 120, 24, "c");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("height=\"23.0\""), "{svg}");
        let mut p99 = vec![None; MINUTES];
        p99[1] = Some(0.5);
        p99[2] = Some(0.25);
        p99[10] = Some(0.1);
        let svg = line(&p99, 120, 24, "p");
        assert_eq!(svg.matches("<polyline").count(), 1, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
    }

    #[test]
    fn times_say_how_long_ago() {
        assert_eq!(ago(10_000, 5_000), "5 s");
        assert_eq!(ago(4_000_000, 0), "1 h");
        assert_eq!(latency(Some(0.000_85)), "850 µs");
        assert_eq!(latency(Some(0.0123)), "12.3 ms");
        assert_eq!(latency(Some(1.2)), "1.20 s");
    }
}
