//! The load phase's responses, held a few at a time before the passive parts judge them.
//!
//! A load worker's turn is a system call, a response, a system call: judged one at a time, every
//! response meets the checks' code and tables cold (the kernel ran in between), and the passive
//! checks cost 2.2–2.3× in a run what they cost in a tight loop (`bench/run.sh passive`,
//! profiled). Held and judged [`HELD`] at a time, the code and tables stay warm across a batch.
//!
//! A held response is a copy of what its [`Observation`] borrowed (the head as received, the
//! URL, the kept body) into buffers that are reused, so holding costs a few hundred bytes of
//! copying and no allocation once the buffers have grown. Memory stays constant: [`HELD`]
//! slots, and a slot that had to grow past [`KEEP_HEAD`] or [`KEEP_BODY`] is given back after
//! its batch.
//!
//! A response is judged up to [`HELD`] responses after it arrived, so the time it arrived is
//! held with it ([`Observation::received`]): RL reads an epoch reset against the response's
//! `Date`, or against that time when there is none.
//!
//! What is not held (judged at once, after everything held so far, so the order never changes):
//! a probe's exchange (it carries what was sent, borrowed from the prober) and a response whose
//! fields came as a `HeaderMap` (the reqwest and hyper paths, whose cost is elsewhere).

use std::time::{Duration, SystemTime};

use crate::observe::{Headers, Observation, RawHeaders, Source};

/// Responses held before they are judged.
pub(super) const HELD: usize = 32;
/// A slot's head buffer larger than this is dropped after its batch (a 64 KiB head is not
/// worth keeping for the next ordinary one).
const KEEP_HEAD: usize = 4096;
/// The same for a kept body (bodies of error responses, capped at 64 KiB by the engine).
const KEEP_BODY: usize = 16 * 1024;

/// One held response: an [`Observation`]'s borrowed parts, copied.
struct Slot {
    source: Source,
    request: String,
    has_request: bool,
    method: String,
    url: String,
    status: u16,
    headers: RawHeaders,
    body: Vec<u8>,
    has_body: bool,
    body_truncated: bool,
    at: Duration,
    received: SystemTime,
}

impl Slot {
    fn empty() -> Slot {
        Slot {
            source: Source::Load,
            request: String::new(),
            has_request: false,
            method: String::new(),
            url: String::new(),
            status: 0,
            headers: RawHeaders::default(),
            body: Vec::new(),
            has_body: false,
            body_truncated: false,
            at: Duration::ZERO,
            received: SystemTime::UNIX_EPOCH,
        }
    }

    fn fill(&mut self, o: &Observation<'_>, raw: &RawHeaders) {
        fn copy(into: &mut String, from: &str) {
            into.clear();
            into.push_str(from);
        }
        self.source = o.source;
        self.has_request = o.request.is_some();
        copy(&mut self.request, o.request.unwrap_or(""));
        copy(&mut self.method, o.method);
        copy(&mut self.url, o.url);
        self.status = o.status;
        self.headers.copy_from(raw);
        self.has_body = o.body.is_some();
        self.body.clear();
        self.body.extend_from_slice(o.body.unwrap_or(&[]));
        self.body_truncated = o.body_truncated;
        self.at = o.at;
        self.received = o.received();
    }

    fn observation(&self) -> Observation<'_> {
        Observation {
            source: self.source,
            request: self.has_request.then_some(self.request.as_str()),
            method: &self.method,
            url: &self.url,
            sent: None,
            status: self.status,
            headers: Headers::Raw(&self.headers),
            body: self.has_body.then_some(&self.body[..]),
            body_truncated: self.body_truncated,
            at: self.at,
            received: Some(self.received),
        }
    }

    /// Give back a buffer an unusual response made large.
    fn trim(&mut self) {
        if self.headers.capacity() > KEEP_HEAD {
            self.headers = RawHeaders::default();
        }
        if self.body.capacity() > KEEP_BODY {
            self.body = Vec::new();
        }
    }
}

/// Up to [`HELD`] responses, in the order they arrived.
#[derive(Default)]
pub struct Held {
    slots: Vec<Slot>,
    len: usize,
}

impl Held {
    /// Hold `o` if it may be judged later; `false` when it must be judged now (see the module
    /// docs), after [`Held::drain`].
    pub fn hold(&mut self, o: &Observation<'_>) -> bool {
        let Headers::Raw(raw) = o.headers else {
            return false;
        };
        if o.sent.is_some() {
            return false;
        }
        if self.slots.len() == self.len {
            self.slots.push(Slot::empty());
        }
        self.slots[self.len].fill(o, raw);
        self.len += 1;
        true
    }

