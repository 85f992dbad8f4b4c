//! The file-descriptor budget of a run: how many descriptors it needs, raising the soft
//! `RLIMIT_NOFILE` to that (up to the hard limit) before anything is sent, and refusing the run
//! when even the hard limit is too low.
//!
//! Why before the load: a run that meets EMFILE halfway measures its own starvation, not the
//! target (workers that cannot open a socket fail at once, and their "errors" used to be blamed
//! on the target). Refusing with both numbers is the honest answer.

use crate::plan::{LoadMode, RunPlan};
use crate::scenario;

/// Descriptors per load connection: its socket.
const PER_CONNECTION: u64 = 1;
/// One more per connection in open loop: each open-loop worker (one per connection) owns a timer
/// descriptor for precise wake-ups. Closed-loop users sleep on Tokio's timer and own none, so a
/// closed-loop run under a hard limit of 20,000 can hold 10,000 connections.
const PER_OPEN_LOOP_CONNECTION: u64 = 1;
/// One more per connection when the reference API runs in this process: the server's end of
/// each connection is ours too.
const PER_REFERENCE_CONNECTION: u64 = 1;
/// Standard streams, report files, the signal pipe, the resolver, and slack.
const BASE: u64 = 64;
/// Each worker thread's runtime: its epoll instance, its wake-up eventfd, a timer.
const PER_THREAD: u64 = 4;

/// What a run needs, and how that figure was made (for the refusal message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub total: u64,
    pub connections: u64,
    pub per_connection: u64,
    pub probes: u64,
}

impl Need {
    /// Estimate the descriptors `plan` needs at its peak: the load's connections, or the
    /// checks' probe connections if more (they run after the load, not with it).
    pub fn of(plan: &RunPlan) -> Need {
        let load = &plan.load;
        let connections = u64::from(match &load.mode {
            LoadMode::Open(_) => load.connections,
            LoadMode::Closed { .. } => load.connections.min(load.mode.max_users().max(1)),
        })
        .max(1);
        let reference = plan.target == scenario::Target::Reference;
        let open = matches!(load.mode, LoadMode::Open(_));
        let per_connection = PER_CONNECTION
            + u64::from(open) * PER_OPEN_LOOP_CONNECTION
            + u64::from(reference) * PER_REFERENCE_CONNECTION;
        let probes = probe_connections(&plan.checks);
        let threads = load.threads as u64;
        let total =
            BASE + threads * PER_THREAD + connections.max(probes).saturating_mul(per_connection);
        Need {
            total,
            connections,
            per_connection,
            probes,
        }
    }
}

/// The most connections the active checks open at once (the idempotency race, the pagination
/// walkers and writers), with a floor for the families that use a handful.
fn probe_connections(checks: &scenario::ChecksSpec) -> u64 {
    let idem = checks
        .idempotency
        .as_ref()
        .map_or(0, |i| u64::from(i.concurrency));
    let page = checks
        .pagination
        .as_ref()
        .map_or(0, |p| u64::from(p.walkers) + u64::from(p.writers));
    idem.max(page).max(32)
}

/// What to do about the limit, decided from the need and the current limits (`None` is
/// unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The soft limit already covers the need.
    Fits,
    /// Raise the soft limit to this (within the hard limit).
    Raise(u64),
    /// Even the hard limit is below the need: refuse the run.
    Refuse { hard: u64 },
}

pub fn decide(needed: u64, soft: Option<u64>, hard: Option<u64>) -> Decision {
    match (soft, hard) {
        (None, _) => Decision::Fits,
        (Some(s), _) if s >= needed => Decision::Fits,
        (Some(_), Some(h)) if h < needed => Decision::Refuse { hard: h },
        (Some(_), _) => Decision::Raise(needed),
    }
}

/// The run needs more descriptors than the hard limit allows (exit 3, before any load).
#[derive(Debug, thiserror::Error)]
#[error(
    "not enough file descriptors: this run needs about {} ({} connections × {} + {} for threads, \
     files and probes), but the hard limit is {hard}\n  = hint: raise the hard limit (`ulimit -Hn \
     {}` as root, or LimitNOFILE= for a service), or use fewer connections (--connections, \
     --concurrency)",
    need.total,
    need.connections.max(need.probes),
    need.per_connection,
    need.total - need.connections.max(need.probes) * need.per_connection,
    need.total
)]
pub struct FdError {
    pub need: Need,
    pub hard: u64,
}

/// Make the soft limit cover `plan`'s need, or say why it cannot. Returns the soft limit the
/// run goes on with. Off Unix there is no such limit to manage.
pub fn ensure(plan: &RunPlan) -> Result<Option<u64>, FdError> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let need = Need::of(plan);
        let limit = getrlimit(Resource::Nofile);
        match decide(need.total, limit.current, limit.maximum) {
            Decision::Fits => Ok(limit.current),
            Decision::Refuse { hard } => Err(FdError { need, hard }),
            Decision::Raise(to) => {
                let raised = Rlimit {
                    current: Some(to),
                    maximum: limit.maximum,
                };
                match setrlimit(Resource::Nofile, raised) {
                    Ok(()) => Ok(Some(to)),
                    // A kernel cap below the hard limit (nr_open) refuses the raise: the run
                    // cannot get what it needs, and says so with the limit it could have.
                    Err(_) => Err(FdError {
                        need,
                        hard: limit.current.unwrap_or(0),
                    }),
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = plan;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_raised_to_the_need_within_the_hard_limit() {
        assert_eq!(decide(600, Some(1024), Some(4096)), Decision::Fits);
        assert_eq!(decide(600, Some(64), Some(4096)), Decision::Raise(600));
        assert_eq!(decide(600, Some(64), None), Decision::Raise(600));
        assert_eq!(decide(600, None, None), Decision::Fits);
        assert_eq!(
            decide(600, Some(64), Some(256)),
            Decision::Refuse { hard: 256 }
        );
    }

    fn plan(args: &[&str]) -> RunPlan {
        use clap::Parser as _;
        let cli = crate::cli::Cli::parse_from(["loadproof", "run"].iter().chain(args).copied());
        let crate::cli::Command::Run(a) = cli.command else {
            panic!("a run command")
        };
        RunPlan::resolve(*a, None).unwrap()
    }

    #[test]
    fn the_need_grows_with_connections_and_an_in_process_reference() {
        let small = Need::of(&plan(&["--url", "http://127.0.0.1:9/", "-c", "10"]));
        let big = Need::of(&plan(&["--url", "http://127.0.0.1:9/", "-c", "300"]));
        assert_eq!(big.connections, 300);
        assert!(big.total >= 300, "{big:?}");
        assert!(small.total < big.total);
        let mut in_process = plan(&["--url", "http://127.0.0.1:9/", "-c", "300"]);
        in_process.target = scenario::Target::Reference;
        let reference = Need::of(&in_process);
        assert!(
            reference.total >= big.total + 300,
            "{reference:?} vs {big:?}"
        );
        // Closed loop owns no timer descriptor per connection; open loop does.
        assert_eq!(big.per_connection, 1, "closed loop (-c): {big:?}");
        let open = Need::of(&plan(&[
            "--url",
            "http://127.0.0.1:9/",
            "--rate",
            "10",
            "--connections",
            "300",
        ]));
        assert_eq!(open.per_connection, 2, "{open:?}");
        let text = FdError {
            need: big,
            hard: 256,
        }
        .to_string();
        assert!(
            text.contains(&big.total.to_string()) && text.contains("256"),
            "{text}"
        );
    }
}
