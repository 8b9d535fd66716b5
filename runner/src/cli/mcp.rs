//! `wasiland mcp`: the MCP server (see `wasiland::mcp`), over stdio or
//! Streamable HTTP, with the operator's limits and controls as flags.

use super::common::SandboxArgs;
use super::{parse, text};
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;
use wasiland::mcp::{HttpConfig, Server, ServerConfig};

#[derive(Args)]
pub struct McpArgs {
    /// Every new sandbox starts from these flags; --mount directories are
    /// copied in once at start and are read-only to guests and tools.
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// Serve Streamable HTTP at ADDR (e.g. 127.0.0.1:8808; port 0 picks one)
    /// instead of stdio. The endpoint is /mcp.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// Allow --http on an address that is not loopback (the server has no
    /// authentication: put it behind one).
    #[arg(long)]
    allow_remote: bool,
    /// A Host name (or host:port) HTTP clients may use besides loopback ones.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// A browser Origin allowed besides loopback ones (https://app.example:443, :* for any port).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Sandboxes alive at once (the default sandbox included).
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_sandboxes: usize,
    /// Destroy a sandbox unused for this many seconds (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 1800.0)]
    idle_timeout: f64,
    /// Snapshots kept per sandbox (the oldest go first, also to keep their
    /// files within twice --fs-limit).
    #[arg(long, value_name = "N", default_value_t = 16)]
    max_snapshots: usize,
    /// Largest request accepted, in bytes (K/M/G suffixes): bounds write_file and import_state payloads.
    #[arg(long, value_name = "BYTES", value_parser = parse::parse_bytes, default_value = "16M")]
    max_request_bytes: u64,
    /// Tool calls in progress at once, over all clients; more are answered
    /// at once with a "busy" error.
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_calls: usize,
    /// Expose only these tools (comma-separated names, e.g. run_command,read_file).
    #[arg(long, value_name = "TOOLS", value_delimiter = ',')]
    allow_tools: Option<Vec<String>>,
}

pub fn run(args: McpArgs) -> i32 {
    match serve(args) {
        Ok(()) => 0,
        Err((status, message)) => {
            text::error(&format!("mcp: {message}"));
            status
        }
    }
}

fn serve(args: McpArgs) -> Result<(), (i32, String)> {
    let usage = |m: String| (2, m);
    let config = config(&args).map_err(usage)?;
    let template = args.sandbox.sandbox(config.limits.timeout).map_err(usage)?;
    let workdir = args.sandbox.workdir();
    for (_, guest) in &args.sandbox.mounts {
        let guest = parse::sandbox_path(&workdir, guest);
        template
            .vfs()
            .lock()
            .set_read_only(&guest)
            .map_err(|e| usage(format!("cannot make {guest} read-only: {e}")))?;
    }
    let server = Server::new(template, config);
    let served = match args.http {
        None => server.serve_stdio(),
        Some(addr) => server.serve_http(HttpConfig {
            addr,
            allow_remote: args.allow_remote,
            allowed_hosts: args.allow_hosts,
            allowed_origins: args.allow_origins,
        }),
    };
    served.map_err(|e| (1, e.to_string()))
}

fn config(args: &McpArgs) -> Result<ServerConfig, String> {
    // The server's defaults where no flag says otherwise.
    let given = &args.sandbox.limits;
    let defaults = wasiland::mcp::default_limits();
    let mut limits = given.limits(defaults.timeout);
    if given.output_limit.is_none() {
        limits.output = defaults.output;
    }
    if given.fs_limit.is_none() {
        limits.fs_bytes = defaults.fs_bytes;
    }
    limits.sandbox_memory = defaults.sandbox_memory;
    if let Some(tools) = &args.allow_tools {
        let known = wasiland::mcp::tool_names();
        if let Some(unknown) = tools.iter().find(|t| !known.contains(t)) {
            return Err(format!(
                "--allow-tools: no tool {unknown:?}; the tools are {}",
                known.join(", ")
            ));
        }
    }
    let idle_timeout = match Duration::try_from_secs_f64(args.idle_timeout) {
        Ok(d) if d.is_zero() => None,
        Ok(d) => Some(d),
        Err(_) => {
            return Err(format!(
                "--idle-timeout wants seconds (0 for never), got {}",
                args.idle_timeout
            ))
        }
    };
    if args.max_sandboxes == 0 {
        return Err("--max-sandboxes must be at least 1".into());
    }
    if args.max_calls == 0 {
        return Err("--max-calls must be at least 1".into());
    }
    Ok(ServerConfig {
        limits,
        max_sandboxes: args.max_sandboxes,
        idle_timeout,
        max_snapshots: args.max_snapshots.max(1),
        max_request_bytes: usize::try_from(args.max_request_bytes)
            .map_err(|_| "--max-request-bytes is too large".to_string())?,
        allowed_tools: args.allow_tools.clone(),
        max_calls: args.max_calls,
    })
}
