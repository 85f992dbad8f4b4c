//! Output policy: what goes to stdout and stderr, and the progress display.
//!
//! stdout carries results (the summary table, the report path); stderr carries diagnostics and
//! progress. Progress takes one of three forms ([`ProgressMode`]): a live bar on a terminal, one
//! plain line every interval elsewhere (CI logs, pipes: no control characters, and never silent
//! for long, since CI systems kill a job that prints nothing for minutes), or nothing.
//!
//! The display knows phases and steps, not what runs in them: the engine hands it
//! [`Snapshot`]s of the warm-up and the load, the checks phase names each step it starts and
//! ends ([`Progress::step_started`]), so a new check family shows up without a change here.

use std::io::{IsTerminal, Write as _};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The default time between two progress lines (`--progress-interval`).
pub const DEFAULT_LINE_INTERVAL: Duration = Duration::from_secs(10);

/// What `--progress` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressChoice {
    /// A bar on a terminal outside CI, lines otherwise.
    #[default]
    Auto,
    Bar,
    Lines,
    None,
}

/// How progress is shown, once the choice meets the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live line on stderr, redrawn in place.
    Bar,
    /// One plain line on stderr every `every`, plus one when a step starts and ends.
    Lines {
        every: Duration,
    },
    Off,
}

/// Where the output goes, as far as the choice of display is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// stderr is a terminal and no `CI` variable is set: someone is watching it live.
    Interactive,
    /// A pipe, a file, or a CI runner's log.
    Log,
}

impl Console {
    pub fn detect() -> Console {
        if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
            Console::Interactive
        } else {
            Console::Log
        }
    }
}

impl ProgressMode {
    /// The display for `choice`; an explicit `--progress` wins over `--quiet`, which otherwise
    /// means no progress at all.
    pub fn resolve(
        choice: Option<ProgressChoice>,
        quiet: bool,
        console: Console,
        every: Duration,
    ) -> ProgressMode {
        let choice = match choice {
            Some(c) => c,
            None if quiet => ProgressChoice::None,
            None => ProgressChoice::Auto,
        };
        match (choice, console) {
            (ProgressChoice::None, _) => ProgressMode::Off,
            (ProgressChoice::Bar, _) | (ProgressChoice::Auto, Console::Interactive) => {
                ProgressMode::Bar
            }
            (ProgressChoice::Lines, _) | (ProgressChoice::Auto, Console::Log) => {
                ProgressMode::Lines { every }
            }
        }
    }
}

/// A phase that sends traffic and has a planned length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Warmup,
    Load,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Warmup => "warm-up",
            Stage::Load => "load",
        }
    }
}

/// Where a timed phase stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    pub stage: Stage,
    pub elapsed: Duration,
    pub planned: Duration,
    pub completed: u64,
    pub errors: u64,
    /// The p99 of the last finished second (none during the warm-up, which keeps no latency).
    pub p99_ms: Option<f64>,
}

impl Snapshot {
    fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.completed as f64 / secs
        } else {
            0.0
        }
    }

    fn counts(&self) -> String {
        let p99 = self
            .p99_ms
            .map_or_else(|| "-".to_string(), |p| format!("{p:.2} ms"));
        format!(
            "{} done, {:.0}/s, {} errors, p99 {p99} (last second)",
            self.completed,
            self.rate(),
            self.errors
        )
    }

    /// The plain line of lines mode.
    pub fn line(&self) -> String {
        format!(
            "progress: {} {}/{}, {}",
            self.stage.name(),
            secs(self.elapsed.min(self.planned)),
            secs(self.planned),
            self.counts()
        )
    }

    /// The line that closes a phase in lines mode.
    pub fn finished_line(&self) -> String {
        format!(
            "progress: {} finished at {}/{}, {}",
            self.stage.name(),
            secs(self.elapsed.min(self.planned)),
            secs(self.planned),
            self.counts()
        )
    }
}

fn secs(d: Duration) -> String {
    format!("{:.0}s", d.as_secs_f64())
}

/// One step of a phase made of steps (a check family of the checks phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    /// The phase, e.g. `checks`.
    pub phase: &'a str,
    /// What runs, e.g. `idempotency`.
    pub name: &'a str,
    /// 1-based place among `of`.
    pub index: usize,
    pub of: usize,
}

impl Step<'_> {
    /// `checks: idempotency (2/4)`.
    pub fn label(&self) -> String {
        format!("{}: {} ({}/{})", self.phase, self.name, self.index, self.of)
    }
}

/// The live progress display of a run.
pub struct Progress {
    mode: ProgressMode,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The bar of the current phase (bar mode only).
    bar: Option<ProgressBar>,
    stage: Option<Stage>,
    /// When lines mode last printed (or the display started): the next line is due an
    /// interval later.
    last_line: Option<Instant>,
    /// The latest snapshot, printed once more when its phase finishes (lines mode).
    latest: Option<Snapshot>,
    step_started: Option<Instant>,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Progress {
        Progress {
            mode,
            state: Mutex::new(State {
                last_line: Some(Instant::now()),
                ..State::default()
            }),
        }
    }

