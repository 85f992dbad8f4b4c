//! The system under test for one run: a base URL that was checked to accept connections, or the
//! built-in reference API started in-process on 127.0.0.1:0 (and stopped after the run).

use std::time::Duration;

use crate::RuntimeError;
use crate::plan::RunPlan;
use crate::reference::{ReferenceConfig, ReferenceServer};
use crate::scenario;

pub enum Target {
    Url(String),
    Reference(ReferenceServer, String),
}

/// How long the pre-flight TCP connect may take before the target counts as unreachable.
const PREFLIGHT: Duration = Duration::from_secs(5);

impl Target {
    pub async fn start(plan: &RunPlan) -> Result<Target, RuntimeError> {
        match &plan.target {
            scenario::Target::Reference => {
                let server =
                    ReferenceServer::start(ReferenceConfig::default(), ([127, 0, 0, 1], 0).into())
                        .await
                        .map_err(RuntimeError::Reference)?;
                let url = server.base_url();
                Ok(Target::Reference(server, url))
            }
            scenario::Target::Url(url) => {
                preflight(url)
                    .await
                    .map_err(|why| RuntimeError::Unreachable {
                        url: plan.redactor.text(url),
                        why,
                    })?;
                if url.starts_with("https:") {
                    preflight_tls(plan, url).await.map_err(RuntimeError::Tls)?;
                }
                Ok(Target::Url(url.clone()))
            }
            // `RunPlan::resolve` refuses a plan whose target is still unset; kept total here.
            scenario::Target::Unset { var, at } => Err(RuntimeError::Unreachable {
                url: format!("${{env.{var}}}"),
                why: format!("{var} is not set ({at})"),
            }),
        }
    }

    pub fn base_url(&self) -> &str {
        match self {
            Target::Url(u) | Target::Reference(_, u) => u,
        }
    }

    pub async fn shutdown(self) {
        if let Target::Reference(server, _) = self {
            server.shutdown().await;
        }
    }
}

/// One TCP connect to the target's host and port: a run against a target that is not there at
/// all is a runtime error (exit 3), not thousands of counted connect errors.
async fn preflight(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed
        .host_str()
        .ok_or("no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port_or_known_default().ok_or("no port")?;
    match tokio::time::timeout(
        PREFLIGHT,
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no TCP connection within {}s", PREFLIGHT.as_secs())),
    }
}

/// One request over TLS before the load: a certificate the client rejects would otherwise turn
/// every request of the run into the same counted error. Any HTTP status is fine here.
async fn preflight_tls(plan: &RunPlan, url: &str) -> Result<(), String> {
    use crate::engine::client::{ErrorKind, build, chain_text, classify};
    let client = build(plan.load.protocol, plan.insecure, true)
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    match client.get(url).timeout(PREFLIGHT).send().await {
        Ok(_) => Ok(()),
        Err(e) if classify(&e) == ErrorKind::Tls => Err(format!(
            "TLS handshake with {} failed: {}\n  = hint: pass --insecure to accept an untrusted certificate (a self-signed test server)",
            plan.redactor.text(url),
            plan.redactor.text(&chain_text(&e))
        )),
        // Other failures (a timeout, a reset) are for the run itself to measure and count.
        Err(_) => Ok(()),
    }
}
