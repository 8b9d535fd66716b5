//! The MCP server (feature `mcp`): wasiland as an agent's code-execution
//! tool, over stdio or Streamable HTTP, on the official Rust SDK (`rmcp`).
//!
//! It speaks protocol revision 2026-07-28 (no handshake, `server/discover`,
//! every request self-contained) and the earlier ones with `initialize`
//! (2025-11-25 and before). State lives in sandboxes the server mints
//! handles for (`sandbox_id`), passed back as ordinary tool arguments; a
//! call without one uses a default sandbox, created on first use.
//!
//! | module | owns |
//! |---|---|
//! | `registry` | the sandboxes: handles, the default one, snapshots, the count and idle limits |
//! | `tools` | the tools: argument and result types (with their JSON schemas), descriptions, annotations |
//! | `run` | running a command on a worker thread, cancelled at its deadline or by the client |
//! | `render` | results as `structuredContent` plus a text rendering, errors a model can act on |
//! | `stdio` | the stdio transport (bounded lines, answers to oversized and malformed messages) |
//! | `http` | Streamable HTTP (loopback by default, Host and Origin checks, body bound) |
//!
//! ```no_run
//! use wasiland::mcp::{Server, ServerConfig};
//! let template = wasiland::Sandbox::builder().build().unwrap();
//! Server::new(template, ServerConfig::default()).serve_stdio().unwrap();
//! ```

mod http;
mod registry;
mod render;
mod run;
mod stdio;
mod tools;

pub use http::HttpConfig;

use crate::limits::Limits;
use crate::sandbox::Sandbox;
use std::sync::Arc;
use std::time::Duration;

/// What the operator decides for every sandbox and call.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Limits of every sandbox (filesystem, memory) and every call (time,
    /// fuel, output...). A call's `timeout_s` can only lower `timeout`.
    pub limits: Limits,
    /// Sandboxes alive at once, the default one included.
    pub max_sandboxes: usize,
    /// A sandbox unused this long is destroyed (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Snapshots kept per sandbox; the oldest go when one more is taken,
    /// also to keep their files (counted by logical size) within twice
    /// `limits.fs_bytes`.
    pub max_snapshots: usize,
    /// Largest request accepted (one JSON-RPC message), in bytes.
    pub max_request_bytes: usize,
    /// Expose only these tools (`None`: all).
    pub allowed_tools: Option<Vec<String>>,
    /// Tool calls in progress at once, over all clients; a call beyond
    /// them is answered at once with a `busy` error.
    pub max_calls: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: default_limits(),
            max_sandboxes: 8,
            idle_timeout: Some(Duration::from_secs(30 * 60)),
            max_snapshots: 16,
            max_request_bytes: 16 << 20,
            allowed_tools: None,
            max_calls: 64,
        }
    }
}

/// [`Limits::default`], but sized for a server holding several sandboxes
/// for clients it does not trust, and for a model's context: 1 MiB of
/// output per call (instead of 64 MiB), 256 MiB of files per sandbox
/// (instead of 1 GiB) and 1 GiB of host memory per sandbox (instead of
/// 2 GiB). With the default 8 sandboxes that is at most about 10 GiB.
pub fn default_limits() -> Limits {
    Limits {
        output: Some(1 << 20),
        fs_bytes: Some(256 << 20),
        sandbox_memory: Some(1 << 30),
        ..Limits::default()
    }
}

/// The names of every tool the server has, for `--allow-tools` checks.
pub fn tool_names() -> Vec<String> {
    tools::all_tool_names()
}

/// An MCP server over a template sandbox: every new sandbox is a
/// copy-on-write fork of it (its tools, limits, environment and
/// read-only mounts), so creating one costs little.
pub struct Server {
    registry: Arc<registry::Registry>,
}

impl Server {
    /// A server whose sandboxes start as forks of `template`.
    pub fn new(template: Sandbox, config: ServerConfig) -> Server {
        let registry = Arc::new(registry::Registry::new(template, config));
        registry.prewarm();
        Server { registry }
    }

    /// Serve MCP over this process's stdin and stdout until stdin ends.
    /// Runs still in progress are cancelled then.
    pub fn serve_stdio(self) -> std::io::Result<()> {
        runtime()?.block_on(stdio::serve(self.registry))
    }

    /// Serve MCP over Streamable HTTP at `config.addr` until interrupted
    /// (Ctrl-C or SIGTERM).
    pub fn serve_http(self, config: HttpConfig) -> std::io::Result<()> {
        runtime()?.block_on(http::serve(self.registry, config))
    }
}

/// The async runtime of the protocol side. Runs themselves go to blocking
/// worker threads, so a few protocol threads suffice.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("wasiland:mcp")
        .enable_all()
        .build()
}