    pub fn hidden() -> Progress {
        Progress::new(ProgressMode::Off)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a display call panicked; the state is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the warm-up or the load stands; called a few times a second.
    pub fn update(&self, snap: Snapshot) {
        let mut st = self.state();
        match self.mode {
            ProgressMode::Off => {}
            ProgressMode::Bar => {
                if st.stage != Some(snap.stage) {
                    if let Some(old) = st.bar.take() {
                        old.finish_and_clear();
                    }
                    st.bar = Some(timed_bar(snap.planned));
                }
                if let Some(bar) = &st.bar {
                    bar.set_position(snap.elapsed.min(snap.planned).as_millis() as u64);
                    bar.set_message(format!("{} · {}", snap.stage.name(), snap.counts()));
                }
            }
            ProgressMode::Lines { every } => {
                if st.stage.is_some_and(|s| s != snap.stage)
                    && let Some(prev) = st.latest.take()
                {
                    eprint_line(&prev.finished_line());
                    // The new phase's first line comes an interval into it, not at once.
                    st.last_line = Some(Instant::now());
                }
                let due = st.last_line.is_none_or(|t| t.elapsed() >= every);
                if due {
                    eprint_line(&snap.line());
                    st.last_line = Some(Instant::now());
                }
            }
        }
        st.stage = Some(snap.stage);
        st.latest = Some(snap);
    }

    /// A step starts: the bar says which, lines mode prints a line.
    pub fn step_started(&self, step: Step<'_>) {
        let mut st = self.state();
        st.step_started = Some(Instant::now());
        match self.mode {
            ProgressMode::Off => {}
            ProgressMode::Bar => {
                let bar = st.bar.get_or_insert_with(spinner);
                bar.set_message(step.label());
            }
            ProgressMode::Lines { .. } => {
                eprint_line(&format!("progress: {} started", step.label()));
                st.last_line = Some(Instant::now());
            }
        }
    }

    /// A step that has run for a while is still running (lines mode prints a line each
    /// interval, so a long step is not silent).
    pub fn step_running(&self, step: Step<'_>) {
        let mut st = self.state();
        if let ProgressMode::Lines { every } = self.mode
            && st.last_line.is_none_or(|t| t.elapsed() >= every)
        {
            let took = st.step_started.map_or(Duration::ZERO, |t| t.elapsed());
            eprint_line(&format!(
                "progress: {} running for {}",
                step.label(),
                secs(took)
            ));
            st.last_line = Some(Instant::now());
        }
    }

    pub fn step_finished(&self, step: Step<'_>) {
        let mut st = self.state();
        if let ProgressMode::Lines { .. } = self.mode {
            let took = st.step_started.map_or(Duration::ZERO, |t| t.elapsed());
            eprint_line(&format!(
                "progress: {} finished in {:.1}s",
                step.label(),
                took.as_secs_f64()
            ));
            st.last_line = Some(Instant::now());
        }
    }

    /// The current phase is over: the bar is cleared, lines mode prints where it ended.
    pub fn finish(&self) {
        let mut st = self.state();
        if let Some(bar) = st.bar.take() {
            bar.finish_and_clear();
        }
        if let (ProgressMode::Lines { .. }, Some(last)) = (self.mode, st.latest.take()) {
            eprint_line(&last.finished_line());
            st.last_line = Some(Instant::now());
        }
        st.stage = None;
    }
}

fn timed_bar(planned: Duration) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(planned.as_millis() as u64),
        ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// One line on stderr, flushed at once (CI runners show a log line by line). A closed stderr
/// is not worth failing a run for.
fn eprint_line(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}").and_then(|()| err.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN: Duration = DEFAULT_LINE_INTERVAL;

    #[test]
    fn auto_is_a_bar_for_a_person_and_lines_for_a_log_and_quiet_is_silent() {
        let r = |c, q, console| ProgressMode::resolve(c, q, console, TEN);
        assert_eq!(r(None, false, Console::Interactive), ProgressMode::Bar);
        assert_eq!(
            r(None, false, Console::Log),
            ProgressMode::Lines { every: TEN }
        );
        assert_eq!(r(None, true, Console::Interactive), ProgressMode::Off);
        assert_eq!(r(None, true, Console::Log), ProgressMode::Off);
        // An explicit choice wins over both the console and --quiet.
        assert_eq!(
            r(Some(ProgressChoice::Lines), true, Console::Interactive),
            ProgressMode::Lines { every: TEN }
        );
        assert_eq!(
            r(Some(ProgressChoice::None), false, Console::Interactive),
            ProgressMode::Off
        );
        assert_eq!(
            r(Some(ProgressChoice::Bar), false, Console::Log),
            ProgressMode::Bar
        );
    }

    #[test]
    fn a_line_says_phase_time_count_rate_errors_and_p99_in_plain_ascii() {
        let line = Snapshot {
            stage: Stage::Load,
            elapsed: Duration::from_secs(20),
            planned: Duration::from_secs(60),
            completed: 4000,
            errors: 3,
            p99_ms: Some(12.345),
        }
        .line();
        assert_eq!(
            line,
            "progress: load 20s/60s, 4000 done, 200/s, 3 errors, p99 12.35 ms (last second)"
        );
        assert!(line.is_ascii() && !line.chars().any(|c| c.is_control()));
        let warm = Snapshot {
            stage: Stage::Warmup,
            elapsed: Duration::from_secs(7),
            planned: Duration::from_secs(5),
            completed: 0,
            errors: 0,
            p99_ms: None,
        }
        .line();
        assert_eq!(
            warm,
            "progress: warm-up 5s/5s, 0 done, 0/s, 0 errors, p99 - (last second)"
        );
    }

    #[test]
    fn a_step_label_names_the_phase_the_step_and_its_place() {
        let step = Step {
            phase: "checks",
            name: "idempotency",
            index: 2,
            of: 4,
        };
        assert_eq!(step.label(), "checks: idempotency (2/4)");
    }
}
