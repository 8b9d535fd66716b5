//! `wasiland mcp`: the MCP server (see `wasiland::mcp`), over stdio or
//! Streamable HTTP, with the operator's limits and controls as flags.

use super::common::SandboxArgs;
use super::{parse, text};
use clap::{Arg, Args, Command};
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

/// `wasiland mcp --help` shows the server's own defaults (sized for
/// clients it does not trust), not those of `run` that the shared limit
/// flags document.
pub fn help_with_server_defaults(command: Command) -> Command {
    let defaults = wasiland::mcp::default_limits();
    let bytes = |n: Option<u64>| n.map_or_else(|| "unlimited".to_string(), parse::show_bytes);
    let timeout = defaults
        .timeout
        .map_or_else(|| "none".to_string(), |t| format!("{}", t.as_secs_f64()));
    command
        .mut_arg("timeout", |a| {
            let a = a.help("Wall-clock limit of each tool call in seconds, 0 for none; a call's timeout_s may ask for less (exit status 124)");
            with_default(a, timeout)
        })
        .mut_arg("output_limit", |a| with_default(a, bytes(defaults.output)))
        .mut_arg("fs_limit", |a| with_default(a, bytes(defaults.fs_bytes)))
        .mut_arg("sandbox_memory", |a| {
            with_default(a, bytes(defaults.sandbox_memory))
        })
}

/// `arg` with the `[default: ...]` at the end of its help text replaced.
fn with_default(arg: Arg, value: String) -> Arg {
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let text = help
        .rsplit_once(" [default:")
        .map_or(help.as_str(), |(t, _)| t);
    let text = format!("{text} [default: {value}]");
    arg.help(text)
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
    // The template copies the mounts in under `run`'s limits; the registry
    // then gives it the server's (`config.limits`).
    let base = wasiland::Limits {
        timeout: config.limits.timeout,
        ..wasiland::Limits::default()
    };
    let template = args.sandbox.sandbox(base).map_err(usage)?;
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
    let limits = args.sandbox.limits.limits(wasiland::mcp::default_limits());
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        mcp: McpArgs,
    }

    fn config_of(flags: &[&str]) -> ServerConfig {
        let args = std::iter::once("mcp").chain(flags.iter().copied());
        let probe = Probe::try_parse_from(args).expect("flags parse");
        config(&probe.mcp).expect("a valid configuration")
    }

    #[test]
    fn limit_flags_override_the_server_defaults() {
        let defaults = wasiland::mcp::default_limits();
        let plain = config_of(&[]);
        assert_eq!(plain.limits.sandbox_memory, defaults.sandbox_memory);
        assert_eq!(plain.limits.output, defaults.output);
        assert_eq!(plain.limits.fs_bytes, defaults.fs_bytes);
        let given = config_of(&[
            "--sandbox-memory",
            "5G",
            "--output-limit",
            "2M",
            "--fs-limit",
            "3M",
        ]);
        assert_eq!(given.limits.sandbox_memory, Some(5 << 30));
        assert_eq!(given.limits.output, Some(2 << 20));
        assert_eq!(given.limits.fs_bytes, Some(3 << 20));
    }
}
