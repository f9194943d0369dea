//! A headless Chromium driven through ChromeDriver's WebDriver protocol (plain HTTP and JSON):
//! a page loaded, typed into and clicked as a person would, then read and photographed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key WebDriver names elements by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where Debian puts the two (`.ci/run` installs them: packages chromium, chromium-driver).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver (package chromium-driver).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether both are installed.
pub fn available() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

/// One browser session; ended (and its driver stopped) when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    agent: ureq::Agent,
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium with a fresh profile in `profile`.
    pub fn start(profile: &Path, width: u32, height: u32) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut browser = Browser { driver, base: format!("http://127.0.0.1:{port}"), agent };
        let deadline = Instant::now() + Duration::from_secs(20);
        while browser.agent.get(format!("{}/status", browser.base)).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let session = browser.send(
            "POST",
            "/session",
            Some(json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
            }}})),
        );
        let id = session["sessionId"].as_str().expect("a session id").to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        browser
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let reply = match (method, body) {
            ("POST", body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(serde_json::to_vec(&body.unwrap_or(json!({}))).unwrap()),
            ("DELETE", _) => self.agent.delete(&url).call(),
            _ => self.agent.get(&url).call(),
        };
        let mut reply = reply.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = reply.status().as_u16();
        let bytes = reply.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {value}");
        value["value"].clone()
    }

    /// Loads `url`.
    pub fn open(&self, url: &str) {
        self.send("POST", "/url", Some(json!({ "url": url })));
    }

    /// The element `css` selects, waiting up to 10 s for it.
    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/element", self.base);
            let body = serde_json::to_vec(&json!({"using": "css selector", "value": css})).unwrap();
            let mut reply = self.agent.post(&url).header("Content-Type", "application/json").send(body).unwrap();
            let value: Value = serde_json::from_slice(&reply.body_mut().read_to_vec().unwrap()).unwrap();
            if reply.status().as_u16() == 200 {
                return value["value"][ELEMENT].as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "no element {css}: {value}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types `text` into the element `css` selects.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.send("POST", &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    /// Clicks the element `css` selects.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.send("POST", &format!("/element/{element}/click"), Some(json!({})));
    }

    /// The text a person sees in the element `css` selects.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.send("GET", &format!("/element/{element}/text"), None).as_str().unwrap_or("").to_owned()
    }

    /// The page's markup as the browser has it.
    pub fn source(&self) -> String {
        self.send("GET", "/source", None).as_str().unwrap_or("").to_owned()
    }

    /// The cookies the browser holds for the page.
    pub fn cookies(&self) -> Vec<Value> {
        self.send("GET", "/cookie", None).as_array().cloned().unwrap_or_default()
    }

    /// Runs `script` in the page (as DevTools does, past the page's Content-Security-Policy).
    pub fn run(&self, script: &str) -> Value {
        self.send("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// Resizes the window.
    pub fn resize(&self, width: u32, height: u32) {
        self.send("POST", "/window/rect", Some(json!({"width": width, "height": height})));
    }

    /// Saves what the window shows as a PNG file.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let png = self.send("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
