//! A response's header fields, as whoever received it holds them.
//!
//! The lean HTTP/1.1 path keeps a response's head as it came off the wire ([`RawHeaders`]: one
//! copy of the head's bytes and where each field lies in it); reqwest and hyper (HTTP/2, TLS,
//! the probes) hand over a `HeaderMap`. [`Headers`] reads either the same way, so the
//! expectations, the captures and the passive checks never make the engine build a map per
//! response: looking a name up in a head of a dozen fields is a short scan, cheaper than hashing
//! every name into a map that is read two or three times and dropped.
//!
//! Semantics follow `HeaderMap`'s where they differ from the wire's: names compare without
//! regard to case, [`Headers::get`] is the first value of a name, and [`Headers::get_str`] is a
//! value only when it is visible ASCII (as `HeaderValue::to_str`). Iteration is in the order the
//! fields arrived (a map groups the values of one name instead).

use std::cell::RefCell;

use reqwest::header::HeaderMap;

/// Where one field lies in the copy of the head: (offset, length) of its name and its value.
#[derive(Debug, Clone, Copy)]
struct Span {
    name: (u32, u32),
    value: (u32, u32),
}

/// The header fields of one response, owned: a copy of its head and the place of each field.
///
/// Its two buffers come from a small per-thread pool and go back to it when it is dropped: the
/// passive checks keep every response's fields, and two allocations per response were a
/// measurable part of what they cost.
#[derive(Debug, Clone, Default)]
pub struct RawHeaders {
    head: Vec<u8>,
    fields: Vec<Span>,
}

/// Spare buffers kept per thread, and the largest head whose buffer is kept (a 64 KiB head
/// is not worth holding on to).
const POOL: usize = 8;
const POOLED_HEAD: usize = 4096;

thread_local! {
    static SPARE: RefCell<Vec<RawHeaders>> = const { RefCell::new(Vec::new()) };
}

impl Drop for RawHeaders {
    fn drop(&mut self) {
        if self.head.capacity() == 0 || self.head.capacity() > POOLED_HEAD {
            return;
        }
        // During the thread's teardown the pool may be gone (or be the one dropping us): the
        // buffers are then simply freed, as they are when the pool is full. (The spare is made
        // only when it will be kept: dropping it would come back here.)
        let _ = SPARE.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut()
                && p.len() < POOL
            {
                p.push(RawHeaders {
                    head: std::mem::take(&mut self.head),
                    fields: std::mem::take(&mut self.fields),
                });
            }
        });
    }
}

/// No fields: for a response whose headers nobody asked to keep.
static NO_HEADERS: RawHeaders = RawHeaders {
    head: Vec::new(),
    fields: Vec::new(),
};

impl RawHeaders {
    /// Keep `fields`, which `httparse` found in `head` (the bytes of the head it parsed). A
    /// field that does not lie in `head` is copied after it, so every input is kept whole.
    pub fn from_parsed(head: &[u8], fields: &[httparse::Header<'_>]) -> RawHeaders {
        let mut raw = SPARE
            .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        raw.head.clear();
        raw.fields.clear();
        raw.head.extend_from_slice(head);
        for h in fields {
            let name = raw.place(head, h.name.as_bytes());
            let value = raw.place(head, h.value);
            raw.fields.push(Span { name, value });
        }
        raw
    }

    /// Make this a copy of `other`, in this one's buffers (no allocation once they are large
    /// enough): how the passive set holds a response for a while (`checks::held`).
    pub fn copy_from(&mut self, other: &RawHeaders) {
        self.head.clear();
        self.head.extend_from_slice(&other.head);
        self.fields.clear();
        self.fields.extend_from_slice(&other.fields);
    }

    /// The bytes its buffers hold on to.
    pub fn capacity(&self) -> usize {
        self.head.capacity() + self.fields.capacity() * std::mem::size_of::<Span>()
    }

    /// `part`'s place in the copy of `head`: its offset, when `httparse` sliced it from `head`
    /// (always, in practice), else where it is appended.
    fn place(&mut self, head: &[u8], part: &[u8]) -> (u32, u32) {
        let len = part.len() as u32;
        match (part.as_ptr() as usize).checked_sub(head.as_ptr() as usize) {
            Some(start) if start + part.len() <= head.len() => (start as u32, len),
            _ => {
                let start = self.head.len() as u32;
                self.head.extend_from_slice(part);
                (start, len)
            }
        }
    }

    fn slice(&self, at: (u32, u32)) -> &[u8] {
        slice(&self.head, at)
    }
}

/// A response's header fields, read the same way whoever received them.
#[derive(Debug, Clone, Copy)]
pub enum Headers<'a> {
    /// As the lean HTTP/1.1 path read them off the wire.
    Raw(&'a RawHeaders),
    /// As reqwest or hyper hold them (names lowercase).
    Map(&'a HeaderMap),
}

impl<'a> Headers<'a> {
    /// No fields at all.
    pub fn none() -> Headers<'static> {
        Headers::Raw(&NO_HEADERS)
    }

    /// Every field, in the order received (a map's: grouped by name): the name's bytes as sent
    /// (a token: ASCII), and the value's bytes.
    pub fn iter(self) -> Iter<'a> {
        match self {
            Headers::Raw(r) => Iter(Inner::Raw {
                head: &r.head,
                fields: r.fields.iter(),
            }),
            Headers::Map(m) => Iter(Inner::Map(m.iter())),
        }
    }

