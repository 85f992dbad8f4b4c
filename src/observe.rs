//! One record of every exchange loadproof makes, and the observer that receives them.
//!
//! Whatever sends a request — a warm-up worker, a load worker, an active check's probe — hands
//! the response to an [`Observer`] as one [`Observation`], tagged with its [`Source`]. The engine
//! is generic over the observer and knows nothing of check families; the checks' passive set is
//! one observer, and the probe client of the active checks feeds the same kind of set, so every
//! passive check judges every response, whichever phase received it.
//!
//! This module sits below the engine and the checks: it depends only on the HTTP types.
//! [`headers`] is how a response's header fields reach everyone, whoever received them.

mod headers;

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

pub use headers::{Headers, RawHeaders, as_str};

/// Where an exchange came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The warm-up: sent like the load, measured nowhere.
    Warmup,
    /// The measured load phase.
    Load,
    /// A probe of an active check, by the ID prefix of its family (`"IDEM"`, `"RL"`, …).
    Probe(&'static str),
}

impl Source {
    pub fn is_probe(self) -> bool {
        matches!(self, Source::Probe(_))
    }
}

/// What was sent, byte for byte, when the sender kept it (probes do). A load-phase request is
/// rebuilt from the scenario by name instead: keeping each one would cost the hot path.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    pub headers: &'a HeaderMap,
    pub body: Option<&'a [u8]>,
}

/// A request loadproof made and the response that came back. Requests that got no response are
/// counted by kind where they happen and never reach an observer.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub source: Source,
    /// The scenario request it was made from, when it was made from one.
    pub request: Option<&'a str>,
    pub method: &'a str,
    pub url: &'a str,
    /// Present for probes (see [`Sent`]).
    pub sent: Option<Sent<'a>>,
    pub status: u16,
    pub headers: Headers<'a>,
    /// Present when [`Observer::wants_body`] asked for it, capped by the sender.
    pub body: Option<&'a [u8]>,
    /// Whether `body` stops at the sender's cap.
    pub body_truncated: bool,
    /// When the request was sent, since the start of its phase (or of its check).
    pub at: Duration,
    /// When the response arrived, if it is judged later than that (the passive set holds
    /// load-phase responses a while: `checks::held`); `None`: it arrived just now. A part that
    /// needs the time a response arrived asks [`Observation::received()`], never the clock.
    pub received: Option<SystemTime>,
}

impl Observation<'_> {
    /// The wall-clock time the response arrived.
    pub fn received(&self) -> SystemTime {
        self.received.unwrap_or_else(SystemTime::now)
    }
}

/// Receives every observation of one thread (the load phase) or of the checks phase.
pub trait Observer {
    /// Whether the body of a response with this status must be kept for [`Observer::observe`].
    /// Asked before the body is read, so bodies nobody judges are drained, not stored.
    fn wants_body(&self, source: Source, status: u16) -> bool;
    /// Whether it looks at nothing (no part to show a response to): the engine then builds no
    /// header map for it.
    fn is_idle(&self) -> bool;
    fn observe(&mut self, o: &Observation<'_>);
    /// Fold in what another thread's observer saw (the engine gives each thread its own).
    fn merge(&mut self, other: Self)
    where
        Self: Sized;
}

/// Observes nothing: for runs (and tests) that only measure.
impl Observer for () {
    fn wants_body(&self, _: Source, _: u16) -> bool {
        false
    }
    fn is_idle(&self) -> bool {
        true
    }
    fn observe(&mut self, _: &Observation<'_>) {}
    fn merge(&mut self, _: ()) {}
}
