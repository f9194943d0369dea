//! The deployment of deploy/: the container image (deploy/image) and the replicated stack
//! (deploy/compose: PostgreSQL, two replicas, nginx) run as an operator runs them, with
//! docker-compose, on the sqlite-erp example's image:
//!
//! * the EIS emulator's whole session passes through nginx at the secret path;
//! * one replica killed during a storm of saves: every save answered `IsOk` is on the other;
//! * the killed replica restarted is healthy and serves through nginx again;
//! * the image runs as a user of its own, and stops on SIGTERM within its grace period with 0.
//!
//! Runs when `ERP_CONNECTOR_TEST_STACK_IMAGE` names the connector's image (built by
//! `deploy/image/build.sh sqlite-erp-connector`); `.ci/run` builds it and the stand-ins for the
//! registry's PostgreSQL and nginx images (`tests/stack/`), named by
//! `ERP_CONNECTOR_TEST_STACK_POSTGRES_IMAGE` and `ERP_CONNECTOR_TEST_STACK_NGINX_IMAGE`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use erp_connector::conformance::{Options, Silent, check_with};
use erp_connector::contract::{ActorType, ConnectionGuid, ErpActor, Stamp};
use erp_connector::prelude::{ActorsSince, ConnectionConfig as _, GetActors};
use erp_connector::soap::ReadError;
use erp_connector::testkit::{ClientError, SoapClient, free_port, new_guid};

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/compose");

/// The stack of one test: its folder (a copy of deploy/compose), its compose project name and
/// the settings it was given. Taken down, volumes and all, when dropped.
struct Stack {
    dir: PathBuf,
    project: String,
    http_port: u16,
    admin_port_a: u16,
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

impl Stack {
    /// The stack's files copied, its secrets and `.env` written by its own `init-secrets.sh`,
    /// the test's images and loopback ports added.
    fn prepare(image: &str) -> Stack {
        let project = format!("erpstack{}", std::process::id());
        let dir = std::env::temp_dir().join(&project);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["docker-compose.yml", "nginx.conf", "connector.env", "init-secrets.sh"] {
            std::fs::copy(Path::new(DEPLOY).join(file), dir.join(file)).unwrap();
        }
        run(Command::new("sh").arg(dir.join("init-secrets.sh")).env("CONNECTOR_IMAGE", image));
        let (http_port, admin_port_a, admin_port_b) = (free_port(), free_port(), free_port());
        let mut env = std::fs::read_to_string(dir.join(".env")).unwrap();
        assert!(env.contains(&format!("CONNECTOR_IMAGE={image}\n")), "{env}");
        for (name, var) in [
            ("POSTGRES_IMAGE", "ERP_CONNECTOR_TEST_STACK_POSTGRES_IMAGE"),
            ("NGINX_IMAGE", "ERP_CONNECTOR_TEST_STACK_NGINX_IMAGE"),
        ] {
            if let Ok(value) = std::env::var(var) {
                env.push_str(&format!("{name}={value}\n"));
            }
        }
        env.push_str(&format!("HTTP_PORT={http_port}\nADMIN_PORT_A={admin_port_a}\nADMIN_PORT_B={admin_port_b}\n"));
        // This host, as nginx sees it through the published port: the stack network's gateway.
        env.push_str("ALLOW_FROM=172.29.53.1/32\n");
        std::fs::write(dir.join(".env"), env).unwrap();
        // The example ERP's database, on the volume both replicas share.
        let mut connector_env = std::fs::read_to_string(dir.join("connector.env")).unwrap();
        connector_env.push_str("SQLITE_ERP_DATA_DIR=/data\n");
        std::fs::write(dir.join("connector.env"), connector_env).unwrap();
        // This machine (itself a container) cannot raise the open-file limit past 20,000: the
        // test's override lowers the replicas' 65,536 to what it can give.
        let limit = "    ulimits:\n      nofile: 20000\n";
        let overrides = format!("version: \"2.4\"\nservices:\n  connector-a:\n{limit}  connector-b:\n{limit}");
        std::fs::write(dir.join("docker-compose.override.yml"), overrides).unwrap();
        Stack { dir, project, http_port, admin_port_a }
    }

    fn compose(&self) -> Command {
        let mut command = Command::new("docker-compose");
        command.current_dir(&self.dir).args(["--project-name", &self.project, "--ansi", "never"]);
        command
    }

    fn env_value(&self, name: &str) -> String {
        let env = std::fs::read_to_string(self.dir.join(".env")).unwrap();
        let prefix = format!("{name}=");
        env.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap().to_owned()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.http_port, self.env_value("ENDPOINT_PATH"))
    }

