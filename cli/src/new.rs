//! `erp-connector new`: a new connector crate from one of the examples, offline. The examples
//! are compiled into this binary; the new crate is renamed, gets its own application id,
//! configuration file, README and tests, and builds on its own (its own `[workspace]`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The arguments of `new`.
#[derive(clap::Args)]
pub struct New {
    /// The crate (and binary, and connector) name, e.g. `acme-erp`.
    name: String,
    /// The example to start from.
    #[arg(long, value_enum, default_value_t = Template::Hello)]
    from: Template,
    /// The SuperOffice application id (32 hex digits); default: a new random one, to replace
    /// with the real one when the app is registered.
    #[arg(long)]
    app_id: Option<String>,
    /// Where to create the crate (default: `./NAME`).
    #[arg(long)]
    path: Option<PathBuf>,
    /// The erp-connector source to depend on by path (default: the one this command was built
    /// from, if it is still there; else the published crate).
    #[arg(long)]
    erp_connector_path: Option<PathBuf>,
}

/// The examples to start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// The smallest complete connector (in memory).
    Hello,
    /// A realistic connector on a SQLite ERP database.
    SqliteErp,
    /// A connector on a remote ERP's web API: Tryton over JSON-RPC, with login sessions.
    Tryton,
    /// A connector for a cloud ERP's REST API: OAuth2 with rotating refresh tokens, page-numbered
    /// lists, a rate limit; tested against a strict mock of the ERP.
    Rest,
}

/// One example: its files, and the names in them that become the new crate's.
struct Example {
    files: &'static [(&'static str, &'static str)],
    /// The package (and binary) name.
    package: &'static str,
    /// The library name, if the example has a library.
    library: Option<&'static str>,
    /// The connector name in `#[erp_connector(name = ...)]`.
    connector: &'static str,
    /// The application id in `#[erp_connector(app_id = ...)]` (and tests).
    app_id: &'static str,
}

/// An example's files, from its copy in `cli/templates/` (inside this package, so that the
/// published crate has them; `the_templates_are_the_examples` holds the copy equal to
/// `examples/`). Its manifest is kept as `Cargo.toml.template`: a folder with a `Cargo.toml`
/// would be left out of the package.
macro_rules! files {
    ($dir:literal: $($file:literal),* $(,)?) => {
        &[
            ("Cargo.toml", include_str!(concat!("../templates/", $dir, "/Cargo.toml.template"))),
            $( ($file, include_str!(concat!("../templates/", $dir, "/", $file))) ),*
        ]
    };
}

const HELLO: Example = Example {
    files: files!("hello": "README.md", "erp-connector.toml", "src/lib.rs", "src/main.rs", "tests/service.rs"),
    package: "hello-connector",
    library: Some("hello_connector"),
    connector: "hello",
    app_id: "6cf25376616343b38d14ddcd804f2891",
};

const SQLITE_ERP: Example = Example {
    files: files!("sqlite-erp":
        "README.md", "erp-connector.toml", "src/connector.rs", "src/db.rs", "src/fields.rs",
        "src/lib.rs", "src/main.rs", "src/search.rs", "src/seed.rs", "sql/schema.sql", "tests/connector.rs",
    ),
    package: "sqlite-erp-connector",
    library: Some("sqlite_erp"),
    connector: "sqlite-erp",
    app_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
};

const TRYTON: Example = Example {
    files: files!("tryton":
        "README.md", "erp-connector.toml", "benches/through_tryton.rs", "ci/requirements.txt", "ci/template.sh", "src/connector.rs",
        "src/domain.rs", "src/lib.rs", "src/main.rs", "src/mapping.rs", "src/rpc.rs", "tests/support/mod.rs",
        "tests/tryton.rs",
    ),
    package: "tryton-connector",
    library: Some("tryton_connector"),
    connector: "tryton",
    app_id: "7e57c0de7e57c0de7e57c0de7e57c0de",
};

const REST_ERP: Example = Example {
    files: files!("rest-erp":
        "README.md", "erp-connector.toml", "src/connector.rs", "src/lib.rs", "src/main.rs", "src/records.rs",
        "tests/connector.rs", "tests/support/mock_erp.rs",
    ),
    package: "rest-erp-connector",
    library: Some("rest_erp"),
    connector: "rest-erp",
    app_id: "5e7c0de05e7c0de05e7c0de05e7c0de0",
};

