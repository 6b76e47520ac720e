//! Hostile but valid scenarios (issue #17): every file is either refused by `validate` with
//! a located error naming the limit, or runs in memory proportional to its declared limits
//! and stops at its run limits. Each repro of the issue is a test here; the ones that
//! exhausted memory run the CLI in a child process under an address-space cap (`ulimit -v`)
//! and a wall-time guard (`timeout`), so a regression fails fast instead of thrashing the
//! machine. The fuzz-style property at the end mutates the bundled scenarios and holds the
//! same promise for every mutant, and checks that `validate` and `caplab.schema.json` agree
//! on every mutant `validate` accepts.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Address-space cap of a child run, in kilobytes (1 GB: far below what the repros took).
const CAP_KB: u64 = 1_000_000;

/// What a capped child run of `caplab` gave: exit code (128 + signal when killed), and its
/// output.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `caplab ARGS` under `ulimit -v cap_kb` and `timeout seconds`.
fn capped(args: &[&str], cap_kb: u64, seconds: u64) -> Ran {
    let mut script = format!("ulimit -v {cap_kb}; exec timeout -s KILL {seconds} \"$0\"");
    for i in 0..args.len() {
        script.push_str(&format!(" \"${}\"", i + 1));
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_caplab"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .output()
        .expect("sh runs");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caplab-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_string_pretty(v).expect("json")).expect("write");
    file.to_str().expect("utf-8 path").to_string()
}

fn bundled(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("bundled")).expect("json")
}

/// A small valid scenario: a front service calling a back one.
fn small() -> Value {
    json!({
        "version": 1,
        "name": "small",
        "description": "",
        "seed": 1,
        "duration_s": 1.0,
        "workload": {
            "arrivals": {"poisson": {"rate_per_s": 50.0}},
            "classes": [{"endpoint": "get"}]
        },
        "designs": [{
            "name": "d",
            "entry": "front",
            "services": {
                "front": {"instances": 2, "workers": 2, "handlers": {"get": [
                    {"call": {"service": "back", "endpoint": "q", "timeout_ms": 100.0}}
                ]}},
                "back": {"instances": 2, "workers": 2, "handlers": {"q": [
                    {"compute": {"ms": {"constant": {"value": 1.0}}}}
                ]}}
            }
        }]
    })
}

