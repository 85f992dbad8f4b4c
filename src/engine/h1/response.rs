//! Reading one HTTP/1.1 response from the bytes a connection delivers, without a network: the
//! head parsed by `httparse` (the parser hyper uses), the body framed as RFC 9112 §6.3 says and
//! streamed into a [`BodySink`], and the verdict on whether the connection can carry another
//! request.
//!
//! Nothing here allocates on the common path: a head that arrives whole is parsed where it lies,
//! its fields are kept (one copy of the head, [`RawHeaders`]) only when the caller asks for them
//! for this status, and body bytes are handed to the sink as slices. Only a head split across
//! reads is gathered in `pending`.

use super::chunked::{Chunked, Decoded};
use crate::engine::body::BodySink;
use crate::engine::client::{ErrorKind, check_status};
use crate::observe::{Headers, RawHeaders};

/// The most header fields a response head may have (hyper's default too).
pub const MAX_HEADERS: usize = 100;
/// The largest response head read; a longer one is a protocol error.
pub const MAX_HEAD: usize = 64 * 1024;

/// A failed response: its kind and a one-line description.
pub type Failure = (ErrorKind, String);

/// How a response's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: a HEAD request, 1xx, 204, 304.
    Empty,
    Length(u64),
    Chunked,
    /// Until the server closes the connection (no length, or a transfer coding not ending in
    /// chunked).
    UntilClose,
}

/// What a response head says, besides its status and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub framing: Framing,
    /// The connection may carry another request after this response.
    pub keep_alive: bool,
}

/// The framing and persistence of a response (RFC 9112 §6.3, §9.3). `version` is the minor
/// version (0 or 1). An error is a head whose framing cannot be trusted.
pub fn frame(
    status: u16,
    version: u8,
    head_request: bool,
    headers: &[httparse::Header<'_>],
) -> Result<Frame, String> {
    let mut length: Option<u64> = None;
    let mut chunked_last = None;
    let (mut close, mut keep) = (false, false);
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-length") {
            for v in list(h.value) {
                let n = std::str::from_utf8(v)
                    .ok()
                    .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| {
                        format!(
                            "invalid Content-Length {:?}",
                            String::from_utf8_lossy(h.value)
                        )
                    })?;
                if length.is_some_and(|l| l != n) {
                    return Err("two different Content-Length values".into());
                }
                length = Some(n);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Only the last coding decides whether the body is chunked.
            if let Some(last) = list(h.value).last() {
                chunked_last = Some(last.eq_ignore_ascii_case(b"chunked"));
            }
        } else if h.name.eq_ignore_ascii_case("connection") {
            for t in list(h.value) {
                close |= t.eq_ignore_ascii_case(b"close");
                keep |= t.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }
    let mut keep_alive = if version >= 1 { !close } else { keep && !close };
    let framing = if head_request || (100..200).contains(&status) || status == 204 || status == 304
    {
        Framing::Empty
    } else if let Some(chunked) = chunked_last {
        // A length beside a transfer coding is ignored, and the connection is not trusted
        // after it (RFC 9112 §6.3 item 3).
        if length.is_some() || version == 0 {
            keep_alive = false;
        }
        if chunked {
            Framing::Chunked
        } else {
            Framing::UntilClose
        }
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::UntilClose
    };
    if framing == Framing::UntilClose || status == 101 {
        keep_alive = false;
    }
    Ok(Frame {
        framing,
        keep_alive,
    })
}

/// The non-empty elements of a comma-separated field value, trimmed.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(|v| v.trim_ascii())
        .filter(|v| !v.is_empty())
}

/// A parsed final response head.
struct Head {
    status: u16,
    len: usize,
    frame: Frame,
    headers: Option<RawHeaders>,
}

