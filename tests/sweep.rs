//! Sweeps, shards and merges, resumed sweeps, assertions (`caplab check`, JUnit) and golden
//! results (`--expect`, `--bless`), and the S9 sweep.

use crate::support::{caplab, s, temp_dir};
use std::path::{Path, PathBuf};
use std::process::Output;

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Two designs of a small service; a log sweep of the arrival rate over 4 points.
const TINY: &str = r#"{
  "version": 1,
  "name": "tiny",
  "description": "A tiny sweep.",
  "seed": 3,
  "duration_s": 3,
  "warmup_s": 1,
  "workload": {
    "arrivals": {"poisson": {"rate_per_s": 100}},
    "classes": [{"endpoint": "get", "timeout_ms": 200}]
  },
  "designs": [
    {"name": "one", "entry": "api", "cost": {"per_node_month_usd": 50},
     "services": {"api": {"instances": 1, "workers": 2, "queue_capacity": 20,
       "handlers": {"get": [{"compute": {"ms": {"exponential": {"mean": 5}}}}]}}}},
    {"name": "two", "entry": "api", "cost": {"per_node_month_usd": 50},
     "services": {"api": {"instances": 2, "workers": 2, "queue_capacity": 20,
       "handlers": {"get": [{"compute": {"ms": {"exponential": {"mean": 5}}}}]}}}}
  ],
  "sweep": {"parameters": [{"name": "rate", "path": "workload.arrivals.poisson.rate_per_s",
    "range": {"from": 50, "to": 800, "steps": 4, "scale": "log"}}], "replications": 2},
  "assertions": [{"expect": "failure_rate <= 1%"}]
}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, text).expect("write");
    f
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn same_tree(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb), "different files");
    for ((name, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(
            x == y,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn grid_points_are_crossed_rounded_to_integer_fields_and_applied() {
    let text = TINY.replace(
        r#""sweep": {"parameters": [{"name": "rate", "path": "workload.arrivals.poisson.rate_per_s",
    "range": {"from": 50, "to": 800, "steps": 4, "scale": "log"}}], "replications": 2}"#,
        r#""sweep": {"parameters": [
      {"path": "designs[*].services.api.workers", "range": {"from": 1, "to": 4, "steps": 3}},
      {"name": "rate", "path": "workload.arrivals.poisson.rate_per_s", "values": [10, 20.5]}]}"#,
    );
    let scenario = models::load::load_str("t.json", &text).expect("valid");
    let sweep = scenario.sweep.clone().unwrap();
    assert_eq!(sweep.point_count(), 6);
    let base = models::sweep::base_value(&scenario).unwrap();
    // Point 3: workers 2.5 → 3 (an integer field), rate 20.5 stays a float.
    let p = models::sweep::apply(&base, &sweep, 3).unwrap();
    assert_eq!(p.values[0], ("workers".to_string(), serde_json::json!(3)));
    assert_eq!(p.values[1], ("rate".to_string(), serde_json::json!(20.5)));
    for d in &p.scenario.designs {
        assert_eq!(d.services["api"].workers, 3);
    }
    match p.scenario.workload.arrivals {
        models::scenario::Arrivals::Poisson { rate_per_s } => assert_eq!(rate_per_s, 20.5),
        ref other => panic!("{other:?}"),
    }
    assert!(p.scenario.sweep.is_none());
}

