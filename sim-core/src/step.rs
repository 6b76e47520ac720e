//! Single-step mode: a run that prints each event as it is processed, for reading what a
//! failing seed did, one event at a time, or for stopping under a debugger at the event
//! where it goes wrong.
//!
//! Printing changes nothing in the run: outside the window the simulation runs at full
//! speed (`Simulation::run`), inside it one event at a time (`Simulation::step_within`),
//! and both process exactly the events of a plain run, in the same order, so the digest
//! is the same. A line reads
//!
//! ```text
//! #index   instant (s)     node       kind     [from sender:] payload
//! #22520      10.300250000s kv#1       message  from kv#0: Heartbeat { primary: ReplicaId(0) }
//! ```
//!
//! with nodes named as they were added, `engine` for faults.
//!
//! ```
//! use sim_core::network::{LinkSpec, NodeId};
//! use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, StopReason};
//! use sim_core::step::StepWindow;
//! use sim_core::time::{SimDuration, SimTime};
//!
//! struct Ping;
//! impl Component<&'static str, ()> for Ping {
//!     fn on_event(&mut self, e: Event<&'static str>, ctx: &mut Ctx<'_, &'static str, ()>) {
//!         if let Event::Init = e {
//!             ctx.set_timer(SimDuration::from_millis(5), "tick");
//!             ctx.send(NodeId(1 - ctx.me().0), "ping");
//!         }
//!     }
//! }
//! let build = || {
//!     let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
//!     sim.add_component("a", Box::new(Ping));
//!     sim.add_component("b", Box::new(Ping));
//!     sim
//! };
//! let mut out = Vec::new();
//! let mut stepped = build();
//! let window = StepWindow::new(SimTime(1_000_000), SimTime(1_000_000));
//! let stop = stepped.run_printing(RunLimits::UNLIMITED, window, &mut out).expect("writes");
//! let mut plain = build();
//! assert_eq!(stop, plain.run(RunLimits::UNLIMITED));
//! assert_eq!(stepped.digest(), plain.digest());
//! let text = String::from_utf8(out).expect("utf-8");
//! // Only the two pings, delivered at 1 ms, are in the window.
//! assert_eq!(text.lines().count(), 2);
//! assert!(text.starts_with("#2 "), "{text}");
//! assert!(text.contains(" a          message  from b: \"ping\""), "{text}");
//! ```

use crate::network::NodeId;
use crate::simulation::{EventRecord, RunLimits, Simulation, StopReason};
use crate::time::SimTime;
use std::fmt::Debug;
use std::io::{self, Write};

/// The events single-step mode prints: those processed at an instant in `from..=to`.
///
/// ```
/// use sim_core::step::StepWindow;
/// use sim_core::time::SimTime;
///
/// let w = StepWindow::new(SimTime(10), SimTime(20));
/// assert!(w.contains(SimTime(10)) && w.contains(SimTime(20)) && !w.contains(SimTime(21)));
/// assert!(StepWindow::ALL.contains(SimTime::ZERO) && StepWindow::ALL.contains(SimTime::MAX));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepWindow {
    /// The first instant printed.
    pub from: SimTime,
    /// The last instant printed (inclusive).
    pub to: SimTime,
}

impl StepWindow {
    /// Every event of the run.
    pub const ALL: StepWindow = StepWindow {
        from: SimTime::ZERO,
        to: SimTime::MAX,
    };

    /// The events processed at instants in `from..=to`.
    pub fn new(from: SimTime, to: SimTime) -> StepWindow {
        StepWindow { from, to }
    }

    /// `true` when an event processed at `t` is printed.
    pub fn contains(&self, t: SimTime) -> bool {
        self.from <= t && t <= self.to
    }
}

impl<M: Clone + Debug + 'static, W> Simulation<M, W> {
    /// One event as single-step mode prints it (no newline): index, instant in seconds,
    /// the node by name (`engine` for faults), kind, the sender by name for a message,
    /// and the payload.
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{Component, Ctx, Event, Simulation};
    /// use sim_core::time::SimDuration;
    ///
    /// struct Once;
    /// impl Component<u8, ()> for Once {
    ///     fn on_event(&mut self, e: Event<u8>, ctx: &mut Ctx<'_, u8, ()>) {
    ///         if let Event::Init = e {
    ///             ctx.set_timer(SimDuration::from_micros(1_500), 7);
    ///         }
    ///     }
    /// }
    /// let mut sim = Simulation::new(1, ());
    /// sim.add_component("clock", Box::new(Once));
    /// sim.step_traced().expect("init");
    /// let timer = sim.step_traced().expect("the timer");
    /// assert_eq!(
    ///     sim.step_line(&timer),
    ///     "#1           0.001500000s clock      timer    7"
    /// );
    /// ```
    pub fn step_line(&self, record: &EventRecord) -> String {
        let name = |n: NodeId| {
            self.node_name(n)
                .map_or_else(|| format!("node {}", n.0), str::to_string)
        };
        let target = record.target.map_or_else(|| "engine".to_string(), name);
        let from = record
            .source
            .map_or_else(String::new, |n| format!("from {}: ", name(n)));
        let index = format!("#{}", record.index);
        let line = format!(
            "{index:<8} {:>15.9}s {target:<10} {:<8} {from}{}",
            record.time.as_secs_f64(),
            record.kind,
            record.detail
        );
        line.trim_end().to_string()
    }

    /// Runs like `run(limits)`, writing `step_line` of each event processed in `window`
    /// to `out`; returns what `run` would. Outside the window it runs at full speed.
    /// The example at the top of this module compares it with a plain run.
    pub fn run_printing(
        &mut self,
        limits: RunLimits,
        window: StepWindow,
        out: &mut dyn Write,
    ) -> io::Result<StopReason> {
        // To the window at full speed: every event before `window.from`.
        if window.from > SimTime::ZERO {
            let before = SimTime(window.from.0 - 1).min(limits.until);
            self.run(RunLimits {
                until: before,
                ..limits
            });
        }
        // In the window, one event at a time; then the rest at full speed. A limit reached
        // on the way stops `run` at once with the same reason as a plain run.
        let inside = RunLimits {
            until: limits.until.min(window.to),
            ..limits
        };
        let kept = self.keeps_last();
        self.set_keep_last(true);
        let mut written = Ok(());
        while written.is_ok() && self.step_within(inside).is_ok() {
            if let Some(record) = self.last_event() {
                written = writeln!(out, "{}", self.step_line(&record));
            }
        }
        self.set_keep_last(kept);
        written?;
        Ok(self.run(limits))
    }
}
