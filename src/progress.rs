//! Progress bars (indicatif) on standard error: only on a terminal, never with `--quiet`
//! and never in CI (the `CI` variable set), so logs and pipes stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Whether a progress bar may be drawn.
pub fn visible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A bar over `total` runs (hidden unless [`visible`]).
pub fn runs(total: u64, quiet: bool) -> ProgressBar {
    if !visible(quiet) || total == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30.cyan/blue} {pos}/{len} runs {msg}  {per_sec}  ETA {eta}  ({elapsed})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