/// Parse a head at the start of `buf`; `Ok(None)` when more bytes are needed. `want_headers`
/// says, for a final status, whether to keep the header fields. Interim (1xx) heads come back
/// with `headers: None`.
fn parse_head(
    buf: &[u8],
    head_request: bool,
    want_headers: &mut dyn FnMut(u16) -> bool,
) -> Result<Option<Head>, Failure> {
    let protocol = |m: String| (ErrorKind::Protocol, m);
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut fields);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(protocol(format!(
                "the response head is longer than {} KiB",
                MAX_HEAD / 1024
            )));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(protocol(format!(
                "the response head has more than {MAX_HEADERS} header fields"
            )));
        }
        Err(e) => return Err(protocol(format!("invalid response head: {e}"))),
    };
    let status = resp.code.unwrap_or(0);
    check_status(status)?;
    let frame = frame(
        status,
        resp.version.unwrap_or(1),
        head_request,
        resp.headers,
    )
    .map_err(protocol)?;
    let interim = (100..200).contains(&status) && status != 101;
    let headers = if !interim && want_headers(status) {
        Some(RawHeaders::from_parsed(&buf[..len], resp.headers))
    } else {
        None
    };
    Ok(Some(Head {
        status,
        len,
        frame,
        headers,
    }))
}

enum State {
    Head,
    Body {
        left: Left,
        status: u16,
        headers: Option<RawHeaders>,
        keep_alive: bool,
        sink: BodySink,
    },
    Done(Response),
}

/// What is left of a body.
enum Left {
    Length(u64),
    Chunked(Chunked),
    UntilClose,
}

/// A complete response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Kept only when the caller's `want_headers` asked for them.
    pub headers: Option<RawHeaders>,
    pub sink: BodySink,
    /// The connection is at a clean boundary and the server did not ask to close it.
    pub reusable: bool,
}

/// One response being read. `W` decides, from the status, whether to keep the header fields;
/// `S` makes the body's sink from the status and headers (none when they were not kept).
pub struct Reader<W, S> {
    head_request: bool,
    want_headers: W,
    make_sink: S,
    /// A head that arrived in pieces, gathered until it is whole.
    pending: Vec<u8>,
    received: u64,
    state: State,
}