/// The deployment every new connector gets, from the copy of this workspace's `deploy/` in
/// `cli/templates/deploy/` (`the_templates_are_the_examples` holds it equal): its path under
/// `deploy/` (in the new crate too) and its text. Dotfiles are kept in the copy without their dot
/// (a package keeps them more surely so).
const DEPLOY: &[(&str, &str)] = &[
    ("image/Dockerfile", include_str!("../templates/deploy/image/Dockerfile")),
    ("image/build.sh", include_str!("../templates/deploy/image/build.sh")),
    ("compose/docker-compose.yml", include_str!("../templates/deploy/compose/docker-compose.yml")),
    ("compose/nginx.conf", include_str!("../templates/deploy/compose/nginx.conf")),
    ("compose/connector.env", include_str!("../templates/deploy/compose/connector.env")),
    ("compose/init-secrets.sh", include_str!("../templates/deploy/compose/init-secrets.sh")),
    ("compose/.env.example", include_str!("../templates/deploy/compose/env.example")),
    ("compose/.gitignore", include_str!("../templates/deploy/compose/gitignore")),
    ("systemd/erp-connector.service", include_str!("../templates/deploy/systemd/erp-connector.service")),
];

/// A deployment file for the connector `name`: its image, binary and unit named after it.
fn rename_deploy(text: &str, name: &str) -> String {
    text.replace("sqlite-erp-connector", name)
        .replace("/usr/local/bin/erp-connector-app", &format!("/usr/local/bin/{name}"))
}

/// The workspace manifest: versions of the dependencies the examples share.
const WORKSPACE_MANIFEST: &str = include_str!("../templates/workspace.Cargo.toml.template");

/// The workspace's build profiles (`.cargo/config.toml`): the new crate's manifest gets its
/// `[profile.dev]`.
const PROFILES: &str = include_str!("../templates/cargo-config.toml.template");

/// What a new connector's repository keeps out: builds, stores, keys and captured traffic.
const GITIGNORE: &str = "/target\n*.db\n*.db-shm\n*.db-wal\n*.key\n*.pem\napp-private-key.*\n/keys/\n\
    /.erp-connector-dev/\n/.erp-connector-emulator/\n/erp.sqlite*\n/captures/\n/capture/\n";

impl Template {
    fn example(self) -> &'static Example {
        match self {
            Template::Hello => &HELLO,
            Template::SqliteErp => &SQLITE_ERP,
            Template::Tryton => &TRYTON,
            Template::Rest => &REST_ERP,
        }
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && name.len() <= 64;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a usable crate name: use lower-case letters, digits and '-', starting with a letter"
        ))
    }
}

/// A new random application id (32 hex digits), until the real one is known.
fn new_app_id() -> String {
    erp_connector::contract::ConnectionGuid::new_random().to_string().replace('-', "")
}

/// The text of one file of the new crate.
fn rename(example: &Example, text: &str, name: &str, app_id: &str) -> String {
    let mut text = text
        .replace(example.app_id, app_id)
        .replace(example.package, name)
        .replace(&format!("\"{}\"", example.connector), &format!("\"{name}\""))
        .replace("cargo run -p erp-connector-cli -- ", "erp-connector ");
    if let Some(library) = example.library {
        text = text.replace(library, &name.replace('-', "_"));
    }
    text
}

/// The new crate's manifest: workspace inheritance replaced by the workspace's values, the
/// erp-connector dependency by a path or a version, and a `[workspace]` of its own.
fn manifest(text: &str, runtime: Option<&Path>) -> Result<String, String> {
    let workspace: toml::Table = WORKSPACE_MANIFEST.parse().map_err(|e| format!("the workspace manifest: {e}"))?;
    let shared = |key: &str| workspace.get("workspace").and_then(|w| w.get(key)).and_then(|v| v.as_table()).cloned();
    let package_values = shared("package").unwrap_or_default();
    let dependency_values = shared("dependencies").unwrap_or_default();
    let mut manifest: toml::Table = text.parse().map_err(|e| format!("the example's manifest: {e}"))?;
    if let Some(package) = manifest.get_mut("package").and_then(|p| p.as_table_mut()) {
        for (key, value) in package.iter_mut() {
            if value.get("workspace").and_then(|w| w.as_bool()) == Some(true)
                && let Some(v) = package_values.get(key)
            {
                *value = v.clone();
            }
        }
        package.remove("repository");
    }
    for section in ["dependencies", "dev-dependencies"] {
        let Some(deps) = manifest.get_mut(section).and_then(|d| d.as_table_mut()) else { continue };
        for (name, spec) in deps.iter_mut() {
            if spec.get("workspace").and_then(|w| w.as_bool()) != Some(true) {
                continue;
            }
            let mut resolved = match (name.as_str(), runtime) {
                ("erp-connector", Some(path)) => {
                    let mut t = toml::Table::new();
                    t.insert("path".into(), path.display().to_string().into());
                    t
                }
                _ => match dependency_values.get(name) {
                    Some(toml::Value::String(version)) => {
                        let mut t = toml::Table::new();
                        t.insert("version".into(), version.clone().into());
                        t
                    }
                    Some(toml::Value::Table(t)) => {
                        let mut t = t.clone();
                        t.remove("path");
                        t
                    }
                    _ => return Err(format!("no version for {name} in the workspace manifest")),
                },
            };
            if let Some(features) = spec.get("features") {
                let mut all: Vec<toml::Value> =
                    resolved.get("features").and_then(|f| f.as_array()).cloned().unwrap_or_default();
                all.extend(features.as_array().cloned().unwrap_or_default());
                resolved.insert("features".into(), toml::Value::Array(all));
            }
            *spec = toml::Value::Table(resolved);
        }
    }
    let lints: toml::Table = "[rust]\nmissing_docs = \"warn\"\nunsafe_code = \"deny\"\n[clippy]\nall = { level = \"warn\", priority = -1 }\n"
        .parse()
        .map_err(|e| format!("lints: {e}"))?;
    manifest.insert("lints".into(), toml::Value::Table(lints));
    manifest.insert("workspace".into(), toml::Value::Table(toml::Table::new()));
    // RSA key generation in tests is minutes slower unoptimised: keep the workspace's settings.
    let profiles: toml::Table = PROFILES.parse().map_err(|e| format!("the profiles: {e}"))?;
    if let Some(profile) = profiles.get("profile").and_then(|p| p.get("dev")) {
        let mut dev = toml::Table::new();
        dev.insert("dev".into(), profile.clone());
        manifest.insert("profile".into(), toml::Value::Table(dev));
    }
    toml::to_string(&manifest).map_err(|e| format!("writing the manifest: {e}"))
}