/// `caplab validate` on `v` must refuse it (exit 2) with one line naming `path` at a
/// line:column and containing every piece of `says`; quickly and in little memory.
fn refused(name: &str, v: &Value, path: &str, says: &[&str]) {
    let dir = temp_dir(name);
    let file = write(&dir, "s.json", v);
    let r = capped(&["validate", &file], 300_000, 60);
    assert_eq!(
        r.code, 2,
        "{name}: expected a refusal\n{}{}",
        r.stdout, r.stderr
    );
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains(&format!(": {path}: ")))
        .unwrap_or_else(|| panic!("{name}: no problem at {path}:\n{}", r.stderr));
    let located = line
        .strip_prefix(file.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.split(':').next())
        .is_some_and(|l| l.parse::<usize>().is_ok());
    assert!(located, "{name}: not located: {line}");
    for s in says {
        assert!(line.contains(s), "{name}: `{s}` missing from: {line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sweep `range.steps` at its type's maximum: refused at the field, naming the limit, with
/// no range expanded. Before: 4,294,967,295 values were materialised (34 GB) before the
/// 100,000-point cap was looked at: an abort under this cap.
#[test]
fn a_sweep_range_of_four_billion_steps_is_refused_before_it_is_expanded() {
    let mut v = bundled("when-to-distribute");
    v["sweep"]["parameters"][0]["range"]["steps"] = json!(4_294_967_295_u64);
    refused(
        "steps",
        &v,
        "sweep.parameters[0].range.steps",
        &["4294967295 steps", "100000 points"],
    );
}

/// Validating a sweep is linear in its points. Before, each point expanded every range
/// again (quadratic: 10,000 steps took 21 s in a release build, so 20,000 would take 80 s);
/// now 20,000 points take about 2 s in a debug build.
#[test]
fn sweep_validation_is_linear_in_steps() {
    let mut v = bundled("when-to-distribute");
    v["sweep"]["parameters"][0]["range"]["steps"] = json!(20_000);
    let dir = temp_dir("linear");
    let file = write(&dir, "s.json", &v);
    let r = capped(&["validate", &file], CAP_KB, 40);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// 100,000 instances per service (and `cost`, which walks every node) are refused by the
/// node limit. Before: accepted; the run took 8 GB in 5 s (every instance kept a balancer
/// list over every instance), and with `cost`, `validate` itself ran out of memory.
#[test]
fn too_many_instances_are_refused_by_the_node_limit() {
    let mut v = small();
    v["designs"][0]["services"]["front"]["instances"] = json!(100_000);
    v["designs"][0]["services"]["back"]["instances"] = json!(4_000_000_000_u64);
    v["designs"][0]["cost"] = json!({"per_node_month_usd": 10.0});
    refused(
        "instances",
        &v,
        "designs[0]",
        &["4000100001 nodes", "limit of 50000 nodes"],
    );
}

/// Instances at the scale the limit allows run in memory linear in them: 20,000 front
/// instances calling 20,000 back instances. Before: each front instance allocated a
/// balancer table over every instance of every service (20,000 × 40,000 counters, 3.2 GB),
/// past this 1 GB cap.
#[test]
fn many_instances_calling_many_instances_run_in_linear_memory() {
    let mut v = small();
    v["duration_s"] = json!(0.2);
    v["designs"][0]["services"]["front"]["instances"] = json!(20_000);
    v["designs"][0]["services"]["back"]["instances"] = json!(20_000);
    v["designs"][0]["services"]["back"]["balancer"] = json!("least_outstanding");
    let dir = temp_dir("instances");
    let file = write(&dir, "s.json", &v);
    let out = dir.join("out");
    let r = capped(
        &["run", &file, "--json", "--out", out.to_str().unwrap()],
        CAP_KB,
        120,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let results: Value = serde_json::from_str(&r.stdout).expect("results");
    assert!(
        results["designs"][0]["requests"]["ok"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Counts allocated at the start: consumer loops, Zipf keys, closed-loop users,
/// reliability replications. Each is refused at its field, naming its limit. Before: 86 GB
/// of loops, a 34 GB key table, a timer per user, every replication's timeline kept.
#[test]
fn counts_allocated_up_front_are_capped() {
    let mut v = bundled("redis-worker-failover");
    v["designs"][0]["services"]["worker"]["consume"]["concurrency"] = json!(4_294_967_295_u64);
    refused(
        "concurrency",
        &v,
        "designs[0].services.worker.consume.concurrency",
        &["4294967295 consumer loops", "limit of 10000"],
    );

    let mut v = small();
    v["workload"]["classes"][0]["keys"] = json!({"count": 4_294_967_295_u64, "zipf": 1.1});
    refused(
        "zipf",
        &v,
        "workload.classes[0].keys.count",
        &["4294967295 Zipf-distributed keys", "limit of 10000000"],
    );

    let mut v = small();
    v["workload"]["arrivals"] =
        json!({"closed": {"users": 4_294_967_295_u64, "think_ms": {"constant": {"value": 1.0}}}});
    refused(
        "users",
        &v,
        "workload",
        &["4294967295 closed-loop users", "1000000"],
    );

    let mut v = bundled("logistics-migration");
    v["reliability"]["replications"] = json!(4_294_967_295_u64);
    refused(
        "replications",
        &v,
        "reliability.replications",
        &["4294967295 replications", "limit of 1000"],
    );
}

/// Uniform keys need no table: four billion of them are fine.
#[test]
fn uniform_keys_have_no_table_and_no_limit() {
    let mut v = small();
    v["workload"]["classes"][0]["keys"] = json!({"count": 4_294_967_295_u64});
    let dir = temp_dir("uniform");
    let file = write(&dir, "s.json", &v);
    let r = capped(&["validate", &file], 300_000, 30);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--replications 1000000` is refused at once. Before: 2.3 GB allocated up front.
#[test]
fn a_million_replications_on_the_command_line_are_refused() {
    let dir = temp_dir("cli-reps");
    let file = write(&dir, "s.json", &small());
    let r = capped(&["run", &file, "--replications", "1000000"], 300_000, 30);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("limit of 1000 replications"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A reliability state's run is bounded by `limits.max_windows` like any run. Before:
/// `state_warmup_s: 1e9` validated, then tried to allocate 48 GB of windows.
#[test]
fn reliability_state_runs_are_bounded_by_max_windows() {
    let mut v = bundled("logistics-migration");
    v["reliability"]["state_warmup_s"] = json!(1e9);
    refused(
        "state-windows",
        &v,
        "reliability.state_s",
        &["time-series windows", "limits.max_windows = 100000"],
    );
}

/// Log consumer groups are bounded (and loop indexes can no longer wrap past 65,535).
/// Before: 655,000 members ran past 60 s under `max_events`, each poll scanning every
/// member.
#[test]
fn a_consumer_group_of_655k_members_is_refused() {
    let mut v = bundled("event-pipeline");
    v["designs"][0]["services"]["processors"]["instances"] = json!(10);
    v["designs"][0]["services"]["processors"]["consume"]["concurrency"] = json!(65_536);
    refused(
        "group",
        &v,
        "designs[0].brokers.kafka.logs.events",
        &["655360 members", "limit of 1024 members"],
    );
}

/// A log has a capacity (declared, or 10,000,000 records by default): past it publishes
/// are rejected and counted. Before: no limit bounded a broker backlog; event-pipeline's
/// processors-1 at 5e6 events/s grew 1 GB per 20 s.
#[test]
fn a_full_log_rejects_publishes_and_counts_them() {
    let mut v = bundled("event-pipeline");
    v["duration_s"] = json!(0.5);
    v["warmup_s"] = json!(0.1);
    v["faults"] = json!([]);
    v["workload"]["arrivals"]["poisson"]["rate_per_s"] = json!(20_000.0);
    v["designs"][0]["brokers"]["kafka"]["logs"]["events"]["capacity"] = json!(500);
    let dir = temp_dir("log-capacity");
    let file = write(&dir, "s.json", &v);
    let out = dir.join("out");
    let r = capped(
        &[
            "run",
            &file,
            "--design",
            "processors-1",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ],
        CAP_KB,
        120,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let results: Value = serde_json::from_str(&r.stdout).expect("results");
    let d = &results["designs"][0];
    let rejected = d["requests"]["by_outcome"]["rejected"]
        .as_u64()
        .unwrap_or(0);
    assert!(rejected > 1_000, "{}", d["requests"]);
    assert!(
        d["causes"]["kafka: queue full"].as_u64().unwrap_or(0) > 1_000,
        "{}",
        d["causes"]
    );
    let m = &d["messages"];
    let held = m["queued"].as_u64().unwrap_or(u64::MAX);
    assert!(held <= 500, "{m}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The memory budget: a backlog growing without bound stops the run with `memory_limit`,
/// shown in results.json and on the terminal, at the same event on every machine.
#[test]
fn a_run_past_its_memory_budget_stops_with_memory_limit() {
    let mut v = bundled("event-pipeline");
    v["duration_s"] = json!(5.0);
    v["warmup_s"] = json!(0.1);
    v["faults"] = json!([]);
    v["limits"] = json!({"max_memory_mb": 2});
    let dir = temp_dir("memory");
    let file = write(&dir, "s.json", &v);
    let out = dir.join("out");
    let args = [
        "run",
        &file,
        "--design",
        "processors-1",
        "--out",
        out.to_str().unwrap(),
    ];
    let r = capped(&args, CAP_KB, 120);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("stop memory_limit"), "{}", r.stdout);
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let d = &results["designs"][0];
    assert_eq!(d["stop"], "memory_limit");
    let events = d["events"].as_u64().unwrap_or(0);
    assert!(
        events > 0 && events % 65_536 == 0,
        "checked every 65,536 events: {events}"
    );
    // Deterministic: the same event again.
    let again = capped(&args, CAP_KB, 120);
    assert_eq!(again.code, 0);
    let results2: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results2["designs"][0]["events"], d["events"]);
    assert_eq!(results2["designs"][0]["digest"], d["digest"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Default limits finish in reasonable time: at most 200,000,000 events (the largest
/// bundled design processes 43 M) and a 1 GB memory budget. Before: 2,000,000,000 events,
/// so a 1e8/s arrival rate ran for tens of minutes. A run at that rate stops at its event
/// budget and says so.
#[test]
fn default_limits_are_reasonable_and_a_flood_stops_at_its_event_budget() {
    let limits = models::scenario::Limits::default();
    assert_eq!(limits.max_events, 200_000_000);
    assert_eq!(limits.max_memory_mb, 1_024);
    let mut v = small();
    v["workload"]["arrivals"]["poisson"]["rate_per_s"] = json!(1e8);
    v["limits"] = json!({"max_events": 300_000});
    let dir = temp_dir("flood");
    let file = write(&dir, "s.json", &v);
    let out = dir.join("out");
    let r = capped(&["run", &file, "--out", out.to_str().unwrap()], CAP_KB, 60);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("stop event_budget"), "{}", r.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A newline in a user's name stays on the problem's line (escaped). Before: the error was
/// split over two lines.
#[test]
fn a_newline_in_a_name_does_not_split_an_error() {
    let mut v = small();
    v["designs"][0]["entry"] = json!("fr\nont\u{1b}[2J");
    let dir = temp_dir("newline");
    let file = write(&dir, "s.json", &v);
    let r = capped(&["validate", &file], 300_000, 30);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].contains(r"`fr\nont\u{1b}[2J` is not a service"),
        "{}",
        lines[0]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A duplicate field at the top level is located at its second occurrence, with its path.
/// Before: `1:1` and no path.
#[test]
fn a_duplicate_top_level_field_is_located() {
    let text = "{\n  \"version\": 1,\n  \"version\": 1,\n  \"name\": \"x\"\n}";
    let e = models::load::load_str("d.json", text).expect_err("duplicate");
    assert_eq!(e.problems.len(), 1);
    let p = &e.problems[0];
    assert_eq!((p.line, p.column), (Some(3), Some(3)), "{e}");
    assert_eq!(p.path, "version");
    assert!(p.message.contains("duplicate field `version`"), "{e}");
}

/// Arrays where objects belong, and `$schema: null`, are refused, as the schema says.
/// Before: serde took `[1e6, 100, 10]` as limits and `{"constant": [1]}` as a distribution.
#[test]
fn arrays_where_objects_belong_and_null_schema_are_refused() {
    let cases = [
        ("limits", json!([1_000_000, 100, 10]), "limits"),
        ("$schema", Value::Null, "$schema"),
    ];
    for (field, value, path) in cases {
        let mut v = small();
        v[field] = value;
        let e = models::load::load_str("a.json", &v.to_string()).expect_err(field);
        assert_eq!(e.problems[0].path, path, "{e}");
        assert!(e.problems[0].line.is_some(), "{e}");
    }
    let mut v = small();
    v["designs"][0]["services"]["back"]["handlers"]["q"][0]["compute"]["ms"] =
        json!({"constant": [1.0]});
    let e = models::load::load_str("a.json", &v.to_string()).expect_err("dist");
    let p = &e.problems[0];
    assert_eq!(
        p.path,
        "designs[0].services.back.handlers.q[0].compute.ms.constant"
    );
    assert!(p.message.contains("invalid type: sequence"), "{e}");
}

/// The chaos "too many faults" problem points at the kind that asks for them. Before: at
/// `chaos.kill` even without kills.
#[test]
fn too_many_chaos_faults_point_at_the_busiest_kind() {
    let mut v = bundled("chaos");
    v["chaos"]["kill"] = Value::Null;
    v["chaos"]["pause"] = json!({"rate_per_min": 1e7});
    refused(
        "chaos",
        &v,
        "chaos.pause.rate_per_min",
        &["faults per run, more than 10000"],
    );
}

/// A parallel step of 70,000 calls is refused: calls are numbered in 16 bits (the last
/// number marks a publish): before, it validated and the calls' numbers wrapped.
#[test]
fn a_parallel_step_numbered_past_16_bits_is_refused() {
    let mut v = small();
    let call = json!({"service": "back", "endpoint": "q", "timeout_ms": 100.0});
    v["designs"][0]["services"]["front"]["handlers"]["get"] =
        json!([{"parallel": {"calls": vec![call; 70_000]}}]);
    refused(
        "parallel",
        &v,
        "designs[0].services.front.handlers.get[0].parallel.calls",
        &["70000 calls in one parallel step", "limit of 1024"],
    );
}

/// A 100,000-character design name is refused by `validate`. Before: it validated, ran,
/// then failed writing `series-NAME.csv`.
#[test]
fn a_huge_design_name_is_refused() {
    let mut v = small();
    v["designs"][0]["name"] = json!("n".repeat(100_000));
    refused(
        "name",
        &v,
        "designs[0].name",
        &["100000 characters", "limit of 100"],
    );
}

/// `--resume` and `merge` refuse journal rows outside the grid. Before: a row for point
/// 999 of a 2-point sweep was taken in.
#[test]
fn journal_rows_outside_the_grid_are_refused() {
    let mut v = small();
    v["duration_s"] = json!(0.5);
    v["sweep"] = json!({"parameters": [{"path": "designs[0].services.front.workers",
                                        "values": [1, 2]}]});
    let dir = temp_dir("journal");
    let file = write(&dir, "s.json", &v);
    let out = dir.join("out");
    let out_s = out.to_str().unwrap();
    let r = capped(&["sweep", &file, "--quiet", "--out", out_s], CAP_KB, 120);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let journal = out.join("sweep.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut row: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    row["point"] = json!(999);
    std::fs::write(&journal, format!("{text}{row}\n")).unwrap();
    let r = capped(
        &["sweep", &file, "--quiet", "--resume", "--out", out_s],
        CAP_KB,
        120,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("point 999 is past the grid's 2 points"),
        "{}",
        r.stderr
    );
    let merged = dir.join("merged");
    let r = capped(&["merge", merged.to_str().unwrap(), out_s], CAP_KB, 60);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("point 999"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// Fuzz-style mutations of the bundled scenarios.

/// The bundled scenarios the mutations start from (the quick ones in a debug build).
const BASES: [&str; 6] = [
    "cap-partition",
    "redis-worker-failover",
    "when-to-distribute",
    "silent-failure",
    "chaos",
    "event-pipeline",
];

/// Every position of `v` (as a list of keys and indexes), in a fixed order.
fn positions(v: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(json!(k));
                positions(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(json!(i));
                positions(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match seg {
        Value::String(k) => &mut v[k.as_str()],
        Value::Number(i) => &mut v[i.as_u64().unwrap_or(0) as usize],
        _ => v,
    })
}

/// Applies mutation `kind` with `magnitude` at position `pick` of `v`.
fn mutate(v: &mut Value, pick: usize, kind: u8, magnitude: u8) {
    let mut all = Vec::new();
    positions(v, &mut Vec::new(), &mut all);
    let path = &all[pick % all.len()];
    let target = at_mut(v, path);
    *target = match (kind % 7, target.take()) {
        // Numbers scaled up to huge values (integers stay integers).
        (0, Value::Number(n)) => {
            let scale = 10f64.powi(i32::from(magnitude % 12) + 1);
            match n.as_u64() {
                Some(u) => json!(u.max(1).saturating_mul(scale as u64)),
                None => json!(n.as_f64().unwrap_or(1.0) * scale),
            }
        }
        (1, Value::Number(_)) => json!(4_294_967_295_u64),
        (2, Value::Number(_)) => json!(1e9),
        // An array where an object belongs.
        (3, Value::Object(m)) => Value::Array(m.into_iter().map(|(_, x)| x).collect()),
        // A value replaced by null.
        (4, _) => Value::Null,
        // A newline and a terminal escape in a string.
        (5, Value::String(s)) => json!(format!("{s}\n\u{1b}[31m")),
        // A map's first key renamed: what named it (a service, an endpoint, a pool, a
        // queue...) no longer resolves.
        (6, Value::Object(m)) => Value::Object(
            m.into_iter()
                .enumerate()
                .map(|(i, (k, x))| (if i == 0 { format!("{k}x") } else { k }, x))
                .collect(),
        ),
        (_, other) => other,
    };
}

/// Caps what a mutant may ask of the test machine (a mutant's own lower limits are kept):
/// at most 300,000 events and a 64 MB budget per design, so each run takes a second or two
/// in a debug build; the memory promise is then checked against that budget.
fn bounded(v: &mut Value) {
    if let Some(m) = v.as_object_mut() {
        let limits = m.entry("limits").or_insert_with(|| json!({}));
        if let Some(l) = limits.as_object_mut() {
            for (key, most) in [("max_events", 300_000_u64), ("max_memory_mb", 64)] {
                let keep = l.get(key).and_then(Value::as_u64).filter(|&x| x < most);
                l.insert(key.to_string(), json!(keep.unwrap_or(most)));
            }
        }
    }
}

/// Bundled scenario `BASES[base]` with `edits` (position, kind, magnitude) applied, capped
/// by [`bounded`].
fn mutant(base: usize, edits: &[(usize, u8, u8)]) -> Value {
    let mut v = bundled(BASES[base]);
    for &(pick, kind, magnitude) in edits {
        mutate(&mut v, pick, kind, magnitude);
    }
    bounded(&mut v);
    v
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Every mutant is refused by `validate` with located problems, or is accepted by the
    /// compiler and the checked-in schema too and runs (first design only) in a child process under a
    /// 1 GB address-space cap and a 2-minute guard, ending with exit 0, 1 or 2: no panic
    /// (101), no abort (134), no kill.
    #[test]
    fn mutated_scenarios_are_refused_or_run_within_their_limits(
        base in 0..BASES.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let v = mutant(base, &edits);
        let text = serde_json::to_string_pretty(&v).expect("json");
        let dir = temp_dir(&format!("fuzz-{base}"));
        let file = dir.join("mutant.json");
        std::fs::write(&file, &text).expect("write");
        let file_s = file.to_str().expect("utf-8");
        let checked = capped(&["validate", file_s], CAP_KB, 120);
        prop_assert!(
            checked.code == 0 || checked.code == 2,
            "validate exit {}: {}", checked.code, checked.stderr
        );
        if checked.code == 2 {
            // Every problem located: `file:line:column: ...` on its own line.
            for line in checked.stderr.lines() {
                let rest = line.strip_prefix(file_s).unwrap_or("");
                prop_assert!(
                    rest.starts_with(':') && rest[1..].split(':').next()
                        .is_some_and(|l| l.parse::<usize>().is_ok()),
                    "not located: {}", line
                );
            }
        } else {
            prop_assert!(models::load::load_str("m", &text).is_ok());
            let errors = schema_errors(&v);
            prop_assert!(errors.is_empty(), "validate accepts, the schema does not: {:?}", errors);
            let design = v["designs"][0]["name"].as_str().unwrap_or("").to_string();
            let out = dir.join("out");
            let r = capped(
                &["run", file_s, "--design", &design, "--quiet", "--out", out.to_str().unwrap()],
                CAP_KB,
                120,
            );
            prop_assert!(
                matches!(r.code, 0..=2),
                "run exit {} (101: panic, 134: abort, 137: killed):\n{}", r.code, r.stderr
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// In process, many more mutants: checking never panics, and a refused mutant's every
    /// problem has a line and column in its text (names that do not resolve are found by
    /// compiling, with paths like validation's).
    #[test]
    fn every_refusal_is_located(
        base in 0..BASES.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let v = mutant(base, &edits);
        let text = serde_json::to_string_pretty(&v).expect("json");
        if let Err(e) = models::load::load_str("mutant.json", &text) {
            prop_assert!(!e.problems.is_empty());
            for p in &e.problems {
                prop_assert!(p.line.is_some() && p.column.is_some(), "unlocated: {p:?}");
            }
        }
    }
}

/// `a.b[0].c` for a position of [`positions`].
fn path_of(position: &[Value]) -> String {
    let mut out = String::new();
    for seg in position {
        match seg {
            Value::Number(i) => out.push_str(&format!("[{i}]")),
            Value::String(k) if out.is_empty() => out.push_str(k),
            Value::String(k) => out.push_str(&format!(".{k}")),
            _ => {}
        }
    }
    out
}

/// Whether `message` quotes `name` as what is wrong: before the parenthesis that lists what
/// would have been valid.
fn quotes(message: &str, name: &str) -> bool {
    let said = message.split(" (").next().unwrap_or_default();
    said.contains(&format!("`{name}`"))
}

/// Every name of every bundled scenario broken in turn, one at a time, and what the check
/// says: a string value changed is refused at that string (its path, or a path inside it)
/// or, if it was a name, with a problem that quotes it where it was used, or accepted (a
/// free-text field); a map's first key renamed is refused with a problem that
/// quotes the old name wherever it was referred to (a service, endpoint, pool, queue, fault
/// target... that no longer resolves) or at the renamed key itself (a key that refers to a
/// node, as in a cost table), or accepted (nothing referred to it).
#[test]
fn a_broken_name_is_reported_where_it_is_written() {
    let (mut at_string, mut by_name) = (0, 0);
    for b in models::bundled::ALL {
        let v = bundled(b.name);
        let mut all = Vec::new();
        positions(&v, &mut Vec::new(), &mut all);
        for (pick, position) in all.iter().enumerate() {
            for kind in [5, 6] {
                let mut m = v.clone();
                mutate(&mut m, pick, kind, 0);
                if m == v {
                    continue;
                }
                let Ok(s) = serde_json::from_value::<models::scenario::Scenario>(m) else {
                    continue;
                };
                let Err(refused) = models::plan::Checked::new(s) else {
                    continue;
                };
                let problems = &refused.problems;
                if kind == 5 {
                    // A reference is refused at itself; a name (a design's) where it is used.
                    let path = path_of(position);
                    let old = at_mut(&mut v.clone(), position)
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    assert!(
                        problems.iter().any(|p| p.path == path
                            || p.path.starts_with(&format!("{path}."))
                            || p.path.starts_with(&format!("{path}["))
                            || quotes(&p.message, &old)),
                        "{}: the string at {path} changed, refused elsewhere: {refused}",
                        b.name
                    );
                    at_string += 1;
                } else {
                    let old = at_mut(&mut v.clone(), position)
                        .as_object()
                        .and_then(|o| o.keys().next().cloned())
                        .unwrap_or_default();
                    // A key that names something is refused where it is used; a key that
                    // refers to something (a cost per node) is refused at itself.
                    let renamed = format!("{}.{old}x", path_of(position));
                    assert!(
                        problems.iter().any(|p| quotes(&p.message, &old)
                            || p.path == renamed
                            || p.path.starts_with(&format!("{renamed}."))),
                        "{}: `{old}` renamed at {}, no problem names it: {refused}",
                        b.name,
                        path_of(position)
                    );
                    by_name += 1;
                }
            }
        }
    }
    assert!(
        at_string > 50 && by_name > 50,
        "only {at_string} changed strings and {by_name} renamed keys refused: the mutations \
         miss the names"
    );
}

/// The unmutated bundled scenarios satisfy the checked-in schema, and the subset
/// validator below does reject what it should (so the agreement above can fail).
#[test]
fn the_schema_check_accepts_the_bundled_scenarios_and_rejects_bad_shapes() {
    for name in BASES {
        let errors = schema_errors(&bundled(name));
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    let mut v = small();
    v["limits"] = json!([1, 2, 3]);
    v["$schema"] = Value::Null;
    v["designs"][0]["services"]["front"]["instances"] = json!(1.5);
    v["designs"][0]["services"]["back"]["handlers"]["q"][0] =
        json!({"compute": {"ms": {"constant": [1]}}});
    let errors = schema_errors(&v);
    for want in [
        "/limits",
        "/$schema",
        "/designs/0/services/front/instances",
        "/designs/0/services/back/handlers/q/0",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(want)),
            "{want}: {errors:?}"
        );
    }
}

/// The problems of `v` against the checked-in `caplab.schema.json`, by JSON pointer.
fn schema_errors(v: &Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("caplab.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    let mut errors = Vec::new();
    check(&schema, &schema, v, "", &mut errors);
    errors
}

/// A small validator of the JSON Schema keywords `caplab.schema.json` uses (`$ref` into
/// `$defs`, `type`, `const`, `enum`, numeric and length bounds, `properties`, `required`,
/// `additionalProperties`, `minProperties`, `items`, `prefixItems`, `minItems`, `oneOf`,
/// `anyOf`, `allOf`). An `integer` is a JSON number without a fraction or exponent, as
/// serde reads it.
fn check(root: &Value, s: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(s) = s.as_object() else {
        if s == &Value::Bool(false) {
            errors.push(format!("{at}: not allowed"));
        }
        return;
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        check(root, &root["$defs"][name], v, at, errors);
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(x) => vec![x.as_str()],
            Value::Array(xs) => xs.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            "number" => v.is_number(),
            "integer" => v.is_u64() || v.is_i64(),
            _ => false,
        });
        fail_if(errors, at, !ok, &format!("not of type {t}"));
        if !ok {
            return;
        }
    }
    if let Some(c) = s.get("const") {
        fail_if(errors, at, c != v, &format!("not {c}"));
    }
    if let Some(Value::Array(options)) = s.get("enum") {
        fail_if(errors, at, !options.contains(v), "not one of the enum");
    }
    if let Some(x) = v.as_f64() {
        let bound = |k: &str| s.get(k).and_then(Value::as_f64);
        fail_if(
            errors,
            at,
            bound("minimum").is_some_and(|m| x < m),
            "below minimum",
        );
        fail_if(
            errors,
            at,
            bound("maximum").is_some_and(|m| x > m),
            "above maximum",
        );
        fail_if(
            errors,
            at,
            bound("exclusiveMinimum").is_some_and(|m| x <= m),
            "not above exclusiveMinimum",
        );
        fail_if(
            errors,
            at,
            bound("exclusiveMaximum").is_some_and(|m| x >= m),
            "not below exclusiveMaximum",
        );
    }
    if let Some(text) = v.as_str() {
        let n = text.chars().count() as u64;
        fail_if(
            errors,
            at,
            s.get("minLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| n < m),
            "too short",
        );
        fail_if(
            errors,
            at,
            s.get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| n > m),
            "too long",
        );
    }
    if let Some(m) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                fail_if(errors, at, !m.contains_key(r), &format!("missing `{r}`"));
            }
        }
        fail_if(
            errors,
            at,
            s.get("minProperties")
                .and_then(Value::as_u64)
                .is_some_and(|n| (m.len() as u64) < n),
            "too few properties",
        );
        for (k, child) in m {
            let child_at = format!("{at}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(root, ps, child, &child_at, errors),
                None => {
                    if let Some(extra) = s.get("additionalProperties") {
                        check(root, extra, child, &child_at, errors);
                    }
                }
            }
        }
    }
    if let Some(a) = v.as_array() {
        let n = a.len() as u64;
        if s.get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            errors.push(format!("{at}: too few items"));
        }
        let prefix = s.get("prefixItems").and_then(Value::as_array);
        for (i, child) in a.iter().enumerate() {
            let child_at = format!("{at}/{i}");
            match prefix.and_then(|p| p.get(i)) {
                Some(ps) => check(root, ps, child, &child_at, errors),
                None => {
                    if let Some(items) = s.get("items") {
                        check(root, items, child, &child_at, errors);
                    }
                }
            }
        }
    }
    let passes = |sub: &Value| {
        let mut e = Vec::new();
        check(root, sub, v, at, &mut e);
        e.is_empty()
    };
    if let Some(Value::Array(subs)) = s.get("oneOf") {
        let n = subs.iter().filter(|x| passes(x)).count();
        if n != 1 {
            errors.push(format!("{at}: {n} of oneOf match"));
        }
    }
    if let Some(Value::Array(subs)) = s.get("anyOf") {
        if !subs.iter().any(passes) {
            errors.push(format!("{at}: no anyOf matches"));
        }
    }
    if let Some(Value::Array(subs)) = s.get("allOf") {
        for sub in subs {
            check(root, sub, v, at, errors);
        }
    }
}

fn fail_if(errors: &mut Vec<String>, at: &str, bad: bool, what: &str) {
    if bad {
        errors.push(format!("{at}: {what}"));
    }
}
