//! The deployment files, checked for what Docker and Toolforge would only find out at deploy
//! time (neither runs on the CI machines): `docker-compose.yml` with its collector
//! configuration, and `jobs.yaml` with the `Procfile`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

const WORKERS: [&str; 4] = ["scanner", "matcher", "notifier", "recorder"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"));
    // Compose resolves `<<: *anchor` merge keys; so must the test.
    value
        .apply_merge()
        .unwrap_or_else(|e| panic!("{path}: a merge key does not resolve: {e}"));
    serde_json::to_value(value).unwrap_or_else(|e| panic!("{path} is not plain data: {e}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_else(|| panic!("not text: {v}")))
        .collect()
}

/// Every `.rs` file's text under `dir`.
fn sources(dir: &Path, into: &mut String) {
    for entry in std::fs::read_dir(dir).expect("read a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push_str(&std::fs::read_to_string(&path).expect("read a source file"));
        }
    }
}

#[test]
fn compose_describes_the_whole_local_stack() {
    let compose = yaml("docker-compose.yml");
    let services = compose["services"].as_object().expect("services");
    let names: BTreeSet<&str> = services.keys().map(String::as_str).collect();
    for needed in [
        "redis",
        "mariadb",
        "migrate",
        "scanner",
        "matcher",
        "notifier",
        "recorder",
        "otel-collector",
        "jaeger",
        "mediawiki",
    ] {
        assert!(names.contains(needed), "no {needed} service: {names:?}");
    }

    // Redis keeps the streams across restarts.
    let redis = strings(&services["redis"]["command"]).join(" ");
    assert!(redis.contains("--appendonly yes"), "{redis}");

    // Every dependency and named volume exists.
    for (name, service) in services {
        if let Some(deps) = service["depends_on"].as_object() {
            for dep in deps.keys() {
                assert!(
                    names.contains(dep.as_str()),
                    "{name} depends on unknown {dep}"
                );
            }
        }
        for volume in service["volumes"].as_array().into_iter().flatten() {
            let volume = volume.as_str().expect("short volume syntax");
            let source = volume.split(':').next().expect("a source");
            if source.starts_with('.') {
                let file = source.trim_start_matches("./");
                if file != "config.json" {
                    assert!(root().join(file).exists(), "{name} mounts missing {file}");
                }
            } else {
                assert!(
                    compose["volumes"].get(source).is_some(),
                    "{name} uses undeclared volume {source}"
                );
            }
        }
    }

    let mut code = String::new();
    sources(&root().join("crates"), &mut code);
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("a Dockerfile");
    for worker in WORKERS {
        let service = &services[worker];
        let binary = format!("matchbot-{worker}");
        assert_eq!(strings(&service["command"]), [binary.as_str()]);
        assert!(
            dockerfile.contains(&format!(" target/release/{binary}")),
            "the image lacks {binary}"
        );
        assert_eq!(service["build"], ".");
        // Scalable with --scale: no fixed name, no published port.
        assert!(
            service.get("container_name").is_none(),
            "{worker}: a fixed name stops --scale"
        );
        assert!(
            service.get("ports").is_none(),
            "{worker}: a published port stops --scale"
        );
        assert_eq!(
            strings(&service["healthcheck"]["test"]),
            ["CMD", "matchbot", "health", worker]
        );
        assert_eq!(
            service["depends_on"]["migrate"]["condition"],
            "service_completed_successfully"
        );
        let env = service["environment"].as_object().expect("environment");
        for key in env.keys().filter(|k| k.starts_with("MATCHBOT_")) {
            assert!(
                code.contains(&format!("\"{key}\"")),
                "{worker} sets {key}, which MatchBot never reads"
            );
        }
        let endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
            .as_str()
            .expect("an endpoint");
        assert_eq!(endpoint, "http://otel-collector:4318", "{worker}");
        let redis_url = env["MATCHBOT_REDIS_URL"].as_str().expect("a Redis URL");
        assert!(redis_url.starts_with("redis://redis:6379"), "{redis_url}");
        assert_eq!(env["MATCHBOT_DB_HOST"], "mariadb");
    }
    assert_eq!(
        strings(&services["migrate"]["command"]),
        ["matchbot", "migrate"]
    );
    assert_eq!(strings(&services["mediawiki"]["profiles"]), ["wiki"]);

    // The collector takes OTLP/HTTP where the workers send it and hands traces to Jaeger.
    let collector = yaml("deploy/otel-collector.yaml");
    assert_eq!(
        collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"],
        "0.0.0.0:4318"
    );
    let pipeline = &collector["service"]["pipelines"]["traces"];
    assert_eq!(strings(&pipeline["receivers"]), ["otlp"]);
    let exporters = strings(&pipeline["exporters"]);
    assert_eq!(exporters.len(), 1);
    let exporter = &collector["exporters"][exporters[0]];
    let target = exporter["endpoint"].as_str().expect("an exporter endpoint");
    let host = target.split(':').next().expect("a host");
    assert!(
        names.contains(host),
        "the collector exports to unknown {host}"
    );
    assert_eq!(
        services[host]["environment"]["COLLECTOR_OTLP_ENABLED"],
        "true"
    );
}

/// `build: .` sends the directory to the daemon: not the build output (gigabytes), nor the
/// configuration and key that are mounted or given at run time. And the compose test's
/// override only changes services the shipped file has.
#[test]
fn the_build_context_leaves_out_target_and_secrets_and_the_override_fits() {
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).expect("a .dockerignore");
    let ignored: Vec<&str> = ignore
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    for needed in ["target", "config.json", "signing.key"] {
        assert!(ignored.contains(&needed), "{needed} is sent: {ignored:?}");
    }
    let compose = yaml("docker-compose.yml");
    let test = yaml("deploy/standin/compose.test.yml");
    for (name, service) in test["services"].as_object().expect("services") {
        assert!(
            compose["services"].get(name).is_some(),
            "the override adds {name}, which docker-compose.yml lacks"
        );
        for key in service.as_object().expect("a service").keys() {
            assert!(
                ["image", "command", "extra_hosts"].contains(&key.as_str()),
                "the override changes {name}.{key}: it may change only what Docker Hub gives"
            );
        }
    }
}

