//! Single-step mode of caplab's own designs (`caplab run --step`): printing each event
//! changes nothing in the run, and a window prints exactly the events processed inside it.

use models::plan::Checked;
use models::run::{run_design, run_design_stepped};
use sim_core::step::StepWindow;
use sim_core::time::SimTime;
use std::io::{self, Write};
use std::path::Path;

/// S6 cut to 12 s: the partition starts at 10 s and lasts past the end.
fn cap_partition() -> Checked {
    models::load::load_file(Path::new("scenarios/cap-partition.json"))
        .expect("bundled")
        .edited(|s| s.duration_s = 12.0)
        .expect("checked")
}

/// The (index, instant in ns) of each event line printed.
fn events(text: &str) -> Vec<(u64, u64)> {
    text.lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            let index = words
                .next()
                .and_then(|w| w.strip_prefix('#'))
                .expect("#index");
            let secs = words
                .next()
                .and_then(|w| w.strip_suffix('s'))
                .expect("instant");
            let (whole, frac) = secs.split_once('.').expect("nine decimals");
            assert_eq!(frac.len(), 9, "{l}");
            let ns =
                whole.parse::<u64>().expect("s") * 1_000_000_000 + frac.parse::<u64>().expect("ns");
            (index.parse().expect("index"), ns)
        })
        .collect()
}

fn stepped(
    scenario: &Checked,
    design: usize,
    window: StepWindow,
) -> (models::results::DesignResult, String) {
    let mut out = Vec::new();
    let d = &scenario.designs[design];
    let result = run_design_stepped(scenario, d, scenario.seed, window, &mut out).expect("runs");
    (result, String::from_utf8(out).expect("utf-8"))
}

#[test]
fn stepping_a_run_changes_nothing_in_its_results() {
    let s = cap_partition();
    for (i, d) in s.designs.iter().enumerate() {
        let plain = run_design(&s, d, s.seed).expect("runs");
        let (step, text) = stepped(&s, i, StepWindow::ALL);
        assert_eq!(
            step, plain,
            "design {}: stepping changed the results",
            d.name
        );
        let printed = events(&text);
        assert_eq!(printed.len() as u64, plain.events, "design {}", d.name);
        assert!(printed
            .iter()
            .enumerate()
            .all(|(k, &(index, _))| index == k as u64));
        assert!(
            printed.windows(2).all(|w| w[0].1 <= w[1].1),
            "time goes forward"
        );
    }
}

#[test]
fn a_window_prints_exactly_the_events_processed_inside_it() {
    let s = cap_partition();
    let ap = s
        .designs
        .iter()
        .position(|d| d.name == "ap")
        .expect("S6 has ap");
    let (a, b) = (SimTime(9_500_000_000), SimTime(10_000_000_000));
    let (result, inside) = stepped(&s, ap, StepWindow::new(a, b));
    let inside_events = events(&inside);
    assert!(!inside_events.is_empty());
    assert!(inside_events.iter().all(|&(_, t)| a.0 <= t && t <= b.0));
    // The partition is the engine's event at 10 s, the window's last instant.
    assert!(
        inside
            .lines()
            .any(|l| l.contains("10.000000000s engine     partition")),
        "{inside}"
    );
    // Before, inside and after the window: every event once, in order.
    let (_, before) = stepped(&s, ap, StepWindow::new(SimTime::ZERO, SimTime(a.0 - 1)));
    let (_, after) = stepped(&s, ap, StepWindow::new(SimTime(b.0 + 1), SimTime::MAX));
    let all: Vec<u64> = [before, inside, after]
        .iter()
        .flat_map(|t| events(t))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(all, (0..result.events).collect::<Vec<_>>());
}

/// Accepts `room` bytes, then fails like a closed pipe.
struct ClosedAfter {
    room: usize,
}

impl Write for ClosedAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room < buf.len() {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        self.room -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_stops_the_run_with_its_error() {
    let s = cap_partition();
    let err = run_design_stepped(
        &s,
        &s.designs[0],
        s.seed,
        StepWindow::ALL,
        &mut ClosedAfter { room: 4_000 },
    )
    .expect_err("the writer fails");
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}
