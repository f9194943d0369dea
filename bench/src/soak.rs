//! `bench-connector soak`: a constant-rate (open-loop) load of one SOAP request, for the soak
//! test. wrk keeps as many requests in flight as it can; a soak needs a fixed rate below the
//! maximum, which no load generator in Debian offers (wrk2 and vegeta are not packaged).
//!
//! Each of `connections` threads keeps one keep-alive connection and sends on a fixed schedule
//! (`rate / connections` per second); a late request is sent at once, not dropped, so the
//! achieved rate shows whether the connector kept up. Every ten seconds it prints one line:
//! requests sent, failures (a status other than 200, a body without `<IsOk>true</IsOk>`, an
//! I/O error) and latency percentiles.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Load {
    pub addr: String,
    pub path: String,
    pub action: String,
    pub body: Vec<u8>,
    pub rate: f64,
    pub connections: usize,
    pub seconds: u64,
}

#[derive(Default)]
struct Window {
    sent: u64,
    failed: u64,
    micros: Vec<u64>,
    first_failure: Option<String>,
}

pub fn run(load: Load) -> std::io::Result<()> {
    let load = Arc::new(load);
    let window = Arc::new(Mutex::new(Window::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..load.connections)
        .map(|i| {
            let (load, window, stop) = (load.clone(), window.clone(), stop.clone());
            std::thread::spawn(move || sender(i, &load, &window, &stop))
        })
        .collect();
    let started = Instant::now();
    let (mut total_sent, mut total_failed) = (0u64, 0u64);
    println!("{:>6} {:>10} {:>8} {:>9} {:>9} {:>9}", "second", "requests/s", "failed", "p50", "p99", "max");
    while started.elapsed() < Duration::from_secs(load.seconds) {
        std::thread::sleep(Duration::from_secs(10));
        let mut w = std::mem::take(&mut *window.lock().unwrap());
        w.micros.sort_unstable();
        let pct = |p: f64| w.micros.get(((w.micros.len() as f64 * p) as usize).min(w.micros.len().saturating_sub(1)));
        let ms = |v: Option<&u64>| v.map_or("-".to_owned(), |v| format!("{:.1}ms", *v as f64 / 1000.0));
        println!(
            "{:>6} {:>10.1} {:>8} {:>9} {:>9} {:>9}",
            started.elapsed().as_secs(),
            w.sent as f64 / 10.0,
            w.failed,
            ms(pct(0.5)),
            ms(pct(0.99)),
            ms(w.micros.last())
        );
        if let Some(f) = &w.first_failure {
            println!("       first failure: {f}");
        }
        total_sent += w.sent;
        total_failed += w.failed;
    }
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
    println!("total: {total_sent} requests, {total_failed} failed");
    if total_failed > 0 { Err(std::io::Error::other(format!("{total_failed} requests failed"))) } else { Ok(()) }
}

fn sender(index: usize, load: &Load, window: &Mutex<Window>, stop: &AtomicBool) {
    let period = Duration::from_secs_f64(load.connections as f64 / load.rate);
    // Spread the connections over one period, so that they do not fire together.
    let mut next = Instant::now() + period.mul_f64(index as f64 / load.connections as f64);
    let mut connection: Option<(TcpStream, BufReader<TcpStream>)> = None;
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        next += period;
        let begun = Instant::now();
        let outcome = exchange(&mut connection, load);
        let micros = begun.elapsed().as_micros() as u64;
        let mut w = window.lock().unwrap();
        w.sent += 1;
        match outcome {
            Ok(()) => w.micros.push(micros),
            Err(e) => {
                w.failed += 1;
                w.first_failure.get_or_insert(e);
                connection = None;
            }
        }
    }
}

fn exchange(connection: &mut Option<(TcpStream, BufReader<TcpStream>)>, load: &Load) -> Result<(), String> {
    if connection.is_none() {
        let stream = TcpStream::connect(&load.addr).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        let reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
        *connection = Some((stream, reader));
    }
    let (stream, reader) = connection.as_mut().expect("connected above");
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{}\"\r\nContent-Length: {}\r\n\r\n",
        load.path,
        load.addr,
        load.action,
        load.body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&load.body)).map_err(|e| format!("send: {e}"))?;
    let mut status = String::new();
    reader.read_line(&mut status).map_err(|e| format!("read: {e}"))?;
    let (mut length, mut chunked) = (None, false);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| format!("read: {e}"))?;
            let n = usize::from_str_radix(size.trim(), 16).map_err(|_| format!("bad chunk size {size:?}"))?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).map_err(|e| format!("read: {e}"))?;
            body.extend_from_slice(&chunk[..n]);
            if n == 0 {
                break;
            }
        }
    } else {
        let n = length.ok_or("no Content-Length")?;
        body.resize(n, 0);
        reader.read_exact(&mut body).map_err(|e| format!("read: {e}"))?;
    }
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("status {}", status.trim()));
    }
    if !String::from_utf8_lossy(&body).contains("<IsOk>true</IsOk>") {
        return Err("the answer is not IsOk=true".into());
    }
    Ok(())
}
