//! The load phase's lean HTTP/1.1 client for plain `http://` targets.
//!
//! Each lane owns at most one connection, opened lazily and again after the server closed it or
//! an error left it unusable. An exchange writes the request's pre-rendered bytes and reads the
//! response in the task that sent it: no connection task, no channels, no header map (the
//! fields are kept as received, and only when the caller asks for them). Pieces:
//!
//! - [`response`]: the pure part — the head parsed by `httparse`, the body framed and streamed
//!   into a [`BodySink`], and whether the connection can be reused; unit-tested without a network.
//! - [`chunked`]: the streaming chunked decoder.
//! - this file: connecting, writing, reading into a per-thread scratch buffer, and the deadline.
//!
//! Memory per connection is the socket, a timer and two flags: reads land in one buffer per
//! thread, and only a response head split across reads is gathered per connection. The deadline
//! is one timer per connection, re-armed lazily: it is moved earlier when a request's deadline is
//! sooner, and otherwise left to fire and pushed to the current deadline then — so a steady load
//! touches the timer wheel once per timeout period, not once per request.

mod chunked;
mod response;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

pub use response::{Failure, Response};

use super::body::BodySink;
use super::client::{ErrorKind, io_kind};
use crate::observe::Headers;

/// Same bound as the reqwest clients' connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The size of each thread's read buffer.
const SCRATCH: usize = 64 * 1024;

thread_local! {
    /// Every connection of a worker thread reads into this buffer; it is borrowed only inside
    /// one poll, never across an await.
    static SCRATCH_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0; SCRATCH].into_boxed_slice());
}

/// Where a lane connects (resolved at each connect, as reqwest does).
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl Target {
    /// The target of a plain `http://` base URL; `None` for anything else.
    pub fn of(base_url: &str) -> Option<Target> {
        let url = reqwest::Url::parse(base_url).ok()?;
        if url.scheme() != "http" {
            return None;
        }
        // An IPv6 literal comes bracketed; the resolver wants it bare.
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        Some(Target {
            host: host.to_string(),
            port: url.port_or_known_default()?,
        })
    }
}

/// One open connection.
struct Conn {
    stream: TcpStream,
    /// The connection's deadline timer (see the module docs).
    timer: Pin<Box<Sleep>>,
    /// It has carried a response already: a failure to write on it may be the server having
    /// closed it while idle.
    reused: bool,
}

impl Conn {
    /// Whether an idle connection can carry a request: the server has not closed it and sent
    /// nothing unasked. Costs no system call unless the socket was signalled readable.
    fn still_open(&self) -> bool {
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }

    /// Make the timer fire no later than `deadline`.
    fn arm(&mut self, deadline: Instant) {
        if self.timer.deadline() > deadline {
            self.timer.as_mut().reset(deadline);
        }
    }
}

/// A lane's connection slot. A lane carries one request at a time (the engine gates shared
/// HTTP/1.1 lanes), so the connection is taken out for an exchange and put back after it.
pub struct Lane {
    target: Target,
    idle: RefCell<Option<Conn>>,
    /// The buffer a dynamic request is rendered into, reused.
    wire: RefCell<Vec<u8>>,
}

/// What the client must know of a request's method.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    /// A HEAD request: the response has no body whatever its head says.
    pub head: bool,
    /// Safe to send again when a kept-alive connection closed under it.
    pub idempotent: bool,
}

impl Method {
    pub fn of(m: &reqwest::Method) -> Method {
        Method {
            head: m == reqwest::Method::HEAD,
            idempotent: m.is_idempotent(),
        }
    }
}

/// Why an exchange ended without a response: the request's deadline passed, or a failure.
enum Ended {
    Deadline,
    Failed(Failure),
}

impl From<Failure> for Ended {
    fn from(f: Failure) -> Self {
        Ended::Failed(f)
    }
}

impl Lane {
    pub fn new(target: Target) -> Lane {
        Lane {
            target,
            idle: RefCell::new(None),
            wire: RefCell::new(Vec::new()),
        }
    }

    /// The lane's request buffer, emptied; give it back with [`Self::put_wire`].
    pub fn take_wire(&self) -> Vec<u8> {
        let mut w = std::mem::take(&mut *self.wire.borrow_mut());
        w.clear();
        w
    }

    pub fn put_wire(&self, w: Vec<u8>) {
        *self.wire.borrow_mut() = w;
    }

