//! Ctrl-C and SIGTERM. The first asks the run to stop (in-flight requests drain for a bounded time
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
    let task = tokio::spawn(async move {
        wait_for_termination().await;
        // Flag first, then tell: once the message is out, every phase sees the stop.
        let _ = tx.send(true);
        eprintln!(
            "\ninterrupted: stopping, draining in-flight requests (press Ctrl-C again to exit at once)"
        );
        wait_for_termination().await;
        eprintln!("interrupted twice: exiting now");
        std::process::exit(130);
    });
    (task, rx)
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
