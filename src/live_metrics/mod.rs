//! Live metrics: `run --metrics-listen ADDR` serves the run's counters in the Prometheus text
//! format at `GET /metrics` while it goes (warm-up, load, checks), and stops once the reports
//! are written (after `--metrics-hold`, if given, so a scraper's last scrape sees the end).
//!
//! The hot path pays nothing for it: worker threads keep recording into their own `RefCell`s,
//! and each thread's 250 ms ticker copies its cumulative figures into its [`board::Slot`]; a
//! scrape merges the slots ([`board::Board::scrape`]) and renders them
//! ([`prometheus::render`], a pure function). Without the flag there is no board, no slot and
//! no copy. The counters cover the load phase only (the warm-up has its own stats and is not
//! published; the checks' probes are not load), so after the run they equal the report's.
//!
//! This module owns the board, the exposition and the server; the engine only publishes into
//! the slots it is given, and the pipeline ([`crate::run_load_with`]) starts and stops the
//! server and sets the phase.

pub mod board;
pub mod prometheus;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::io::Write as _;

use tokio::sync::{oneshot, watch};

pub use board::{Board, Phase, Slot};

/// `--metrics-listen` could not be bound: a usage error, found before any load is sent.
#[derive(Debug, thiserror::Error)]
#[error(
    "--metrics-listen {addr}: cannot listen: {source}\n  hint: pick a free port, or port 0 to let the system choose one (the address is printed on stderr)"
)]
pub struct BindError {
    pub addr: SocketAddr,
    pub source: std::io::Error,
}

/// The `/metrics` server of one run, on its own task of the main runtime.
pub struct Server {
    addr: SocketAddr,
    board: Arc<Board>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// Start the server `--metrics-listen` asks for (none without the flag), and say where it
/// listens on stderr, so that a script using port 0 can find it.
pub async fn start(plan: &crate::plan::RunPlan) -> Result<Option<Server>, BindError> {
    let Some(addr) = plan.output.metrics_listen else {
        return Ok(None);
    };
    let names = plan.requests.iter().map(|r| r.name.clone()).collect();
    let segment = (!plan.segment.is_whole()).then(|| plan.segment.to_string());
    let board = Board::new(&plan.name, segment.as_deref(), names);
    let server = Server::start(addr, board).await?;
    let _ = writeln!(
        std::io::stderr(),
        "metrics: listening on http://{}/metrics",
        server.addr()
    );
    Ok(Some(server))
}

impl Server {
    /// Bind `addr` and start serving `board`. The bound address (the port chosen, for port 0)
    /// is [`Server::addr`].
    pub async fn start(addr: SocketAddr, board: Arc<Board>) -> Result<Server, BindError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| BindError { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| BindError { addr, source })?;
        let reader = board.clone();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let board = reader.clone();
                async move {
                    let body = prometheus::render(&board.scrape(Instant::now()));
                    (
                        [(axum::http::header::CONTENT_TYPE, prometheus::CONTENT_TYPE)],
                        body,
                    )
                }
            }),
        );
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Server {
            addr: bound,
            board,
            shutdown: Some(tx),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn board(&self) -> &Arc<Board> {
        &self.board
    }

    /// Keep serving for `hold` (cut short by a stop), then shut down. A scraper holding a
    /// connection open gets a second to finish its request before the task is dropped.
    pub async fn stop(mut self, hold: Duration, mut interrupted: watch::Receiver<bool>) {
        if !hold.is_zero() && !*interrupted.borrow() {
            tokio::select! {
                _ = tokio::time::sleep(hold) => {}
                _ = interrupted.wait_for(|s| *s) => {}
            }
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(Duration::from_secs(1), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

impl Drop for Server {
    /// A run that fails part-way drops its server: the listener closes with it.
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_the_board_and_stops() {
        let board = Board::new("smoke", None, vec!["list".into()]);
        let slot = board.slot();
        let server = Server::start("127.0.0.1:0".parse().unwrap(), board.clone())
            .await
            .unwrap();
        let addr = server.addr();
        assert_ne!(addr.port(), 0);
        let mut r = crate::metrics::stats::RequestStats {
            sent: 7,
            ..Default::default()
        };
        r.status.insert(200, 7);
        slot.publish(&[r], &[0], 0, 0);
        let response = get(addr, "/metrics").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(
            response.contains("content-type: text/plain; version=0.0.4"),
            "{response}"
        );
        assert!(response.contains("loadproof_requests_total{request=\"list\"} 7\n"));
        assert!(get(addr, "/other").await.starts_with("HTTP/1.1 404"));
        let (_tx, rx) = watch::channel(false);
        server.stop(Duration::ZERO, rx).await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn a_taken_address_is_a_bind_error() {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = taken.local_addr().unwrap();
        let board = Board::new("s", None, vec![]);
        let Err(e) = Server::start(addr, board).await else {
            panic!("bound a taken port");
        };
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("--metrics-listen {addr}: cannot listen")),
            "{text}"
        );
        assert!(text.contains("hint: "), "{text}");
    }
}
