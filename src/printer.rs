//! Output policy: what goes to stdout and stderr, and the progress display.
//!
//! stdout carries results (the summary table, the report path); stderr carries diagnostics and
//! progress. Progress is drawn only when stderr is a terminal and `--quiet` is off, so CI logs and
//! pipes get no control characters.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live line on stderr (a terminal, not quiet).
    Bar,
    Off,
}

impl ProgressMode {
    pub fn detect(quiet: bool) -> ProgressMode {
        if !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
            ProgressMode::Bar
        } else {
            ProgressMode::Off
        }
    }
}

/// The live progress display of one load phase.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: Duration,
}

impl Progress {
    pub fn new(mode: ProgressMode, total: Duration) -> Progress {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total.as_millis() as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, total }
    }

    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            total: Duration::ZERO,
        }
    }

    pub fn update(&self, elapsed: Duration, completed: u64, errors: u64, p99_ms: Option<f64>) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(elapsed.min(self.total).as_millis() as u64);
        let rate = if elapsed.as_secs_f64() > 0.0 {
            completed as f64 / elapsed.as_secs_f64()
        } else {
            0.0
        };
        let p99 = p99_ms.map_or_else(|| "–".to_string(), |p| format!("{p:.2} ms"));
        bar.set_message(format!(
            "{completed} done · {rate:.0}/s · {errors} errors · p99 {p99}"
        ));
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
