//! The command line as a user meets it: exit codes, error messages, files written.

use crate::support::temp_dir;
use std::path::PathBuf;
use std::process::{Command, Output};

fn caplab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caplab"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("caplab runs")
}

const SMALL: &str = r#"{
  "version": 1,
  "name": "small",
  "description": "Two designs of a tiny service.",
  "seed": 3,
  "duration_s": 5,
  "warmup_s": 1,
  "workload": {
    "arrivals": {"poisson": {"rate_per_s": 200}},
    "classes": [{"endpoint": "get"}]
  },
  "faults": [{"at_s": 2, "duration_s": 1, "action": {"crash": {"target": "api#0"}}}],
  "designs": [
    {"name": "one", "entry": "api",
     "services": {"api": {"instances": 2, "workers": 4, "handlers": {"get": [{"compute": {"ms": {"exponential": {"mean": 5}}}}]}}}},
    {"name": "two", "entry": "api",
     "services": {"api": {"instances": 2, "workers": 8, "handlers": {"get": [{"call": {"service": "db", "endpoint": "q", "timeout_ms": 50}}]}},
                  "db": {"workers": 4, "handlers": {"q": [{"compute": {"ms": {"constant": {"value": 2}}}}]}}}}
  ]
}"#;

#[test]
fn run_writes_byte_identical_results_for_the_same_seed() {
    let dir = temp_dir("cli", "identical");
    let file = dir.join("small.json");
    std::fs::write(&file, SMALL).unwrap();
    let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
    for (out, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        let o = caplab(&[
            "run",
            file.to_str().unwrap(),
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let read = |d: &PathBuf| std::fs::read(d.join("results.json")).unwrap();
    assert_eq!(read(&a), read(&b), "same seed, different bytes");
    assert_ne!(read(&a), read(&c), "another seed gave the same results");
    for f in ["endpoints.csv", "series-one.csv", "series-two.csv"] {
        assert!(a.join(f).exists(), "{f} missing");
    }
    let json: serde_json::Value = serde_json::from_slice(&read(&a)).unwrap();
    for key in ["scenario", "seed", "caplab_version", "designs"] {
        assert!(json.get(key).is_some(), "results.json lacks {key}");
    }
    let d = &json["designs"][0];
    for key in [
        "name",
        "digest",
        "requests",
        "latency_ms",
        "failure_rate",
        "throughput_per_s",
        "endpoints",
    ] {
        assert!(d.get(key).is_some(), "design lacks {key}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn table_output_names_each_design_and_its_digest() {
    let dir = temp_dir("cli", "table");
    let file = dir.join("small.json");
    std::fs::write(&file, SMALL).unwrap();
    let o = caplab(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("o/results.json")).unwrap()).unwrap();
    for d in results["designs"].as_array().unwrap() {
        assert!(text.contains(d["name"].as_str().unwrap()));
        assert!(
            text.contains(d["digest"].as_str().unwrap()),
            "digest not printed"
        );
    }
    assert!(!text.contains('\x1b'), "colour despite NO_COLOR");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_scenarios_exit_2_with_file_position_and_path() {
    let dir = temp_dir("cli", "bad");
    let file = dir.join("bad.json");
    let bad = SMALL.replace(
        r#""workers": 4, "handlers": {"get""#,
        r#""workers": 4, "wokers": 1, "handlers": {"get""#,
    );
    std::fs::write(&file, bad).unwrap();
    let o = caplab(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json:"), "{err}");
    assert!(err.contains("designs[0].services.api"), "{err}");
    assert!(err.contains("wokers"), "{err}");

    let dangling = SMALL.replace(r#""service": "db""#, r#""service": "dbx""#);
    std::fs::write(&file, dangling).unwrap();
    let o = caplab(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("designs[1].services.api.handlers.get[0]"),
        "{err}"
    );
    assert!(
        !dir.join("o").exists(),
        "a bad scenario must not produce results"
    );

    let o = caplab(&["validate", dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_design_is_an_input_error() {
    let dir = temp_dir("cli", "design");
    let file = dir.join("small.json");
    std::fs::write(&file, SMALL).unwrap();
    let o = caplab(&["run", file.to_str().unwrap(), "--design", "three"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("one, two"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schema_is_json_and_list_shows_the_bundled_scenarios() {
    let o = caplab(&["schema"]);
    assert!(o.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).expect("schema is JSON");
    assert!(schema["properties"]["designs"].is_object());
    let committed = std::fs::read_to_string("caplab.schema.json").expect("caplab.schema.json");
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(
        schema, committed,
        "caplab.schema.json is stale: run `caplab schema > caplab.schema.json`"
    );
    let o = caplab(&["list", "--dir", "scenarios"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for f in [
        "pool-exhaustion.json",
        "inventory-sync-vs-async.json",
        "saas-fanout.json",
    ] {
        assert!(text.contains(f), "{text}");
    }
}

/// `caplab` run from a directory with no `scenarios/` in it.
fn caplab_elsewhere(args: &[&str]) -> Output {
    let dir = temp_dir("cli", "elsewhere");
    let o = Command::new(env!("CARGO_BIN_EXE_caplab"))
        .args(args)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .output()
        .expect("caplab runs");
    let _ = std::fs::remove_dir_all(&dir);
    o
}

#[test]
fn list_and_run_by_name_work_from_any_directory() {
    let o = caplab_elsewhere(&["list"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for name in ["cap-partition ", "event-pipeline ", "when-to-distribute "] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("designs: cp, ap, ap-siblings"), "{text}");
    // Run by name gives the digests of the file in the repository.
    let by_name = caplab_elsewhere(&["run", "pool-exhaustion", "--json", "--out", "/dev/null/x"]);
    let by_file = caplab(&[
        "run",
        "scenarios/pool-exhaustion.json",
        "--json",
        "--out",
        temp_dir("cli", "by-file").to_str().unwrap(),
    ]);
    assert!(by_file.status.success());
    // --out under /dev/null cannot be written: the failure is named, the exit code 1.
    assert_eq!(by_name.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&by_name.stderr).contains("cannot write results"));
    let dir = temp_dir("cli", "by-name");
    let by_name = caplab_elsewhere(&[
        "run",
        "pool-exhaustion.json",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        by_name.status.success(),
        "{}",
        String::from_utf8_lossy(&by_name.stderr)
    );
    assert_eq!(by_name.stdout, by_file.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    // A directory named like a bundled scenario (an output directory, say) does not hide it.
    let here = temp_dir("cli", "dir-named-like-a-scenario");
    std::fs::create_dir_all(here.join("chaos")).expect("mkdir");
    let o = Command::new(env!("CARGO_BIN_EXE_caplab"))
        .args(["validate", "chaos"])
        .current_dir(&here)
        .output()
        .expect("caplab runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&here);
    // An unknown name lists the bundled ones.
    let o = caplab_elsewhere(&["validate", "no-such-scenario"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cap-partition, chaos"));
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_one_line_and_exit_1() {
    use std::io::Read;
    use std::process::Stdio;
    for args in [&["schema"][..], &["list"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_caplab"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("caplab runs");
        // Read one byte, then close the pipe, as `head -c1` does.
        let mut stdout = child.stdout.take().expect("piped");
        let mut byte = [0u8; 1];
        stdout.read_exact(&mut byte).expect("one byte");
        drop(stdout);
        let o = child.wait_with_output().expect("caplab ends");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    if std::path::Path::new("/dev/full").exists() {
        for args in [&["schema"][..], &["list"][..]] {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let o = Command::new(env!("CARGO_BIN_EXE_caplab"))
                .args(args)
                .stdout(full)
                .output()
                .expect("caplab runs");
            assert_eq!(o.status.code(), Some(1), "{args:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains("No space left"), "{err}");
        }
    }
}

#[test]
fn check_determinism_reports_identical_twin_runs_with_the_digest_of_the_run() {
    let dir = temp_dir("cli", "twin");
    let file = dir.join("small.json");
    std::fs::write(&file, SMALL).unwrap();
    let o = caplab(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
        "--check-determinism",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("o/results.json")).unwrap()).unwrap();
    for d in results["designs"].as_array().unwrap() {
        let line = format!(
            "twin run {}: identical (digest {}",
            d["name"].as_str().unwrap(),
            d["digest"].as_str().unwrap()
        );
        assert!(text.contains(&line), "missing {line:?} in {text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trace_prints_the_failed_request_path_and_writes_both_exports() {
    let dir = temp_dir("cli", "trace");
    let (chrome, otlp) = (dir.join("c.json"), dir.join("o.json"));
    let out = caplab(&[
        "trace",
        "scenarios/silent-failure.json",
        "--design",
        "timeouts-and-tracing",
        "--failed",
        "1",
        "--chrome",
        chrome.to_str().expect("utf-8"),
        "--otlp",
        otlp.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("root cause: C.lookup: exception (span"),
        "{text}"
    );
    for hop in [
        "A.page",
        "→ B.get",
        "B.get",
        "→ C.lookup",
        "C.lookup",
        "swallowed error",
    ] {
        assert!(text.contains(hop), "{hop} missing:\n{text}");
    }
    for f in [&chrome, &otlp] {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("written")).expect("JSON");
        assert!(v.get("traceEvents").or(v.get("resourceSpans")).is_some());
    }
    // Bad input: no such design, or no request chosen.
    let bad = caplab(&[
        "trace",
        "scenarios/silent-failure.json",
        "--design",
        "x",
        "--failed",
        "1",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no such design"));
    let none = caplab(&["trace", "scenarios/silent-failure.json"]);
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn run_writes_traces_beside_results_when_the_scenario_traces() {
    let dir = temp_dir("cli", "run-traces");
    let out = caplab(&[
        "run",
        "scenarios/silent-failure.json",
        "--quiet",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for d in ["no-timeouts", "timeouts-and-tracing"] {
        for kind in ["otlp", "chrome"] {
            assert!(
                dir.join(format!("traces-{d}.{kind}.json")).is_file(),
                "{d} {kind}"
            );
        }
    }
    let results = std::fs::read_to_string(dir.join("results.json")).expect("results");
    assert!(results.contains("\"root_causes\"") && results.contains("swallowed_errors"));
}

#[test]
fn run_step_prints_the_events_of_a_window_and_the_digest_of_the_plain_run() {
    let dir = temp_dir("cli", "step");
    let file = dir.join("small.json");
    std::fs::write(&file, SMALL).unwrap();
    let f = file.to_str().unwrap();
    let plain = caplab(&["run", f, "--out", dir.join("o").to_str().unwrap(), "-q"]);
    assert!(plain.status.success());
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("o/results.json")).unwrap()).unwrap();
    let two = &results["designs"][1];
    assert_eq!(two["name"], "two");
    let o = caplab(&[
        "run", f, "--step", "--design", "two", "--from-s", "2", "--to-s", "2.01",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let summary = format!(
        "design two: {} events, stop {}, digest {}",
        two["events"],
        two["stop"].as_str().unwrap(),
        two["digest"].as_str().unwrap()
    );
    assert!(text.contains(&summary), "{summary} not in\n{text}");
    assert!(!text.contains("design one"), "only the design asked for");
    // The crash of api#0 at 2 s, then only events of the window.
    assert!(text.contains("2.000000000s engine     crash"), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert!(lines.len() > 5);
    for l in lines {
        let secs: f64 = l
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_end_matches('s')
            .parse()
            .unwrap();
        assert!((2.0..=2.01).contains(&secs), "{l}");
    }
    assert!(!dir.join("out").exists(), "--step writes no files");
    // A bad window, or a flag single-step mode does not take: exit 2.
    let bad = caplab(&["run", f, "--step", "--from-s", "3", "--to-s", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from-s (3) is after --to-s (1)"));
    let bad = caplab(&["run", f, "--step", "--replications", "3"]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `caplab ARGS` under a pseudo-terminal (`script`), so standard error is a terminal;
/// `None` where `script` is missing.
fn caplab_on_a_terminal(args: &str, env: &[(&str, &str)]) -> Option<String> {
    let bin = env!("CARGO_BIN_EXE_caplab");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .env_remove("CI")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().ok()?;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn a_run_shows_its_progress_on_a_terminal_only() {
    let dir = temp_dir("cli", "progress");
    let out = dir.join("o");
    let args = format!("run inventory-sync-vs-async --out {}", out.display());
    let Some(shown) = caplab_on_a_terminal(&args, &[]) else {
        return; // no `script` here: nothing to drive a terminal with
    };
    // Simulated time done over the total (60 s), events per second, the time left.
    assert!(shown.contains("/130.0 s simulated · "), "{shown}");
    assert!(
        shown.contains(" events/s") && shown.contains("ETA "),
        "{shown}"
    );
    let quiet = caplab_on_a_terminal(&format!("{args} --quiet"), &[]).unwrap_or_default();
    assert!(!quiet.contains("s simulated · "), "{quiet}");
    let ci = caplab_on_a_terminal(&args, &[("CI", "1")]).unwrap_or_default();
    assert!(!ci.contains("s simulated · "), "{ci}");
    // Not a terminal: nothing on standard error but what is asked.
    let o = Command::new(env!("CARGO_BIN_EXE_caplab"))
        .args(["run", "inventory-sync-vs-async", "--out"])
        .arg(&out)
        .env_remove("CI")
        .output()
        .expect("caplab runs");
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