    /// Whether the batch is full: time to [`Held::drain`] it.
    pub fn full(&self) -> bool {
        self.len >= HELD
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Show every held response to `judge`, oldest first, and empty the batch.
    pub fn drain(&mut self, mut judge: impl FnMut(&Observation<'_>)) {
        let n = std::mem::take(&mut self.len);
        for slot in &mut self.slots[..n] {
            judge(&slot.observation());
            slot.trim();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(extra: &str) -> RawHeaders {
        let text =
            format!("HTTP/1.1 404 Not Found\r\nDate: Tue, 01 Dec 2026 21:00:00 GMT\r\n{extra}\r\n");
        let mut fields = [httparse::EMPTY_HEADER; 8];
        let mut resp = httparse::Response::new(&mut fields);
        let httparse::Status::Complete(len) = resp.parse(text.as_bytes()).unwrap() else {
            panic!("incomplete head")
        };
        RawHeaders::from_parsed(&text.as_bytes()[..len], resp.headers)
    }

    fn obs<'a>(raw: &'a RawHeaders, url: &'a str, body: Option<&'a [u8]>) -> Observation<'a> {
        Observation {
            source: Source::Load,
            request: Some("get-order"),
            method: "GET",
            url,
            sent: None,
            status: 404,
            headers: Headers::Raw(raw),
            body,
            body_truncated: false,
            at: Duration::from_millis(7),
            received: None,
        }
    }

    /// What a part would see of a held response: everything the observation carried.
    fn seen(o: &Observation<'_>) -> String {
        format!(
            "{:?} {:?} {} {} {} {:?} {:?} {} {:?} date={:?}",
            o.source,
            o.request,
            o.method,
            o.url,
            o.status,
            o.headers.get_str("x-request-id"),
            o.body.map(|b| String::from_utf8_lossy(b).into_owned()),
            o.body_truncated,
            o.at,
            o.headers.get_str("date"),
        )
    }

    #[test]
    fn a_held_response_is_judged_as_it_arrived_in_order_and_its_slot_reused() {
        let mut held = Held::default();
        let mut want = Vec::new();
        // Two rounds: the second reuses the first round's slots (a body, then none, and back).
        for round in 0..2 {
            for i in 0..HELD {
                let raw = head(&format!("X-Request-Id: r{round}-{i}\r\n"));
                let url = format!("http://127.0.0.1/orders/{i}");
                let body = format!("{{\"n\":{i}}}");
                let o = obs(&raw, &url, (i % 3 != round).then_some(body.as_bytes()));
                want.push(seen(&o));
                assert!(!held.full());
                assert!(held.hold(&o));
            }
            assert!(held.full());
            let mut got = Vec::new();
            held.drain(|o| got.push(seen(o)));
            assert_eq!(got, want);
            assert!(held.is_empty());
            want.clear();
        }
        assert_eq!(held.slots.len(), HELD, "slots are reused, not added");
    }

    #[test]
    fn probes_and_header_maps_are_not_held() {
        let mut held = Held::default();
        let raw = head("");
        let map = reqwest::header::HeaderMap::new();
        let mut o = obs(&raw, "http://127.0.0.1/", None);
        o.headers = Headers::Map(&map);
        assert!(!held.hold(&o));
        let mut probe = obs(&raw, "http://127.0.0.1/", None);
        probe.source = Source::Probe("IDEM");
        probe.sent = Some(crate::observe::Sent {
            headers: &map,
            body: None,
        });
        assert!(!held.hold(&probe));
        assert!(held.is_empty());
        assert!(held.hold(&obs(&raw, "http://127.0.0.1/", None)));
        assert!(!held.is_empty());
    }

    /// A held response is judged later than it arrived: it carries the time it arrived (what a
    /// part reads instead of the clock), and an observation that had one keeps it.
    #[test]
    fn a_held_response_carries_the_time_it_arrived() {
        let mut held = Held::default();
        let raw = head("");
        let before = SystemTime::now();
        assert!(held.hold(&obs(&raw, "http://127.0.0.1/", None)));
        let after = SystemTime::now();
        let earlier = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut o = obs(&raw, "http://127.0.0.1/", None);
        o.received = Some(earlier);
        assert!(held.hold(&o));
        std::thread::sleep(Duration::from_millis(20));
        let mut got = Vec::new();
        held.drain(|o| got.push(o.received));
        let first = got[0].expect("a held response says when it arrived");
        assert!(
            before <= first && first <= after,
            "{first:?} not in {before:?}..{after:?}"
        );
        assert_eq!(got[1], Some(earlier));
    }

    #[test]
    fn a_slot_grown_by_an_unusual_response_gives_its_buffers_back() {
        let mut held = Held::default();
        let raw = head(&format!("X-Big: {}\r\n", "a".repeat(2 * KEEP_HEAD)));
        let body = vec![b'x'; 2 * KEEP_BODY];
        assert!(held.hold(&obs(&raw, "http://127.0.0.1/", Some(&body))));
        let mut lens = (0, 0);
        held.drain(|o| {
            lens = (
                o.headers.get_str("x-big").map_or(0, str::len),
                o.body.map_or(0, <[u8]>::len),
            )
        });
        assert_eq!(lens, (2 * KEEP_HEAD, 2 * KEEP_BODY), "judged whole");
        assert!(held.slots[0].headers.capacity() <= KEEP_HEAD);
        assert!(held.slots[0].body.capacity() <= KEEP_BODY);
    }
}