#[test]
fn a_bad_sweep_path_is_a_load_error_naming_the_path_and_its_position() {
    let text = TINY.replace("poisson.rate_per_s", "poisson.rate");
    let e = models::load::load_str("t.json", &text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sweep.parameters[0].path"), "{e}");
    assert!(e.contains("has no field `rate`"), "{e}");
    assert!(e.starts_with("t.json:"), "{e}");
    // A value the scenario cannot take at some point names the point.
    let text = TINY
        .replace(r#""from": 50"#, r#""from": -5"#)
        .replace(r#""scale": "log""#, r#""scale": "linear""#);
    let e = models::load::load_str("t.json", &text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("at point 0 (rate = -5.0)"), "{e}");
}

#[test]
fn sweep_output_is_byte_identical_for_any_jobs_and_sharded_then_merged() {
    let dir = temp_dir("sweep", "jobs");
    let file = write(&dir, "tiny.json", TINY);
    let (a, b) = (dir.join("a"), dir.join("b"));
    ok(&caplab(&["sweep", s(&file), "--jobs", "1", "--out", s(&a)]));
    ok(&caplab(&[
        "sweep",
        s(&file),
        "--jobs",
        "2",
        "--out",
        s(&b),
        "-q",
    ]));
    same_tree(&a, &b);
    let csv = std::fs::read_to_string(a.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 2, "{csv}");
    assert!(csv.starts_with("point,rate,design,replications,failure_rate,failure_rate_ci95"));
    assert_eq!(
        std::fs::read_to_string(a.join("sweep.jsonl"))
            .unwrap()
            .lines()
            .count(),
        8
    );
    for f in [
        "sweep.json",
        "report.md",
        "index.html",
        "charts/sweep-latency-p99-ms.svg",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    // Shards 0/3, 1/3, 2/3 merged: the same files as the single run.
    let mut shards = Vec::new();
    for k in 0..3 {
        let d = dir.join(format!("shard{k}"));
        ok(&caplab(&[
            "sweep",
            s(&file),
            "--shard",
            &format!("{k}/3"),
            "--out",
            s(&d),
            "-q",
        ]));
        shards.push(d);
    }
    let rows = std::fs::read_to_string(shards[1].join("sweep.jsonl")).unwrap();
    assert_eq!(
        rows.lines().count(),
        2,
        "shard 1/3 of 4 points runs point 1: {rows}"
    );
    let merged = dir.join("merged");
    let mut args = vec!["merge", s(&merged)];
    args.extend(shards.iter().map(|d| s(d)));
    ok(&caplab(&args));
    same_tree(&a, &merged);
    // A missing shard is an error.
    let o = caplab(&["merge", s(&dir.join("m2")), s(&shards[0]), s(&shards[1])]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rows missing"));
    let o = caplab(&["sweep", s(&file), "--shard", "3/3"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn resume_keeps_finished_rows_and_runs_only_the_others() {
    let dir = temp_dir("sweep", "resume");
    let file = write(&dir, "tiny.json", TINY);
    let full = dir.join("full");
    ok(&caplab(&["sweep", s(&file), "--out", s(&full), "-q"]));
    // An interrupted run: the metadata and 3 rows, one marked so that a rerun would show;
    // the last line cut short by a kill.
    let part = dir.join("part");
    std::fs::create_dir_all(&part).unwrap();
    std::fs::copy(full.join("sweep.json"), part.join("sweep.json")).unwrap();
    let lines: Vec<String> = std::fs::read_to_string(full.join("sweep.jsonl"))
        .unwrap()
        .lines()
        .map(|l| format!("{l}\n"))
        .collect();
    let marked = lines[2].replace("\"digest\":\"", "\"digest\":\"kept-");
    let journal = format!("{}{}{}{}", lines[5], lines[0], marked, &lines[3][..20]);
    std::fs::write(part.join("sweep.jsonl"), journal).unwrap();
    ok(&caplab(&[
        "sweep",
        s(&file),
        "--out",
        s(&part),
        "--resume",
        "-q",
    ]));
    let rows = std::fs::read_to_string(part.join("sweep.jsonl")).unwrap();
    assert_eq!(rows.lines().count(), 8);
    assert!(
        rows.contains("\"digest\":\"kept-"),
        "the kept row was run again"
    );
    let expected: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i == 2 { marked.clone() } else { l.clone() })
        .collect();
    assert_eq!(rows, expected);
    // Without --resume the directory starts over.
    ok(&caplab(&["sweep", s(&file), "--out", s(&part), "-q"]));
    same_tree(&full, &part);
    // Resuming another sweep's directory is refused.
    let other = write(
        &dir,
        "other.json",
        &TINY.replace(r#""seed": 3"#, r#""seed": 4"#),
    );
    let o = caplab(&["sweep", s(&other), "--out", s(&part), "--resume", "-q"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_exits_1_on_a_violation_with_the_value_bound_and_seed_and_writes_junit() {
    let dir = temp_dir("sweep", "check");
    let passing = write(
        &dir,
        "pass.json",
        &TINY.replace(
            r#""assertions": [{"expect": "failure_rate <= 1%"}]"#,
            r#""assertions": [{"expect": "failure_rate <= 1%"},
               {"expect": "p99_latency_ms < 500", "confidence": 0.95, "replications": 3},
               {"expect": "cost_month_usd == 50", "design": "one"}]"#,
        ),
    );
    let junit = dir.join("pass.xml");
    let o = caplab(&["check", s(&passing), "--junit", s(&junit)]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("5 assertions checked, 0 failed"), "{out}");
    assert!(out.contains("(95% CI, 3 replications)"), "{out}");
    let failing = write(
        &dir,
        "fail.json",
        &TINY.replace(
            r#""assertions": [{"expect": "failure_rate <= 1%"}]"#,
            r#""assertions": [{"expect": "p99_latency_ms < 1"}, {"expect": "requests.ok > 0"}]"#,
        ),
    );
    let junit = dir.join("fail.xml");
    let o = caplab(&["check", s(&failing), s(&passing), "--junit", s(&junit)]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    let fail = out
        .lines()
        .find(|l| l.starts_with("FAIL") && l.contains("design one"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(fail.contains("p99_latency_ms < 1: measured "), "{fail}");
    assert!(fail.contains("bound < 1"), "{fail}");
    assert!(
        fail.contains("replay: caplab run ") && fail.contains("--seed 3"),
        "{fail}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"caplab check\" tests=\"9\" failures=\"2\" errors=\"0\">"), "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 2);
    assert_eq!(xml.matches("<testcase ").count(), 9);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert!(xml.contains("name=\"p99_latency_ms &lt; 1\""), "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"));
    // An unknown metric is a load-time error with its path.
    let bad = write(
        &dir,
        "bad.json",
        &TINY.replace("failure_rate <= 1%", "p98_latency_ms < 3"),
    );
    let o = caplab(&["check", s(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("assertions[0].expect") && err.contains("p98_latency_ms"),
        "{err}"
    );
}

#[test]
fn expect_fails_on_a_changed_metric_and_bless_updates_the_golden_file() {
    let dir = temp_dir("sweep", "golden");
    let file = write(&dir, "tiny.json", TINY);
    let golden = dir.join("golden").join("results.json");
    let out = dir.join("out");
    let run = |extra: &[&str], f: &Path| {
        let mut args = vec!["run", s(f), "--out", s(&out), "-q", "--expect", s(&golden)];
        args.extend(extra);
        caplab(&args)
    };
    // No golden file yet: bad input (exit 2), said in one line, found before running.
    let o = run(&[], &file);
    assert_eq!(o.status.code(), Some(2), "no golden file yet");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot read the golden results") && err.contains("--bless"),
        "{err}"
    );
    assert!(!out.join("results.json").exists(), "nothing ran");
    // A corrupt golden file too, located.
    std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
    std::fs::write(&golden, "{\"scenario\": 3}").unwrap();
    let o = run(&[], &file);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("results.json:1:") && err.contains("invalid results file"),
        "{err}"
    );
    ok(&run(&["--bless"], &file));
    ok(&run(&[], &file));
    // A design change: more work per request.
    let slower = write(
        &dir,
        "slower.json",
        &TINY.replacen(r#""mean": 5"#, r#""mean": 6"#, 1),
    );
    let report = dir.join("report");
    let o = run(&["--report", s(&report)], &slower);
    assert_eq!(o.status.code(), Some(1));
    // The run that failed its golden check still wrote its results and report, for CI
    // to keep and compare.
    let written = std::fs::read_to_string(out.join("results.json")).unwrap();
    let golden_text = std::fs::read_to_string(&golden).unwrap();
    assert_ne!(written, golden_text, "the new results, not the golden ones");
    assert!(report.join("index.html").is_file());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("designs[one].digest:"), "{err}");
    assert!(err.contains("designs[one].latency_ms.mean:"), "{err}");
    assert!(
        !err.contains("designs[two].digest"),
        "design two did not change: {err}"
    );
    assert!(err.contains("--bless"), "{err}");
    ok(&run(&["--bless"], &slower));
    ok(&run(&[], &slower));
}

#[test]
fn s9_sweep_names_its_crossover_points() {
    let text = std::fs::read_to_string("scenarios/when-to-distribute.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // A reduced grid: 100 and 10,000 users, one replication.
    v["sweep"]["parameters"][0]["range"] =
        serde_json::json!({"from": 100, "to": 10000, "steps": 2, "scale": "log"});
    v["sweep"]["replications"] = serde_json::json!(1);
    let dir = temp_dir("sweep", "s9");
    let file = write(&dir, "s9.json", &v.to_string());
    let out = dir.join("out");
    let o = caplab(&["sweep", s(&file), "--out", s(&out)]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("monolith ($80/month) meets every objective up to 100 users"),
        "{text}"
    );
    assert!(text.contains("Crossover points"), "{text}");
    assert!(text.contains("10,000 users (monolith → "), "{text}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("10,000 users (monolith → "), "{report}");
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert!(
        csv.contains(",100,monolith,1,") && csv.contains(",80,true,"),
        "{csv}"
    );
    assert!(out.join("charts/sweep-cost-month-usd.svg").is_file());
}