    /// Send `wire` (a complete request) and read the response, all within `timeout`.
    /// `want_headers(status)` says whether to keep the response's header fields; `make_sink`
    /// makes the body's sink from the status and headers (none when not kept).
    pub async fn exchange<W, S>(
        &self,
        wire: &[u8],
        timeout: Duration,
        method: Method,
        want_headers: W,
        make_sink: S,
    ) -> Result<Response, Failure>
    where
        W: FnMut(u16) -> bool,
        S: FnMut(u16, Headers<'_>) -> BodySink,
    {
        let deadline = Instant::now() + timeout;
        let reader = response::Reader::new(method.head, want_headers, make_sink);
        match self.run(wire, deadline, method.idempotent, reader).await {
            Ok(r) => Ok(r),
            Err(Ended::Failed(f)) => Err(f),
            Err(Ended::Deadline) => Err((
                ErrorKind::Timeout,
                format!("no complete response within {timeout:?}"),
            )),
        }
    }

    async fn run<W, S>(
        &self,
        wire: &[u8],
        deadline: Instant,
        idempotent: bool,
        mut reader: response::Reader<W, S>,
    ) -> Result<Response, Ended>
    where
        W: FnMut(u16) -> bool,
        S: FnMut(u16, Headers<'_>) -> BodySink,
    {
        let mut conn = self.send(wire, deadline).await?;
        let mut retried = false;
        loop {
            let Conn { stream, timer, .. } = &mut conn;
            let read = poll_fn(|cx| {
                SCRATCH_BUF.with_borrow_mut(|scratch| {
                    let mut buf = ReadBuf::new(scratch);
                    match Pin::new(&mut *stream).poll_read(cx, &mut buf) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(Err(e)) => Poll::Ready(Err(read_failure(&e))),
                        Poll::Ready(Ok(())) if buf.filled().is_empty() => Poll::Ready(reader.eof()),
                        Poll::Ready(Ok(())) => Poll::Ready(reader.feed(buf.filled())),
                    }
                })
            });
            match within(timer, deadline, read).await {
                None => return Err(Ended::Deadline),
                // A kept-alive connection the server closed as the request went out (its idle
                // timeout raced the request): an idempotent request may be sent again
                // (RFC 9110 §9.2.2), once, on a new connection.
                Some(Err((ErrorKind::Reset, _)))
                    if conn.reused && idempotent && !retried && reader.nothing_received() =>
                {
                    retried = true;
                    reader.restart();
                    conn = self.send(wire, deadline).await?;
                }
                Some(Err(f)) => return Err(f.into()),
                Some(Ok(false)) => {}
                Some(Ok(true)) => break,
            }
        }
        let response = reader
            .into_response()
            .expect("the reader said the response is complete");
        if response.reusable {
            conn.reused = true;
            *self.idle.borrow_mut() = Some(conn);
        }
        // Otherwise the connection drops here, closing the socket mid-response if need be.
        Ok(response)
    }

    /// Write `wire` on the idle connection or a new one. A kept-alive connection the server
    /// closed while idle is replaced without counting an error, and a write that fails on a
    /// reused connection is retried once on a fresh one (as reqwest's pool does).
    async fn send(&self, wire: &[u8], deadline: Instant) -> Result<Conn, Ended> {
        let mut retried = false;
        loop {
            let idle = self.idle.borrow_mut().take();
            let mut conn = match idle.filter(Conn::still_open) {
                Some(mut c) => {
                    c.arm(deadline);
                    c
                }
                // Boxed: connecting is rare on a kept-alive connection, and its future would
                // otherwise make every user task's state hundreds of bytes larger.
                None => Box::pin(connect(&self.target, deadline)).await?,
            };
            let Conn { stream, timer, .. } = &mut conn;
            match within(timer, deadline, stream.write_all(wire)).await {
                None => return Err(Ended::Deadline),
                Some(Ok(())) => return Ok(conn),
                Some(Err(_)) if conn.reused && !retried => retried = true,
                Some(Err(e)) => {
                    return Err(Ended::Failed((
                        io_kind(&e).unwrap_or(ErrorKind::Reset),
                        format!("writing the request failed: {e}"),
                    )));
                }
            }
        }
    }
}

fn read_failure(e: &std::io::Error) -> Failure {
    (
        io_kind(e).unwrap_or(ErrorKind::Reset),
        format!("reading the response failed: {e}"),
    )
}

/// Run `fut` until `deadline` on `timer`; `None` when the deadline passed first. The timer may be
/// armed earlier than `deadline` (a previous request's): then it is pushed to `deadline` when it
/// fires.
async fn within<F: Future>(
    timer: &mut Pin<Box<Sleep>>,
    deadline: Instant,
    fut: F,
) -> Option<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        loop {
            match timer.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if Instant::now() >= deadline => return Poll::Ready(None),
                Poll::Ready(()) => timer.as_mut().reset(deadline),
            }
        }
    })
    .await
}

async fn connect(target: &Target, deadline: Instant) -> Result<Conn, Ended> {
    let mut timer = Box::pin(tokio::time::sleep_until(deadline));
    let stream = match within(&mut timer, deadline, connect_stream(target)).await {
        None => return Err(Ended::Deadline),
        Some(r) => r?,
    };
    Ok(Conn {
        stream,
        timer,
        reused: false,
    })
}

async fn connect_stream(target: &Target) -> Result<TcpStream, Failure> {
    let connect = async {
        let addrs = tokio::net::lookup_host((target.host.as_str(), target.port)).await?;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "the host resolved to nothing")
        }))
    };
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err((
                super::client::connect_error_kind(&e),
                format!("cannot connect to {}:{}: {e}", target.host, target.port),
            ));
        }
        Err(_) => {
            return Err((
                ErrorKind::Timeout,
                format!("connecting to {}:{} timed out", target.host, target.port),
            ));
        }
    };
    // Small requests must not wait for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}
