//! MCP over Streamable HTTP, at `/mcp`, statelessly: every POST carries a
//! whole request (2026-07-28) or is served as if it did (earlier revisions,
//! whose `initialize` is answered without creating a session). The state a
//! client keeps is its sandbox handles.
//!
//! Safe defaults, as the MCP specification's security section asks: the
//! server listens on loopback unless the operator explicitly allows
//! another address, and answers 403 to a `Host` other than a loopback name
//! or an allowed one, and to a browser `Origin` other than a loopback one or
//! an allowed one (DNS rebinding). Request bodies are bounded (413).

use super::registry::Registry;
use super::stdio::expire_idle;
use super::tools::Tools;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Where and for whom the HTTP transport listens.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The address to listen on; port 0 picks a free one (printed on
    /// stderr at start).
    pub addr: SocketAddr,
    /// Listen on an address that is not loopback. Off, such an address is
    /// refused: the server has no authentication of its own.
    pub allow_remote: bool,
    /// `Host` names (or `host:port`) accepted besides `localhost`,
    /// `127.0.0.1` and `::1`.
    pub allowed_hosts: Vec<String>,
    /// Browser origins (`https://app.example.com:443`, `:*` for any port)
    /// accepted besides loopback ones. Requests without `Origin` (not from
    /// a browser) are not affected.
    pub allowed_origins: Vec<String>,
}

/// The loopback names a `Host` header may carry.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// The loopback origins a browser on this machine sends.
const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

pub(super) async fn serve(registry: Arc<Registry>, config: HttpConfig) -> std::io::Result<()> {
    if !config.addr.ip().is_loopback() && !config.allow_remote {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a loopback address; the server has no authentication, so listening \
                 there needs --allow-remote (and --allow-host for the names clients use)",
                config.addr
            ),
        ));
    }
    let hosts: Vec<String> = LOOPBACK_HOSTS
        .iter()
        .map(|h| h.to_string())
        .chain(config.allowed_hosts.iter().cloned())
        .collect();
    let origins: Vec<String> = LOOPBACK_ORIGINS
        .iter()
        .map(|o| o.to_string())
        .chain(config.allowed_origins.iter().cloned())
        .collect();
    let shutdown = CancellationToken::new();
    let http_config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(registry.config.max_request_bytes)
        .with_cancellation_token(shutdown.child_token());
    let tools = registry.clone();
    let service = StreamableHttpService::new(
        move || Ok(Tools::new(tools.clone())),
        Arc::new(NeverSessionManager::default()),
        http_config,
    );
    let app = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    eprintln!(
        "wasiland mcp: listening on http://{}/mcp",
        listener.local_addr()?
    );
    let reaper = tokio::spawn(expire_idle(registry.clone()));
    let stop = shutdown.clone();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            interrupted().await;
            stop.cancel();
        })
        .await;
    registry.cancel_all();
    reaper.abort();
    served
}

/// Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
