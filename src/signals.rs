//! Ctrl-C, SIGTERM and SIGHUP (a closed terminal or a parent that hangs up is a stop too, not a
//! kill that loses the reports). The first asks the run to stop (in-flight requests drain for a bounded time
//! and every report is still written, marked interrupted); a second exits at once.

use tokio::sync::watch;

/// The phase of a run a stop arrived in; the report names it, so a reader knows what the
/// figures cover (a stop in the warm-up means nothing was measured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Warmup,
    Load,
    Checks,
    /// While the reports were being written: everything was measured, and is in them.
    Report,
}

/// Install the handler. The receiver turns `true` on the first signal.
pub fn install() -> (tokio::task::JoinHandle<()>, watch::Receiver<bool>) {
    let (tx, rx) = watch::channel(false);
    // Listen before returning, not when the task first runs: a signal in between would
    // otherwise meet the default action and kill the process without its reports.
    let mut signals = Termination::listen();
    let task = tokio::spawn(async move {
        signals.recv().await;
        // Flag first, then tell: once the message is out, every phase sees the stop.
        let _ = tx.send(true);
        eprintln!(
            "\ninterrupted: stopping, draining in-flight requests (press Ctrl-C again to exit at once)"
        );
        signals.recv().await;
        eprintln!("interrupted twice: exiting now");
        std::process::exit(130);
    });
    (task, rx)
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM and SIGHUP, listened for from the moment this is
/// created.
pub struct Termination {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Termination {
    /// Must be called inside a Tokio runtime. A stream that cannot be set up (no signal
    /// support) is left out, and Ctrl-C falls back to `tokio::signal::ctrl_c`.
    pub fn listen() -> Termination {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Termination {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Termination {}
        }
    }

    /// Resolves on the next Ctrl-C, SIGTERM or SIGHUP.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let int = async {
                match &mut self.int {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            let term = async {
                match &mut self.term {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let hup = async {
                match &mut self.hup {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = int => {}
                _ = term => {}
                _ = hup => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
