//! The verdicts of a scenario's assertions, and the metric names they read: a metric is a
//! path into a design's entry of `results.json`, aliases resolved ([`resolve`]).

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    /// Whether `x OP bound` holds.
    pub fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Op::Lt => x < bound,
            Op::Le => x <= bound,
            Op::Gt => x > bound,
            Op::Ge => x >= bound,
            Op::Eq => x == bound,
            Op::Ne => x != bound,
        }
    }
}

/// The verdict of one assertion on one design.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The design.
    pub design: String,
    /// The expectation as written.
    pub expect: String,
    /// The metric as written.
    pub metric: String,
    /// Replications evaluated.
    pub n: usize,
    /// Mean over the replications (NaN when the metric could not be read).
    pub mean: f64,
    /// Half-width of the confidence interval (with a confidence and 2+ replications).
    pub half_width: Option<f64>,
    /// The confidence asked for.
    pub confidence: Option<f64>,
    /// The comparison (`None`: a boolean that must be true).
    pub bound: Option<(Op, f64)>,
    /// The value compared with the bound (the interval's far end, or the mean).
    pub tested: f64,
    /// Whether the assertion holds.
    pub passed: bool,
    /// The seed of the replication to replay (the worst one).
    pub seed: u64,
    /// Why the metric could not be read, when it could not.
    pub error: Option<String>,
}

impl Verdict {
    /// `153.2 ± 4.1 (95% CI, 5 replications)`, `0.004`, `false in replication 3`.
    pub fn measured(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        let mut s = format_number(self.mean);
        if let (Some(h), Some(c)) = (self.half_width, self.confidence) {
            s.push_str(&format!(
                " ± {} ({}% CI, {} replications)",
                format_number(h),
                format_number(c * 100.0),
                self.n
            ));
        } else if self.n > 1 {
            s.push_str(&format!(" (mean of {} replications)", self.n));
        }
        s
    }

    /// `< 120`, `is true`.
    pub fn bound_text(&self) -> String {
        match self.bound {
            Some((op, b)) => format!("{} {}", op.symbol(), format_number(b)),
            None => "is true".to_string(),
        }
    }
}

/// A number for messages: up to 6 significant digits, no trailing zeros.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let digits = (5 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

const LATENCY_FIELDS: [&str; 6] = ["mean", "p50", "p90", "p99", "p999", "max"];

const OUTCOME_ALIASES: [&str; 4] = ["error", "timeout", "rejected", "in_flight"];

/// The path into a design's results that `metric` names (aliases resolved).
pub fn resolve(metric: &str) -> Vec<String> {
    let segs: Vec<&str> = metric.split('.').collect();
    // endpoints.NAME.rest: the rest as for a design.
    if segs.len() >= 3 && segs[0] == "endpoints" {
        let mut out = vec!["endpoints".to_string(), segs[1].to_string()];
        out.extend(resolve(&segs[2..].join(".")));
        return out;
    }
    if segs.len() == 1 {
        for q in LATENCY_FIELDS {
            if metric == format!("{q}_latency_ms") || metric == format!("latency_{q}_ms") {
                return vec!["latency_ms".into(), q.into()];
            }
        }
    }
    if segs.len() == 2 && segs[0] == "requests" && OUTCOME_ALIASES.contains(&segs[1]) {
        return vec!["requests".into(), "by_outcome".into(), segs[1].into()];
    }
    segs.iter().map(|s| s.to_string()).collect()
}