impl<W, S> Reader<W, S>
where
    W: FnMut(u16) -> bool,
    S: FnMut(u16, Headers<'_>) -> BodySink,
{
    pub fn new(head_request: bool, want_headers: W, make_sink: S) -> Self {
        Reader {
            head_request,
            want_headers,
            make_sink,
            pending: Vec::new(),
            received: 0,
            state: State::Head,
        }
    }

    /// Take the next bytes the connection delivered; `true` once the response is complete.
    pub fn feed(&mut self, mut input: &[u8]) -> Result<bool, Failure> {
        self.received += input.len() as u64;
        loop {
            match &mut self.state {
                State::Done(_) => return Ok(true),
                State::Body { .. } => return self.body(input),
                State::Head => {}
            }
            let gathered = !self.pending.is_empty();
            if gathered {
                self.pending.extend_from_slice(input);
                input = &[];
            }
            let buf = if gathered { &self.pending[..] } else { input };
            let Some(head) = parse_head(buf, self.head_request, &mut self.want_headers)? else {
                if !gathered {
                    self.pending.extend_from_slice(input);
                }
                return Ok(false);
            };
            // What follows the head: kept in `pending` (gathered) or still in `input`.
            let rest = if gathered {
                self.pending.drain(..head.len);
                std::mem::take(&mut self.pending)
            } else {
                input = &input[head.len..];
                Vec::new()
            };
            if (100..200).contains(&head.status) && head.status != 101 {
                // An interim response (100 Continue, 103 Early Hints): the final one follows.
                if gathered {
                    self.pending = rest;
                }
                continue;
            }
            let headers = head.headers.as_ref().map_or(Headers::none(), Headers::Raw);
            let sink = (self.make_sink)(head.status, headers);
            let left = match head.frame.framing {
                Framing::Empty | Framing::Length(0) => None,
                Framing::Length(n) => Some(Left::Length(n)),
                Framing::Chunked => Some(Left::Chunked(Chunked::default())),
                Framing::UntilClose => Some(Left::UntilClose),
            };
            let body = if gathered { &rest[..] } else { input };
            match left {
                None => {
                    self.state = State::Done(Response {
                        status: head.status,
                        headers: head.headers,
                        sink,
                        // Bytes after a complete response answer nothing we asked.
                        reusable: head.frame.keep_alive && body.is_empty(),
                    });
                    return Ok(true);
                }
                Some(left) => {
                    self.state = State::Body {
                        left,
                        status: head.status,
                        headers: head.headers,
                        keep_alive: head.frame.keep_alive,
                        sink,
                    };
                    if body.is_empty() {
                        return Ok(false);
                    }
                    return self.body(body);
                }
            }
        }
    }

    fn body(&mut self, input: &[u8]) -> Result<bool, Failure> {
        let State::Body { left, sink, .. } = &mut self.state else {
            return Ok(matches!(self.state, State::Done(_)));
        };
        // (complete, reusable)
        let (complete, clean) = match left {
            Left::Length(rest) => {
                let n = usize::try_from(*rest)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                *rest -= n as u64;
                if !sink.push(&input[..n]) {
                    (true, false)
                } else if *rest == 0 {
                    (true, n == input.len())
                } else {
                    (false, true)
                }
            }
            Left::Chunked(dec) => match dec
                .decode(input, |d| sink.push(d))
                .map_err(|e| (ErrorKind::BodyRead, format!("invalid chunked body: {e}")))?
            {
                Decoded::NeedMore => (false, true),
                Decoded::Done { used } => (true, used == input.len()),
                Decoded::Stopped => (true, false),
            },
            Left::UntilClose => (!sink.push(input), false),
        };
        if complete {
            self.finish(clean);
        }
        Ok(complete)
    }

    fn finish(&mut self, clean: bool) {
        if let State::Body {
            status,
            headers,
            keep_alive,
            sink,
            ..
        } = std::mem::replace(&mut self.state, State::Head)
        {
            let reusable = keep_alive && clean && !sink.truncated;
            self.state = State::Done(Response {
                status,
                headers,
                sink,
                reusable,
            });
        }
    }

    /// Whether no byte of the response has arrived.
    pub fn nothing_received(&self) -> bool {
        self.received == 0
    }

    /// Start over, for the same request sent again.
    pub fn restart(&mut self) {
        self.pending.clear();
        self.received = 0;
        self.state = State::Head;
    }

    /// The server closed the connection (a read returned 0 bytes). Complete only for a body
    /// delimited by the close.
    pub fn eof(&mut self) -> Result<bool, Failure> {
        match &self.state {
            State::Done(_) => Ok(true),
            State::Head if self.received == 0 => Err((
                ErrorKind::Reset,
                "the connection closed before any response".into(),
            )),
            State::Head => Err((
                ErrorKind::Reset,
                format!(
                    "the connection closed in the middle of the response head ({} bytes)",
                    self.received
                ),
            )),
            State::Body {
                left: Left::UntilClose,
                ..
            } => {
                self.finish(false);
                Ok(true)
            }
            State::Body {
                left: Left::Length(rest),
                sink,
                ..
            } => Err((
                ErrorKind::BodyRead,
                format!(
                    "the connection closed {rest} bytes before the end of the body (got {})",
                    sink.bytes
                ),
            )),
            State::Body { .. } => Err((
                ErrorKind::BodyRead,
                "the connection closed in the middle of a chunked body".into(),
            )),
        }
    }

    /// The response, once [`Self::feed`] or [`Self::eof`] said it is complete.
    pub fn into_response(self) -> Option<Response> {
        match self.state {
            State::Done(r) => Some(r),
            _ => None,
        }
    }
}
