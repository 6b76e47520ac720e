//! `caplab trace`: runs a scenario's designs traced, prints the waterfall of the requests
//! asked for (one by number, the slowest, or the first failed) and writes them as Chrome
//! trace-event JSON and OTLP JSON.

pub use caplab::traces::Pick;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `caplab trace` was asked.
pub struct TraceOptions {
    /// The requests shown.
    pub pick: Pick,
    /// Designs (empty: all).
    pub designs: Vec<String>,
    /// Seed overriding the scenario's.
    pub seed: Option<u64>,
    /// Chrome trace-event file to write.
    pub chrome: Option<PathBuf>,
    /// OTLP JSON file to write.
    pub otlp: Option<PathBuf>,
    /// Columns of the timeline bar.
    pub width: usize,
}

/// Runs `caplab trace`.
pub fn trace(file: &Path, options: &TraceOptions) -> ExitCode {
    let scenario = match crate::load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for d in &options.designs {
        if !scenario.designs.iter().any(|x| &x.name == d) {
            let known: Vec<&str> = scenario.designs.iter().map(|x| x.name.as_str()).collect();
            eprintln!(
                "{}: --design {d}: no such design (the file has: {})",
                file.display(),
                known.join(", ")
            );
            return ExitCode::from(crate::EXIT_INPUT);
        }
    }
    if matches!(options.pick, Pick::Slowest(0) | Pick::Failed(0)) {
        eprintln!("error: --slowest and --failed take a count of at least 1");
        return ExitCode::from(crate::EXIT_INPUT);
    }
    let seed = options.seed.unwrap_or(scenario.seed);
    let mut shown = Vec::new();
    for design in &scenario.designs {
        if !options.designs.is_empty() && !options.designs.contains(&design.name) {
            continue;
        }
        let result = match caplab::traces::traced(&scenario, design, seed, options.pick) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: design {}: {e}", file.display(), design.name);
                return ExitCode::from(crate::EXIT_FAILURE);
            }
        };
        let traces = result.traces;
        if traces.is_empty() {
            let what = match options.pick {
                Pick::Request(n) => format!(
                    "no request {n} (it issued {} requests, numbered from 0)",
                    result.tracing.as_ref().map_or(0, |t| t.requests)
                ),
                Pick::Slowest(_) => "no request".to_string(),
                Pick::Failed(_) => "no failed request".to_string(),
            };
            outln!("design {}: {what}\n", design.name);
        }
        for t in &traces {
            outln!("{}", reports::trace::waterfall(t, options.width));
        }
        if let Some(summary) = &result.tracing {
            if summary.failed > 0 {
                let causes: Vec<String> = summary
                    .root_causes
                    .iter()
                    .map(|(c, n)| {
                        format!(
                            "{c} {n} ({:.1}%)",
                            100.0 * *n as f64 / summary.failed as f64
                        )
                    })
                    .collect();
                outln!(
                    "design {}: {} failed requests; their traces blame: {}\n",
                    design.name,
                    summary.failed,
                    causes.join(", ")
                );
            }
        }
        shown.extend(traces);
    }
    for (path, value) in [
        (&options.chrome, reports::trace::chrome_json(&shown)),
        (&options.otlp, reports::trace::otlp_json(&shown)),
    ] {
        let Some(path) = path else {
            continue;
        };
        if let Err(e) = std::fs::write(path, reports::trace::to_text(&value)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(crate::EXIT_FAILURE);
        }
        outln!("wrote {}", path.display());
    }
    outln!(
        "replay: caplab trace {}{} --seed {seed}{}",
        file.display(),
        options
            .designs
            .iter()
            .map(|d| format!(" --design {d}"))
            .collect::<String>(),
        match options.pick {
            Pick::Request(n) => format!(" --request {n}"),
            Pick::Slowest(k) => format!(" --slowest {k}"),
            Pick::Failed(k) => format!(" --failed {k}"),
        }
    );
    ExitCode::SUCCESS
}
