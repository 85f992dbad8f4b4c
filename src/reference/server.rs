//! Running the reference API: binding, serving HTTP/1.1 and h2c on one port, stats access and
//! bounded graceful shutdown.

use std::future::IntoFuture;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::stall;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::ReferenceConfig;
use super::routes;
use super::state::AppState;
use super::stats::StatsSnapshot;

/// How long [`ReferenceServer::shutdown`] waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A running reference API. Dropping it without [`shutdown`](Self::shutdown) also starts a
/// graceful shutdown (the shutdown channel closes), but does not wait for it.
pub struct ReferenceServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: oneshot::Sender<()>,
    join: JoinHandle<io::Result<()>>,
}

impl ReferenceServer {
    /// Binds `addr` and spawns the server on the current Tokio runtime; returns once listening.
    pub async fn start(config: ReferenceConfig, addr: SocketAddr) -> io::Result<ReferenceServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // Without TCP_NODELAY, Nagle plus delayed ACKs can add ~40 ms to small responses, which
        // would be measured as server latency by the load tool.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let state = Arc::new(AppState::new(&config));
        let mut app = routes::router(state.clone());
        if let Some(stall) = config.stall {
            let started = tokio::time::Instant::now();
            app = app.layer(axum::middleware::from_fn(move |req, next| {
                stall::middleware(stall, started, req, next)
            }));
        }
        if !config.response_delay.is_zero() {
            let delay = config.response_delay;
            // Every route, every status: the whole API is that much slower, as after a change
            // that costs time on every request.
            app = app.layer(axum::middleware::from_fn(
                move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                    tokio::time::sleep(delay).await;
                    next.run(req).await
                },
            ));
        }
        let (tx, rx) = oneshot::channel::<()>();
        // axum::serve uses hyper-util's auto builder: HTTP/1.1 keep-alive and HTTP/2 with prior
        // knowledge (h2c) are both detected per connection on the same port.
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        let join = tokio::spawn(serve.into_future());
        Ok(ReferenceServer {
            addr,
            state,
            shutdown: tx,
            join,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`; a wildcard bind address is replaced by loopback so the URL is usable.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    pub fn stats(&self) -> StatsSnapshot {
        routes::snapshot(&self.state)
    }

    /// Stops accepting, lets in-flight requests finish for up to 2 s, then returns. Requests
    /// still running after that (a long `/delay`) are left to finish on their own connection
    /// tasks; the listener is closed either way.
    pub async fn shutdown(self) {
        let ReferenceServer {
            shutdown, mut join, ..
        } = self;
        let _ = shutdown.send(());
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut join)
            .await
            .is_err()
        {
            join.abort();
        }
    }
}
