//! HTTP clients for the load phase and the classification of request errors by kind.
//!
//! One `reqwest::Client` per *connection lane*: a client with at most one idle connection per host
//! is how a lane owns exactly one keep-alive connection (HTTP/1.1) or one multiplexed connection
//! (HTTP/2), which is what makes `connections = N` mean N.

use std::time::Duration;

use crate::scenario::Protocol;

pub use crate::metrics::ErrorKind;

/// Build one lane's client.
pub fn build(
    protocol: Protocol,
    insecure: bool,
    https: bool,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut b = reqwest::Client::builder()
        // Never route load through a proxy picked up from the environment: the traffic must go
        // where the scenario says, and the latency must be the target's.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("loadproof/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(insecure);
    b = match (protocol, https) {
        (Protocol::Http1, _) => b.http1_only(),
        // Over TLS, HTTP/2 is negotiated with ALPN; in cleartext there is no negotiation, so
        // `http2` on an http:// target means prior knowledge, like `h2c`.
        (Protocol::Http2, true) => b,
        (Protocol::Http2, false) | (Protocol::H2c, _) => b.http2_prior_knowledge(),
    };
    b.build()
}

/// Classify a reqwest error. reqwest's own flags come first; the source chain decides the rest
/// (reset vs. protocol vs. TLS), because reqwest folds those into one "request" error.
pub fn classify(e: &reqwest::Error) -> ErrorKind {
    if e.is_timeout() {
        return ErrorKind::Timeout;
    }
    // Before `is_connect`: a connect that failed for want of a descriptor is ours, not the
    // target's.
    if io_error_kind(e) == Some(ErrorKind::Local) {
        return ErrorKind::Local;
    }
    let chain = chain_text(e).to_ascii_lowercase();
    if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake") {
        return ErrorKind::Tls;
    }
    if e.is_connect() {
        return ErrorKind::Connect;
    }
    if e.is_body() || e.is_decode() {
        return ErrorKind::BodyRead;
    }
    if e.is_builder() {
        return ErrorKind::Request;
    }
    if let Some(kind) = io_error_kind(e) {
        return kind;
    }
    // HTTP/2: a stream reset by the peer (RST_STREAM) or a connection it is closing (GOAWAY)
    // ended the exchange before a complete response, like a TCP reset does for HTTP/1.1.
    if chain.contains("stream error") || chain.contains("go away") || chain.contains("goaway") {
        return ErrorKind::Reset;
    }
    if chain.contains("connection closed")
        || chain.contains("incomplete")
        || chain.contains("reset")
        || chain.contains("broken pipe")
        || chain.contains("canceled")
    {
        return ErrorKind::Reset;
    }
    if chain.contains("invalid")
        || chain.contains("parse")
        || chain.contains("malformed")
        || chain.contains("too large")
    {
        return ErrorKind::Protocol;
    }
    ErrorKind::Other
}

/// The kind of the first `std::io::Error` in `e`'s source chain, when that kind decides ours.
/// Shared by both HTTP paths (reqwest here, the lean client in `h1/`) so they count the same failure the
/// same way.
pub fn io_error_kind(e: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    let mut src = e.source();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io_kind(io);
        }
        src = s.source();
    }
    None
}

/// The kind of an I/O error, when its kind decides ours.
pub fn io_kind(io: &std::io::Error) -> Option<ErrorKind> {
    use std::io::ErrorKind as Io;
    if is_local_exhaustion(io) {
        return Some(ErrorKind::Local);
    }
    match io.kind() {
        Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof => {
            Some(ErrorKind::Reset)
        }
        Io::TimedOut => Some(ErrorKind::Timeout),
        Io::ConnectionRefused => Some(ErrorKind::Connect),
        _ => None,
    }
}