    /// One slice every name and value lies within, when the fields were kept as one copy of
    /// the head (the lean path; it holds the status line and separators too); `None` for a map.
    /// Whoever only asks whether some value *may* contain a literal can search this once
    /// instead of each value: a literal in a value is in here.
    pub fn all_bytes(self) -> Option<&'a [u8]> {
        match self {
            Headers::Raw(r) => Some(&r.head),
            Headers::Map(_) => None,
        }
    }

    /// Every value of `name` (any case), in order.
    pub fn get_all(self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The first value of `name` (any case).
    pub fn get(self, name: &str) -> Option<&'a [u8]> {
        match self {
            Headers::Map(m) => m.get(name).map(|v| v.as_bytes()),
            Headers::Raw(r) => r
                .fields
                .iter()
                .find(|f| r.slice(f.name).eq_ignore_ascii_case(name.as_bytes()))
                .map(|f| r.slice(f.value)),
        }
    }

    /// The first value of `name` as text, when it is visible ASCII (`HeaderValue::to_str`).
    pub fn get_str(self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(as_str)
    }

    /// Every field as owned text, names lowercase and values lossy UTF-8: what evidence keeps.
    /// The cold path (a sample, once per finding), never per response.
    pub fn to_list(self) -> Vec<(String, String)> {
        self.iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).to_ascii_lowercase(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect()
    }
}

/// The fields of [`Headers::iter`].
pub struct Iter<'a>(Inner<'a>);

enum Inner<'a> {
    Raw {
        head: &'a [u8],
        fields: std::slice::Iter<'a, Span>,
    },
    Map(reqwest::header::Iter<'a, reqwest::header::HeaderValue>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Inner::Raw { head, fields } => {
                let f = fields.next()?;
                Some((slice(head, f.name), slice(head, f.value)))
            }
            Inner::Map(m) => m.next().map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes())),
        }
    }
}

fn slice(head: &[u8], (start, len): (u32, u32)) -> &[u8] {
    &head[start as usize..(start + len) as usize]
}

