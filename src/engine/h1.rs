//! The load phase's lean HTTP/1.1 path for plain `http://` targets.
//!
//! Each lane owns at most one connection: a `hyper` HTTP/1.1 client connection over a Tokio
//! `TcpStream` (TCP_NODELAY), its connection future spawned on the worker thread's `LocalSet`.
//! The connection is opened lazily on the first request and again after the server closed it or
//! an error left it unusable. Compared with `reqwest` this skips the pool, the per-request
//! builder, the `Url` clone and the response wrapper; request heads are pre-built by
//! [`super::request::PreparedRequest`].

use std::cell::RefCell;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::client::{ErrorKind, chain_text};

pub type Body = Full<Bytes>;

/// Same bound as the reqwest clients' connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A failed exchange: its kind and a one-line description.
pub type Failure = (ErrorKind, String);

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

/// One open connection. Dropping it stops its connection task, which closes the socket.
pub struct Conn {
    sender: SendRequest<Body>,
    task: tokio::task::JoinHandle<()>,
    reused: bool,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A lane's connection slot. A lane carries one request at a time (the engine gates shared
/// HTTP/1.1 lanes), so the connection is taken out for an exchange and put back after it.
pub struct Lane {
    target: Target,
    idle: RefCell<Option<Conn>>,
}

impl Lane {
    pub fn new(target: Target) -> Lane {
        Lane {
            target,
            idle: RefCell::new(None),
        }
    }

    /// Send `req` and return the response head with the connection it came on. A kept-alive
    /// connection the server closed while idle is replaced without counting an error, and a
    /// request it refused before writing anything is retried once on a fresh connection (as
    /// reqwest's pool does).
    pub async fn send(
        &self,
        req: Request<Body>,
    ) -> Result<(Response<hyper::body::Incoming>, Conn), Failure> {
        let mut req = req;
        loop {
            let idle = self.idle.borrow_mut().take();
            let mut conn = match idle {
                Some(c) if !c.sender.is_closed() => c,
                _ => connect(&self.target).await?,
            };
            if let Err(e) = conn.sender.ready().await {
                if conn.reused {
                    continue;
                }
                return Err((classify(&e), chain_text(&e)));
            }
            match conn.sender.try_send_request(req).await {
                Ok(resp) => return Ok((resp, conn)),
                Err(mut e) => match e.take_message() {
                    Some(back) if conn.reused => req = back,
                    _ => {
                        let e = e.into_error();
                        return Err((classify(&e), chain_text(&e)));
                    }
                },
            }
        }
    }

    /// Keep `conn` for the next request if it can carry one.
    pub fn put_back(&self, mut conn: Conn) {
        if !conn.sender.is_closed() {
            conn.reused = true;
            *self.idle.borrow_mut() = Some(conn);
        }
    }
}

async fn connect(target: &Target) -> Result<Conn, Failure> {
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
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| (classify(&e), chain_text(&e)))?;
    let task = tokio::task::spawn_local(async move {
        // Its errors reach the request that was in flight; nothing more to do here.
        let _ = connection.await;
    });
    Ok(Conn {
        sender,
        task,
        reused: false,
    })
}

/// Classify a hyper error with the kinds the reqwest path uses.
pub fn classify(e: &hyper::Error) -> ErrorKind {
    if e.is_timeout() {
        return ErrorKind::Timeout;
    }
    if e.is_parse() || e.is_parse_status() || e.is_parse_too_large() {
        return ErrorKind::Protocol;
    }
    if let Some(kind) = super::client::io_error_kind(e) {
        return kind;
    }
    if e.is_incomplete_message() || e.is_canceled() || e.is_closed() || e.is_body_write_aborted() {
        return ErrorKind::Reset;
    }
    if e.is_user() {
        return ErrorKind::Request;
    }
    ErrorKind::Other
}