    fn container(&self, service: &str) -> String {
        text(&run(self.compose().args(["ps", "-q", service])))
    }

    fn inspect(&self, service: &str, format: &str) -> String {
        text(&run(Command::new("docker").args(["inspect", "--format", format, &self.container(service)])))
    }

    /// Waits until the image's health check finds `service` healthy.
    fn wait_healthy(&self, service: &str) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let status = self.inspect(service, "{{.State.Health.Status}}");
            if status == "healthy" {
                return;
            }
            assert!(Instant::now() < deadline, "{service} is {status}:\n{}", self.logs(service));
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn logs(&self, service: &str) -> String {
        let output = self.compose().args(["logs", "--no-color", "--tail", "200", service]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
    }

    /// The admin listener of replica a (published on this host's loopback only), with its token.
    fn admin_get(&self, path: &str) -> Result<String, ureq::Error> {
        let token = std::fs::read_to_string(self.dir.join("secrets/admin-token")).unwrap();
        let url = format!("http://127.0.0.1:{}{path}", self.admin_port_a);
        ureq::get(&url).header("Authorization", format!("Bearer {}", token.trim())).call()?.body_mut().read_to_string()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.compose().args(["down", "--volumes", "--timeout", "5"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Calls answered (`IsOk`) by replica a so far, read from its metrics.
fn calls_answered(stack: &Stack) -> Option<f64> {
    let metrics = stack.admin_get("/metrics").ok()?;
    let sum = metrics
        .lines()
        .filter(|l| l.starts_with(erp_connector::metrics::CALLS))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    Some(sum)
}

fn customers(client: &SoapClient, guid: ConnectionGuid) -> Vec<ErpActor> {
    let q = ActorsSince { actor_type: ActorType::Customer, since: None, field_keys: vec!["NAME".into()] };
    client.get_actors_by_timestamp(guid, &q).unwrap().actors.unwrap()
}

#[test]
fn the_stack_serves_eis_through_nginx_and_survives_a_replica() {
    let Ok(image) = std::env::var("ERP_CONNECTOR_TEST_STACK_IMAGE") else {
        eprintln!("SKIPPED: ERP_CONNECTOR_TEST_STACK_IMAGE names no image (.ci/run builds one)");
        return;
    };
    // The image itself: a user of its own, the health check, the size operators pull.
    let user = text(&run(Command::new("docker").args(["image", "inspect", "--format", "{{.Config.User}}", &image])));
    assert_eq!(user, "65532:65532", "the image runs as a user of its own, never root");
    let check = text(&run(Command::new("docker").args([
        "image",
        "inspect",
        "--format",
        "{{json .Config.Healthcheck.Test}}",
        &image,
    ])));
    assert_eq!(check, r#"["CMD","/healthcheck"]"#, "the image checks /health with its own binary");
    let size = text(&run(Command::new("docker").args(["image", "inspect", "--format", "{{.Size}}", &image])));
    eprintln!("image {image}: {size} bytes");

    let stack = Stack::prepare(&image);
    run(stack.compose().args([
        "run",
        "--rm",
        "--no-deps",
        "connector-a",
        "seed",
        "--db",
        "/data/erp.sqlite",
        "--count",
        "60",
    ]));
    run(stack.compose().args(["up", "-d"]));
    stack.wait_healthy("connector-a");
    stack.wait_healthy("connector-b");
    for service in ["connector-a", "connector-b"] {
        // The process itself, as this machine's kernel sees it.
        let pid = stack.inspect(service, "{{.State.Pid}}");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let uids = status.lines().find_map(|l| l.strip_prefix("Uid:")).unwrap();
        assert!(uids.split_whitespace().all(|uid| uid == "65532"), "{service} runs as 65532, not {uids}");
    }

    // EIS's whole session, through nginx at the secret path; nothing else is published.
    let config = sqlite_erp::ErpConfig { database: "erp.sqlite".into(), default_currency: None }.to_info();
    let options = Options { config: config.clone(), ..Options::default() };
    let report = check_with(&stack.url(), &options, &mut Silent);
    assert!(report.is_clean(), "{report}\n{}\n{}", stack.logs("connector-a"), stack.logs("connector-b"));
    let other_path = format!("http://127.0.0.1:{}/Services/ErpConnectorWS.svc", stack.http_port);
    assert!(matches!(ureq::get(&other_path).call(), Err(ureq::Error::StatusCode(404))));

    // A storm of saves, one customer a thread; replica a killed in the middle of it.
    let client = SoapClient::from_url(&stack.url()).unwrap();
    let guid = new_guid();
    assert!(client.save_connection(guid, &config).unwrap().is_ok);
    let keys: Vec<String> = customers(&client, guid).into_iter().filter_map(|a| a.erp_key).take(4).collect();
    assert_eq!(keys.len(), 4);
    let stop = Arc::new(AtomicBool::new(false));
    // Answers EIS could not read (nginx's HTML error pages): there must be none.
    let unreadable = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Per key: the last value answered IsOk, and how many saves were tried.
    let answered = Arc::new(Mutex::new(vec![(None::<usize>, 0usize); keys.len()]));
    let storm: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let (client, key, stop, answered, unreadable, failed) =
                (client.clone(), key.clone(), stop.clone(), answered.clone(), unreadable.clone(), failed.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let change = ErpActor::new(ActorType::Customer, key.clone(), Stamp::text(""))
                        .with_value("NAME", format!("Storm {i} {n}"));
                    let result = client.save_actors(guid, &[change]);
                    let ok = matches!(&result, Ok(a) if a.result.is_ok);
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Err(ClientError::Read { status, error: error @ ReadError::NotEnvelope { .. } }) = &result {
                        unreadable.lock().unwrap().push(format!("HTTP {status}: {error}"));
                    }
                    let mut answered = answered.lock().unwrap();
                    answered[i].1 = n + 1;
                    if ok {
                        answered[i].0 = Some(n);
                    }
                    drop(answered);
                    n += 1;
                    // 4 threads at most 50 saves a second each: under nginx's 200 a second.
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let before_kill: usize = answered.lock().unwrap().iter().map(|(_, tried)| tried).sum();
    run(Command::new("docker").args(["kill", "--signal", "KILL", &stack.container("connector-a")]));
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for thread in storm {
        thread.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    let tried: usize = answered.iter().map(|(_, tried)| tried).sum();
    let failed = failed.load(Ordering::Relaxed);
    eprintln!("saves tried: {before_kill} before the kill, {tried} in all, {failed} not answered IsOk");
    assert!(tried > before_kill + 8, "saves went on after the kill: {answered:?}");
    let unreadable = unreadable.lock().unwrap();
    assert!(unreadable.is_empty(), "every failed save is a SOAP fault: {unreadable:?}");
    let now = client
        .get_actors(
            guid,
            &GetActors { actor_type: ActorType::Customer, erp_keys: keys.clone(), field_keys: vec!["NAME".into()] },
        )
        .unwrap()
        .actors
        .unwrap();
    for (i, key) in keys.iter().enumerate() {
        let (Some(last_ok), tried) = answered[i] else { panic!("no save of {key} was answered: {answered:?}") };
        let actor = now.iter().find(|a| a.erp_key.as_deref() == Some(key));
        let name = actor.and_then(|a| a.field("NAME")).unwrap_or_else(|| panic!("{key}: {actor:?}"));
        // The last answered save, or a later one whose answer the kill lost; never an older one.
        let saved: usize = name.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(
            name.starts_with(&format!("Storm {i} ")) && saved >= last_ok && saved < tried,
            "{key}: {name}, {answered:?}"
        );
    }

    // Replica a restarted: healthy, and serving through nginx again (its own counters show it).
    run(Command::new("docker").args(["start", &stack.container("connector-a")]));
    stack.wait_healthy("connector-a");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(client.test_connection(guid).unwrap().is_ok);
        if calls_answered(&stack).is_some_and(|n| n > 0.0) {
            break;
        }
        assert!(Instant::now() < deadline, "replica a serves no call through nginx:\n{}", stack.logs("nginx"));
        std::thread::sleep(Duration::from_millis(100));
    }

    // SIGTERM: replica b drains and exits 0 within its grace period (30 s in the compose file).
    let started = Instant::now();
    run(Command::new("docker").args(["stop", "--time", "30", &stack.container("connector-b")]));
    let stopped_in = started.elapsed();
    assert_eq!(stack.inspect("connector-b", "{{.State.ExitCode}}"), "0", "{}", stack.logs("connector-b"));
    assert!(stopped_in < Duration::from_secs(30), "stopped in {stopped_in:?}");
    eprintln!("replica b stopped on SIGTERM in {stopped_in:?}");
    // And the stack still answers, through a.
    assert!(client.test_connection(guid).unwrap().is_ok);
}