#[test]
fn toolforge_runs_each_worker_as_a_checked_continuous_job() {
    let jobs = yaml("jobs.yaml");
    let jobs = jobs.as_array().expect("jobs.yaml is a list of jobs");
    let procfile = std::fs::read_to_string(root().join("Procfile")).expect("a Procfile");
    let processes: Vec<(&str, &str)> = procfile
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, command) = l.split_once(':').expect("name: command");
            (name.trim(), command.trim())
        })
        .collect();
    let names: Vec<&str> = jobs
        .iter()
        .map(|j| j["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, WORKERS);
    for job in jobs {
        let worker = job["name"].as_str().expect("a name");
        assert_eq!(job["continuous"], true, "{worker}");
        assert_eq!(job["image"], "tool-matchbot/tool-matchbot:latest");
        assert!(
            job["mem"].as_str().is_some_and(|m| m.ends_with("Mi")),
            "{worker}"
        );
        assert!(job["cpu"].as_str().is_some(), "{worker}");
        if let Some(replicas) = job.get("replicas") {
            assert!(
                replicas.as_u64().is_some_and(|n| n >= 1),
                "{worker}: replicas must be a positive number, not {replicas:?}"
            );
        }
        let command = job["command"].as_str().expect("a command");
        let (_, run) = processes
            .iter()
            .find(|(name, _)| *name == command)
            .unwrap_or_else(|| panic!("{worker}'s command {command} is not in the Procfile"));
        assert_eq!(*run, format!("./target/release/matchbot-{worker}"));
        assert_eq!(
            job["health-check-script"],
            format!("./target/release/matchbot health {worker}")
        );
    }
    // Every binary the Procfile runs is one this workspace builds.
    for (_, run) in &processes {
        let binary = run
            .split_whitespace()
            .next()
            .and_then(|p| p.strip_prefix("./target/release/"))
            .unwrap_or_else(|| panic!("{run} does not run a release binary"));
        assert!(
            harness::bin(binary).exists(),
            "{binary} is not built by this workspace"
        );
    }
}
