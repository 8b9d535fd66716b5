//! The MCP server's round trip: a `tools/call` of `run_command "echo x"`
//! and `run_python "print(1)"` sent to `wasiland mcp` over stdio (one JSON
//! line out, one back, as an agent's client does), beside the same command
//! run in the library's warm `Sandbox`. The difference is what the protocol
//! layer costs: JSON, the transport, the worker-thread hand-off.

use crate::measure::median;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;
use wasiland::Sandbox;

/// The calls measured: (tool, arguments, the shell command for the library, target ms).
const CALLS: [(&str, &str, &str, f64); 2] = [
    ("run_command", r#"{"command": "echo x"}"#, "echo x", 5.0),
    (
        "run_python",
        r#"{"code": "print(1)"}"#,
        "python3 -c 'print(1)'",
        40.0,
    ),
];

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start(bin: &Path, fixtures: &Path) -> Result<Server, String> {
        let mut child = Command::new(bin)
            .arg("mcp")
            .env("WASILAND_FIXTURES", fixtures)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Server {
            child,
            stdin,
            stdout,
            next_id: 1,
        })
    }

    /// One 2026-07-28 `tools/call` (no handshake) and its result.
    fn call(&mut self, tool: &str, args: &Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": tool, "arguments": args,
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {}}}});
        let mut line = request.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("send: {e}"))?;
        loop {
            let mut reply = String::new();
            if self
                .stdout
                .read_line(&mut reply)
                .map_err(|e| e.to_string())?
                == 0
            {
                return Err("the server closed stdout".into());
            }
            let reply: Value = serde_json::from_str(&reply).map_err(|e| e.to_string())?;
            if reply["id"] == json!(id) {
                return reply
                    .get("result")
                    .cloned()
                    .ok_or_else(|| format!("{tool}: {reply}"));
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The section's markdown lines: medians of `runs` calls after 3 warm-ups
/// (the first python3 of a server builds its start-up image).
pub fn measure(
    bin: &Path,
    fixtures: &Path,
    sandbox: &mut Sandbox,
    runs: usize,
) -> Result<Vec<String>, String> {
    let mut server = Server::start(bin, fixtures)?;
    let mut lines = vec![
        "| call | library `Sandbox::run` | MCP stdio round trip | protocol cost | target |"
            .to_string(),
        "|---|--:|--:|--:|--:|".to_string(),
    ];
    for (tool, args, command, target) in CALLS {
        let args: Value = serde_json::from_str(args).map_err(|e| e.to_string())?;
        let mut via_mcp = Vec::new();
        let mut in_library = Vec::new();
        for i in 0..runs + 3 {
            let started = Instant::now();
            let result = server.call(tool, &args)?;
            let mcp_ms = started.elapsed().as_secs_f64() * 1000.0;
            if result["structuredContent"]["exit_code"] != 0 {
                return Err(format!("{tool}: {result}"));
            }
            let started = Instant::now();
            let r = sandbox.run(command);
            let lib_ms = started.elapsed().as_secs_f64() * 1000.0;
            if r.exit_code != 0 {
                return Err(format!("{command}: {}", r.stderr_str()));
            }
            if i >= 3 {
                via_mcp.push(mcp_ms);
                in_library.push(lib_ms);
            }
        }
        let (lib, mcp) = (median(&in_library), median(&via_mcp));
        let cost = match (lib, mcp) {
            (Some(l), Some(m)) => format!("{:.2}", m - l),
            _ => "-".into(),
        };
        let met = match mcp {
            Some(m) if m <= target => "met",
            Some(_) => "NOT met",
            None => "-",
        };
        lines.push(format!(
            "| `{tool}` `{args}` | {} | {} | {cost} | ≤ {target} ms: {met} |",
            lib.map_or("-".into(), |v| format!("{v:.2}")),
            mcp.map_or("-".into(), |v| format!("{v:.2}")),
        ));
    }
    Ok(lines)
}
