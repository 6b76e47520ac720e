//! Progress bars (indicatif) on standard error: only on a terminal, never with `--quiet`
//! and never in CI (the `CI` variable set), so logs and pipes stay clean.
//!
//! Rates and ETAs are our own: the mean rate since the start (runs/s with three
//! significant digits, not `267.3335/s`), and the time left at that rate, which keeps
//! moving as work finishes (indicatif's own estimate sticks when work arrives in bursts,
//! as parallel runs finishing together do).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Whether a progress bar may be drawn.
pub fn visible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// `3.21`, `45.6`, `267`, `12,345`: three significant digits, no more.
pub fn rate_text(per_s: f64) -> String {
    if !per_s.is_finite() || per_s <= 0.0 {
        return "0".to_string();
    }
    if per_s >= 1000.0 {
        let n = per_s.round() as u64;
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if per_s >= 100.0 {
        format!("{per_s:.0}")
    } else if per_s >= 10.0 {
        format!("{per_s:.1}")
    } else {
        format!("{per_s:.2}")
    }
}

/// `4s`, `1m 05s`, `2h 03m`.
pub fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The time left at the mean rate since the start; `None` before any progress.
pub fn eta(elapsed: Duration, done: u64, total: u64) -> Option<Duration> {
    if done == 0 || total <= done {
        return (total <= done && total > 0).then_some(Duration::ZERO);
    }
    let per_unit = elapsed.as_secs_f64() / done as f64;
    Some(Duration::from_secs_f64(per_unit * (total - done) as f64))
}

fn eta_key(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let text = eta(state.elapsed(), state.pos(), state.len().unwrap_or(0))
        .map_or_else(|| "…".to_string(), duration_text);
    let _ = w.write_str(&text);
}

fn rate_key(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let secs = state.elapsed().as_secs_f64();
    let rate = if secs > 0.0 {
        state.pos() as f64 / secs
    } else {
        0.0
    };
    let _ = w.write_str(&rate_text(rate));
}

fn style(template: &str) -> Option<ProgressStyle> {
    ProgressStyle::with_template(template).ok().map(|s| {
        s.with_key("mean_rate", rate_key)
            .with_key("mean_eta", eta_key)
            .progress_chars("=> ")
    })
}

/// A bar over `total` runs (hidden unless [`visible`]).
pub fn runs(total: u64, quiet: bool) -> ProgressBar {
    if !visible(quiet) || total == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Some(style) =
        style("{bar:30.cyan/blue} {pos}/{len} runs {msg}  {mean_rate} runs/s  ETA {mean_eta}  ({elapsed})")
    {
        bar.set_style(style);
    }
    bar
}

/// Progress of runs measured in simulated time: how far the runs have got, over the
/// simulated time they will cover in all, with events per second and the time left.
pub struct Simulated {
    bar: ProgressBar,
    /// Simulated milliseconds in all, and done.
    total_ms: u64,
    done_ms: AtomicU64,
    events: AtomicU64,
    runs: u64,
    runs_done: AtomicU64,
}

impl Simulated {
    /// A bar over `runs` runs of `duration_s` simulated seconds each (hidden unless
    /// [`visible`]).
    pub fn new(runs: u64, duration_s: f64, quiet: bool) -> Simulated {
        let total_ms = (duration_s * 1000.0).round().max(1.0) as u64 * runs.max(1);
        let bar = if visible(quiet) && runs > 0 {
            let bar = ProgressBar::with_draw_target(Some(total_ms), ProgressDrawTarget::stderr());
            if let Some(style) = style("{bar:30.cyan/blue} {msg}  ETA {mean_eta}  ({elapsed})") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        } else {
            ProgressBar::hidden()
        };
        Simulated {
            bar,
            total_ms,
            done_ms: AtomicU64::new(0),
            events: AtomicU64::new(0),
            runs,
            runs_done: AtomicU64::new(0),
        }
    }

    /// A run advanced by `ms` simulated milliseconds and `events` events.
    pub fn advance(&self, ms: u64, events: u64) {
        let done = self.done_ms.fetch_add(ms, Ordering::Relaxed) + ms;
        let events = self.events.fetch_add(events, Ordering::Relaxed) + events;
        self.bar.set_position(done.min(self.total_ms));
        self.bar.set_message(self.message(done, events));
    }

    /// A run finished.
    pub fn run_done(&self) {
        self.runs_done.fetch_add(1, Ordering::Relaxed);
        let done = self.done_ms.load(Ordering::Relaxed);
        let events = self.events.load(Ordering::Relaxed);
        self.bar.set_message(self.message(done, events));
    }

    fn message(&self, done_ms: u64, events: u64) -> String {
        let secs = self.bar.elapsed().as_secs_f64();
        let mut m = format!(
            "{:.1}/{:.1} s simulated",
            done_ms as f64 / 1000.0,
            self.total_ms as f64 / 1000.0
        );
        if secs > 0.0 {
            let _ = write!(m, " · {} events/s", rate_text(events as f64 / secs));
        }
        if self.runs > 1 {
            let _ = write!(
                m,
                " · runs {}/{}",
                self.runs_done.load(Ordering::Relaxed),
                self.runs
            );
        }
        m
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl caplab::replicate::Progress for Simulated {
    fn advance(&self, simulated_ms: u64, events: u64) {
        Simulated::advance(self, simulated_ms, events);
    }
    fn run_done(&self) {
        Simulated::run_done(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_three_significant_digits() {
        assert_eq!(rate_text(267.3335), "267");
        assert_eq!(rate_text(3.21456), "3.21");
        assert_eq!(rate_text(45.66), "45.7");
        assert_eq!(rate_text(1_234_567.8), "1,234,568");
        assert_eq!(rate_text(0.0), "0");
    }

    #[test]
    fn the_eta_follows_the_mean_rate() {
        let s = Duration::from_secs;
        assert_eq!(eta(s(10), 0, 100), None);
        assert_eq!(eta(s(10), 25, 100), Some(s(30)));
        assert_eq!(eta(s(10), 50, 100), Some(s(10)));
        assert_eq!(eta(s(10), 100, 100), Some(s(0)));
        assert_eq!(duration_text(s(65)), "1m 05s");
        assert_eq!(duration_text(s(7380)), "2h 03m");
        assert_eq!(duration_text(s(4)), "4s");
    }
}