/// A value as text when every byte is visible ASCII or a tab, as `HeaderValue::to_str` allows.
pub fn as_str(value: &[u8]) -> Option<&str> {
    // Every byte is tested, without stopping at the first bad one: the loop then vectorizes
    // (values are short and nearly always visible ASCII; the early exit cost a third of the
    // rate-limit fields' gathering).
    let visible = value
        .iter()
        .fold(true, |ok, &b| ok & ((b == b'\t') | (32..127).contains(&b)));
    if visible {
        // Only ASCII bytes: valid UTF-8.
        std::str::from_utf8(value).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn parsed(head: &[u8]) -> RawHeaders {
        let mut fields = [httparse::EMPTY_HEADER; 16];
        let mut resp = httparse::Response::new(&mut fields);
        let len = match resp.parse(head).unwrap() {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => panic!("partial head"),
        };
        RawHeaders::from_parsed(&head[..len], resp.headers)
    }

    const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRateLimit: \"a\";r=1\r\nX-Empty:\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Bin: caf\xc3\xa9\r\nX-Tab: a\tb\r\n\r\n";

    /// `all_bytes` is a superset of every name and value, also of a field that had to be
    /// appended to the copy because it did not lie in the head it was parsed from.
    #[test]
    fn every_field_lies_within_all_bytes() {
        let within = |all: &[u8], part: &[u8]| {
            let (a, p) = (all.as_ptr() as usize, part.as_ptr() as usize);
            p >= a && p + part.len() <= a + all.len()
        };
        let raw = parsed(HEAD);
        let elsewhere = [httparse::Header {
            name: "X-Elsewhere",
            value: b"/srv/app.py",
        }];
        let appended = RawHeaders::from_parsed(b"HTTP/1.1 200 OK\r\n\r\n", &elsewhere);
        for r in [&raw, &appended] {
            let h = Headers::Raw(r);
            let all = h.all_bytes().unwrap();
            for (name, value) in h.iter() {
                assert!(within(all, name) && within(all, value), "{name:?}");
            }
        }
        assert_eq!(
            Headers::Raw(&appended).get("x-elsewhere"),
            Some(&b"/srv/app.py"[..])
        );
        assert_eq!(Headers::Map(&HeaderMap::new()).all_bytes(), None);
    }

    #[test]
    fn a_raw_head_reads_as_its_header_map_does() {
        let raw = parsed(HEAD);
        let mut map = HeaderMap::new();
        let mut fields = [httparse::EMPTY_HEADER; 16];
        let mut resp = httparse::Response::new(&mut fields);
        resp.parse(HEAD).unwrap();
        for h in resp.headers.iter() {
            map.append(
                reqwest::header::HeaderName::from_bytes(h.name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(h.value).unwrap(),
            );
        }
        let (r, m) = (Headers::Raw(&raw), Headers::Map(&map));
        for name in [
            "content-type",
            "Content-Type",
            "RATELIMIT",
            "x-empty",
            "set-cookie",
            "x-bin",
            "x-tab",
            "absent",
            "x-empt",
        ] {
            assert_eq!(r.get(name), m.get(name), "{name}");
            assert_eq!(r.get_str(name), m.get_str(name), "{name}");
            let lower = name.to_ascii_lowercase();
            assert_eq!(
                r.get_all(name).collect::<Vec<_>>(),
                map.get_all(lower.as_str())
                    .iter()
                    .map(|v| v.as_bytes())
                    .collect::<Vec<_>>(),
                "{name}"
            );
            // `to_str` is the rule `get_str` follows.
            assert_eq!(
                r.get_str(name),
                map.get(lower.as_str()).and_then(|v| v.to_str().ok()),
                "{name}"
            );
        }
        assert_eq!(r.get("set-cookie"), Some(&b"a=1"[..]), "the first of two");
        assert_eq!(r.get_str("x-bin"), None, "obs-text is not text");
        assert_eq!(r.get_str("x-tab"), Some("a\tb"));
        assert_eq!(r.iter().count(), 7);
        let mut listed = r.to_list();
        let mut from_map = m.to_list();
        listed.sort();
        from_map.sort();
        assert_eq!(listed, from_map, "the same fields, names lowercase");
        // Wire order, names as sent.
        let names: Vec<&str> = r
            .iter()
            .map(|(n, _)| std::str::from_utf8(n).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "RateLimit",
                "X-Empty",
                "Set-Cookie",
                "set-cookie",
                "X-Bin",
                "X-Tab"
            ]
        );
    }

    #[test]
    fn a_raw_head_owns_its_bytes() {
        let mut head = HEAD.to_vec();
        let raw = parsed(&head);
        head.fill(b'x');
        assert_eq!(
            Headers::Raw(&raw).get_str("ratelimit"),
            Some("\"a\";r=1"),
            "read from the copy, not the buffer it was parsed from"
        );
    }

    #[test]
    fn pooled_buffers_start_empty() {
        // Leave a few used buffers in this thread's pool, then parse smaller heads: nothing of
        // the earlier ones may show through.
        for _ in 0..POOL + 2 {
            drop(parsed(HEAD));
        }
        let small = parsed(b"HTTP/1.1 204 No Content\r\nX-One: 1\r\n\r\n");
        let h = Headers::Raw(&small);
        assert_eq!(h.iter().count(), 1);
        assert_eq!(h.get_str("x-one"), Some("1"));
        assert_eq!(h.get("content-type"), None);
        let again = parsed(HEAD);
        assert_eq!(Headers::Raw(&again).iter().count(), 7);
        assert!(
            SPARE.with_borrow(|p| p.len()) <= POOL,
            "the pool stays bounded"
        );
    }

    #[test]
    fn fields_from_elsewhere_are_copied_whole() {
        let other = httparse::Header {
            name: "X-Elsewhere",
            value: b"kept",
        };
        let raw = RawHeaders::from_parsed(b"HTTP/1.1 200 OK\r\n\r\n", &[other]);
        assert_eq!(Headers::Raw(&raw).get("x-elsewhere"), Some(&b"kept"[..]));
        assert_eq!(Headers::Raw(&raw).iter().count(), 1);
        assert_eq!(Headers::none().iter().count(), 0);
        assert_eq!(Headers::none().get("x-elsewhere"), None);
    }
}