/// A status code outside 100–599 is not an HTTP status (RFC 9110 §15 defines only those
/// classes): the response is a protocol error, not a 5xx or a success to be judged.
pub fn check_status(status: u16) -> Result<(), (ErrorKind, String)> {
    if (100..=599).contains(&status) {
        Ok(())
    } else {
        Err((
            ErrorKind::Protocol,
            format!("status {status} is outside 100-599, so not an HTTP status"),
        ))
    }
}

/// Whether `io` says this process ran out of something (descriptors, socket buffers, memory,
/// local ports) rather than anything about the target.
pub fn is_local_exhaustion(io: &std::io::Error) -> bool {
    use rustix::io::Errno;
    let Some(code) = io.raw_os_error() else {
        return false;
    };
    [
        Errno::MFILE,
        Errno::NFILE,
        Errno::NOBUFS,
        Errno::NOMEM,
        Errno::ADDRNOTAVAIL,
    ]
    .iter()
    .any(|e| e.raw_os_error() == code)
}

/// The kind of a failed TCP connect: the client's own exhaustion, or the target's refusal.
pub fn connect_error_kind(io: &std::io::Error) -> ErrorKind {
    if is_local_exhaustion(io) {
        ErrorKind::Local
    } else {
        ErrorKind::Connect
    }
}

/// The error and all its sources on one line: reqwest's top-level message alone ("error sending
/// request") says too little to act on.
pub fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        src = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_outside_100_to_599_are_protocol_errors() {
        for ok in [100, 200, 404, 599] {
            assert!(check_status(ok).is_ok(), "{ok}");
        }
        for bad in [0, 99, 600, 999, 1000] {
            let (kind, message) = check_status(bad).unwrap_err();
            assert_eq!(kind, ErrorKind::Protocol);
            assert!(message.contains(&bad.to_string()), "{message}");
        }
    }

    #[test]
    fn running_out_of_descriptors_is_local_not_the_targets_fault() {
        let emfile = std::io::Error::from_raw_os_error(rustix::io::Errno::MFILE.raw_os_error());
        assert_eq!(connect_error_kind(&emfile), ErrorKind::Local);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(connect_error_kind(&refused), ErrorKind::Connect);
        // Deep in a source chain (as reqwest and hyper wrap it), it is still found.
        #[derive(Debug)]
        struct Wrap(std::io::Error);
        impl std::fmt::Display for Wrap {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Wrap {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let nfile = std::io::Error::from_raw_os_error(rustix::io::Errno::NFILE.raw_os_error());
        assert_eq!(io_error_kind(&Wrap(nfile)), Some(ErrorKind::Local));
        assert_eq!(ErrorKind::Local.name(), "local");
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        // Bind then drop a listener: its port on 127.0.0.1 is now (almost certainly) closed.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let c = build(Protocol::Http1, false, false).unwrap();
        let e = c
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&e), ErrorKind::Connect, "{}", chain_text(&e));
    }

    #[tokio::test]
    async fn silent_server_is_a_timeout() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let keep = tokio::spawn(async move {
            let (_sock, _) = l.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let c = build(Protocol::Http1, false, false).unwrap();
        let e = c
            .get(format!("http://{addr}/"))
            .timeout(Duration::from_millis(200))
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&e), ErrorKind::Timeout);
        keep.abort();
    }

    #[tokio::test]
    async fn close_before_response_is_a_reset() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let (mut sock, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        });
        let c = build(Protocol::Http1, false, false).unwrap();
        let e = c.get(format!("http://{addr}/")).send().await.unwrap_err();
        assert_eq!(classify(&e), ErrorKind::Reset, "{}", chain_text(&e));
        server.await.unwrap();
    }

    #[tokio::test]
    async fn garbage_status_line_is_a_protocol_error() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut sock, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(b"HTTP/9 banana\r\n\r\n").await;
        });
        let c = build(Protocol::Http1, false, false).unwrap();
        let e = c.get(format!("http://{addr}/")).send().await.unwrap_err();
        assert_eq!(classify(&e), ErrorKind::Protocol, "{}", chain_text(&e));
        server.await.unwrap();
    }
}