/// Marks a script executable (where files have modes).
fn make_executable(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("{}: {e}", path.display()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// The erp-connector source this command was built from, if it is still there.
fn built_from() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../connector-runtime");
    path.join("Cargo.toml").is_file().then(|| path.canonicalize().ok()).flatten()
}

pub fn run(args: New) -> Result<ExitCode, String> {
    check_name(&args.name)?;
    let chosen_id = args.app_id.is_some();
    let app_id = match args.app_id {
        Some(id) if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) => id.to_ascii_lowercase(),
        Some(id) => return Err(format!("--app-id {id}: an application id is 32 hexadecimal digits")),
        None => new_app_id(),
    };
    let dir = args.path.unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!("{} exists and is not empty; choose another --path", dir.display()));
    }
    let runtime = match args.erp_connector_path {
        Some(path) => {
            let path = path.canonicalize().map_err(|e| format!("--erp-connector-path {}: {e}", path.display()))?;
            if !path.join("Cargo.toml").is_file() {
                return Err(format!("--erp-connector-path {}: no Cargo.toml there", path.display()));
            }
            Some(path)
        }
        None => built_from(),
    };
    let example = args.from.example();
    let write = |relative: &str, text: &str| -> Result<(), String> {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    for (relative, text) in example.files {
        let text = rename(example, text, &args.name, &app_id);
        let text = if *relative == "Cargo.toml" { manifest(&text, runtime.as_deref())? } else { text };
        write(relative, &text)?;
    }
    for (in_deploy, text) in DEPLOY {
        let relative = format!("deploy/{in_deploy}");
        write(&relative, &rename_deploy(text, &args.name))?;
        if relative.ends_with(".sh") {
            make_executable(&dir.join(&relative))?;
        }
    }
    write(".gitignore", GITIGNORE)?;
    println!("created {} from the {:?} example, application id {app_id}", dir.display(), args.from);
    match &runtime {
        Some(path) => println!("  depends on erp-connector at {}", path.display()),
        None => println!("  depends on the published erp-connector crate"),
    }
    println!("next:\n  cd {}\n  cargo test\n  cargo run", dir.display());
    if !chosen_id {
        println!("  (replace the application id in src/ with your app's when you register it with SuperOffice)");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_renames_reach_every_mention() {
        assert!(check_name("acme-erp2").is_ok());
        for bad in ["Acme", "1erp", "erp_x", "erp-", ""] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let text = "name = \"sqlite-erp-connector\" sqlite_erp::SqliteErp #[erp_connector(app_id = \"0a1b2c3d4e5f60718293a4b5c6d7e8f9\", name = \"sqlite-erp\")]";
        assert_eq!(
            rename(&SQLITE_ERP, text, "acme-erp", "ffffffffffffffffffffffffffffffff"),
            "name = \"acme-erp\" acme_erp::SqliteErp #[erp_connector(app_id = \"ffffffffffffffffffffffffffffffff\", name = \"acme-erp\")]"
        );
        assert_eq!(new_app_id().len(), 32);
    }

    const EXAMPLES: [(&str, &Example); 4] =
        [("hello", &HELLO), ("sqlite-erp", &SQLITE_ERP), ("tryton", &TRYTON), ("rest-erp", &REST_ERP)];

    /// The workspace around this package (`None` in a packaged copy of it).
    fn workspace() -> Option<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        root.join("examples").is_dir().then_some(root)
    }

    /// The copy in `cli/templates/` is what `examples/` holds; `UPDATE_TEMPLATES=1` rewrites it.
    #[test]
    fn the_templates_are_the_examples() {
        let Some(root) = workspace() else { return };
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut copies = vec![
            (root.join("Cargo.toml"), templates.join("workspace.Cargo.toml.template"), WORKSPACE_MANIFEST),
            (root.join(".cargo/config.toml"), templates.join("cargo-config.toml.template"), PROFILES),
        ];
        for (in_deploy, text) in DEPLOY {
            let copy = in_deploy.replace("/.", "/");
            copies.push((root.join("deploy").join(in_deploy), templates.join("deploy").join(copy), *text));
        }
        for (dir, example) in EXAMPLES {
            for (file, text) in example.files {
                let copy = if *file == "Cargo.toml" { "Cargo.toml.template".to_owned() } else { file.to_string() };
                copies.push((root.join("examples").join(dir).join(file), templates.join(dir).join(copy), *text));
            }
        }
        let update = std::env::var_os("UPDATE_TEMPLATES").is_some();
        let mut stale = Vec::new();
        for (original, copy, compiled) in copies {
            let text = std::fs::read_to_string(&original).unwrap();
            if text != compiled {
                if update {
                    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
                    std::fs::write(&copy, &text).unwrap();
                }
                stale.push(original.display().to_string());
            }
        }
        assert!(
            update || stale.is_empty(),
            "cli/templates/ is behind: {stale:?}; run UPDATE_TEMPLATES=1 cargo test -p erp-connector-cli --bin erp-connector"
        );
    }

    #[test]
    fn every_file_of_each_example_is_in_its_template() {
        let Some(workspace) = workspace() else { return };
        for (dir, example) in EXAMPLES {
            let root = workspace.join("examples").join(dir);
            let mut found = Vec::new();
            let mut stack = vec![root.clone()];
            while let Some(d) = stack.pop() {
                for entry in std::fs::read_dir(&d).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        if path.file_name() != Some("target".as_ref()) {
                            stack.push(path);
                        }
                    } else {
                        found.push(path.strip_prefix(&root).unwrap().to_string_lossy().into_owned());
                    }
                }
            }
            found.sort();
            let mut listed: Vec<String> = example.files.iter().map(|(f, _)| f.to_string()).collect();
            listed.sort();
            assert_eq!(found, listed, "examples/{dir}: add new files to its template in cli/src/new.rs");
        }
    }

    #[test]
    fn a_new_connector_gets_the_deployment_named_after_it() {
        let compose = DEPLOY.iter().find(|(d, _)| *d == "compose/.env.example").unwrap().1;
        assert!(rename_deploy(compose, "acme-erp").contains("CONNECTOR_IMAGE=acme-erp:latest"));
        let build = DEPLOY.iter().find(|(d, _)| *d == "image/build.sh").unwrap().1;
        assert!(rename_deploy(build, "acme-erp").contains("package=${1:-acme-erp}"));
        let unit = DEPLOY.iter().find(|(d, _)| d.ends_with(".service")).unwrap().1;
        assert!(rename_deploy(unit, "acme-erp").contains("ExecStart=/usr/local/bin/acme-erp\n"));
        let Some(root) = workspace() else { return };
        // Every file of deploy/'s image, stack and unit is in the list (the proxies' configurations
        // stay with the workspace: the stack has its own nginx.conf).
        for folder in ["image", "compose", "systemd"] {
            for entry in std::fs::read_dir(root.join("deploy").join(folder)).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().into_owned();
                // What init-secrets.sh writes beside the stack (kept out of git) is no template.
                if entry.path().is_dir() || [".env", "app-public-key.pem"].contains(&name.as_str()) {
                    continue;
                }
                let relative = format!("{folder}/{name}");
                assert!(DEPLOY.iter().any(|(d, _)| *d == relative), "deploy/{relative}: add it to DEPLOY");
            }
        }
    }

    #[test]
    fn the_manifest_stands_alone() {
        let text = manifest(HELLO.files[0].1, Some(Path::new("/src/erp-connector"))).unwrap();
        let parsed: toml::Table = text.parse().unwrap();
        assert!(!text.contains("workspace = true"), "{text}");
        assert_eq!(parsed["dependencies"]["erp-connector"]["path"].as_str(), Some("/src/erp-connector"));
        assert_eq!(parsed["dev-dependencies"]["erp-connector"]["features"][0].as_str(), Some("testing"));
        assert_eq!(parsed["package"]["edition"].as_str(), Some("2024"));
        assert!(parsed["workspace"].as_table().unwrap().is_empty());
        assert_eq!(parsed["profile"]["dev"]["package"]["rsa"]["opt-level"].as_integer(), Some(3));
    }
}
