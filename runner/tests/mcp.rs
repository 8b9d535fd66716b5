//! `wasiland mcp` on the wire: both protocol revisions, bad input of every
//! kind, cancellation, the end of input, the HTTP transport's guards, the
//! operator's controls. The official Python SDK drives full sessions in
//! `tests/mcp/*.py` (run by scripts/test.sh).
#![cfg(feature = "mcp")]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MODERN: &str = "2026-07-28";

/// A `wasiland mcp` process over stdio.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

fn wasiland() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wasiland"));
    c.env(
        "WASILAND_FIXTURES",
        wasiland::sandbox::default_fixtures_dir(),
    );
    c
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = wasiland()
            .arg("mcp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wasiland mcp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Server {
            child,
            stdin,
            lines,
        }
    }

    fn send_raw(&mut self, line: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        self.send_raw(message.to_string().as_bytes());
    }

    fn recv(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("an answer within 30 s");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// Sends a request and returns the message answering it (skipping
    /// notifications).
    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m.get("id") == Some(&json!(id)) {
                return m;
            }
        }
    }

    /// A 2026-07-28 tools/call (no handshake: the context is in `_meta`).
    fn call(&mut self, id: u64, tool: &str, args: Value) -> Value {
        let m = self.request(
            id,
            "tools/call",
            json!({"name": tool, "arguments": args, "_meta": meta()}),
        );
        m.get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{tool}: {m}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn modern_clients_need_no_handshake() {
    let mut s = Server::start(&[]);
    let d = s.request(1, "server/discover", json!({"_meta": meta()}));
    let versions = d["result"]["supportedVersions"].to_string();
    assert!(
        versions.contains(MODERN) && versions.contains("2025-11-25"),
        "{d}"
    );
    assert_eq!(
        d["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "wasiland",
        "{d}"
    );
    let tools = s.request(2, "tools/list", json!({"_meta": meta()}));
    assert_eq!(
        tools["result"]["tools"].as_array().unwrap().len(),
        13,
        "{tools}"
    );
    let r = s.call(3, "run_command", json!({"command": "echo x"}));
    assert_eq!(r["structuredContent"]["stdout"], "x\n", "{r}");
    assert_eq!(r["structuredContent"]["sandbox_id"], "default");
    assert_eq!(r["isError"], false);
    assert!(text(&r).contains("--- stdout ---\nx\n"), "{r}");
    let r = s.call(4, "run_python", json!({"code": "print(1)"}));
    assert_eq!(r["structuredContent"]["stdout"], "1\n", "{r}");
    // Long listings are cut at 1000 entries, and say so.
    s.call(
        5,
        "run_command",
        json!({"command": "mkdir /tmp/many && cd /tmp/many && for i in $(seq 1 1005); do : > f$i; done"}),
    );
    let r = s.call(6, "list_directory", json!({"path": "/tmp/many"}));
    let out = &r["structuredContent"];
    assert_eq!(out["entries"].as_array().unwrap().len(), 1000, "{r}");
    assert_eq!(
        (out["truncated"].clone(), out["entries"][0]["name"].clone()),
        (json!(true), json!("f1"))
    );
    assert!(
        text(&r).starts_with("/tmp/many: 1005 entries"),
        "{}",
        text(&r)
    );
}

#[test]
fn older_clients_initialize_first() {
    let mut s = Server::start(&[]);
    let init = s.request(
        1,
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "test", "version": "1"}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    assert!(init["result"]["instructions"]
        .as_str()
        .is_some_and(|i| i.contains("sandbox")));
    s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let r = s.request(
        2,
        "tools/call",
        json!({"name": "run_command", "arguments": {"command": "pwd; echo $((6*7))"}}),
    );
    assert_eq!(
        r["result"]["structuredContent"]["stdout"], "/home/user\n42\n",
        "{r}"
    );
}

#[test]
fn bad_input_is_answered_and_the_server_stays() {
    let mut s = Server::start(&["--max-request-bytes", "64K"]);
    // A stray notification before anything else does not end the server.
    s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    s.send_raw(b"this is not json");
    let e = s.recv();
    assert_eq!(e["error"]["code"], -32700, "{e}");
    s.send_raw(br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"oops"}"#);
    let e = s.recv();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].is_i64()),
        (json!(7), true),
        "{e}"
    );
    // A request too large for --max-request-bytes: answered with its id,
    // and never buffered whole.
    let huge = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
        "params": {"name": "write_file", "arguments": {"path": "big", "content": "x".repeat(1 << 20)}, "_meta": meta()}});
    s.send(huge);
    let e = s.recv();
    assert_eq!(e["id"], 8, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("65536"),
        "{e}"
    );
    // Unknown tools are protocol errors; wrong arguments are results a
    // model can read.
    let e = s.request(
        9,
        "tools/call",
        json!({"name": "rm_rf", "arguments": {}, "_meta": meta()}),
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("rm_rf"),
        "{e}"
    );
    let r = s.call(10, "run_command", json!({"command": 42}));
    assert_eq!(r["isError"], true, "{r}");
    let r = s.call(11, "run_command", json!({"command": "true", "bogus": 1}));
    assert_eq!(r["isError"], true, "{r}");
    let r = s.call(12, "read_file", json!({"path": "/nowhere"}));
    assert_eq!(
        (
            r["isError"].clone(),
            r["structuredContent"]["error"]["code"].clone()
        ),
        (json!(true), json!("not_found")),
        "{r}"
    );
    let r = s.call(
        13,
        "write_file",
        json!({"path": "b", "content": "@@", "encoding": "base64"}),
    );
    assert_eq!(
        r["structuredContent"]["error"]["code"], "invalid_argument",
        "{r}"
    );
    let r = s.call(14, "run_command", json!({"command": "echo still here"}));
    assert_eq!(r["structuredContent"]["stdout"], "still here\n", "{r}");
}

#[test]
fn a_cancelled_run_stops_and_frees_its_sandbox() {
    let mut s = Server::start(&["--timeout", "60"]);
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "run_command", "arguments": {"command": "while true; do :; done"}, "_meta": meta()}}));
    std::thread::sleep(Duration::from_millis(500));
    s.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1, "reason": "the user changed their mind"}}),
    );
    let started = Instant::now();
    let r = s.call(2, "run_command", json!({"command": "echo next"}));
    assert_eq!(r["structuredContent"]["stdout"], "next\n", "{r}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_end_of_input_ends_the_server_and_its_runs() {
    let mut s = Server::start(&["--timeout", "60"]);
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "run_python", "arguments": {"code": "while True: pass"}, "_meta": meta()}}));
    std::thread::sleep(Duration::from_millis(500));
    drop(s.stdin.take());
    // Runs still going get 5 s to answer (a client may close its end after
    // the last request and still read), then are stopped.
    let started = Instant::now();
    while s.child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running 10 s after stdin closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn operator_controls() {
    let mut s = Server::start(&[
        "--allow-tools",
        "run_command,read_file",
        "--max-sandboxes",
        "1",
    ]);
    let tools = s.request(1, "tools/list", json!({"_meta": meta()}));
    let mut names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["read_file", "run_command"]);
    let e = s.request(
        2,
        "tools/call",
        json!({"name": "write_file", "arguments": {}, "_meta": meta()}),
    );
    assert!(e.get("error").is_some(), "{e}");
    drop(s);

    let mut s = Server::start(&[
        "--max-sandboxes",
        "2",
        "--output-limit",
        "10",
        "--timeout",
        "3",
    ]);
    s.call(1, "run_command", json!({"command": "true"}));
    let r = s.call(2, "create_sandbox", json!({}));
    let id = r["structuredContent"]["sandbox_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.call(3, "create_sandbox", json!({}));
    assert_eq!(r["structuredContent"]["error"]["code"], "limit", "{r}");
    let r = s.call(
        4,
        "run_command",
        json!({"sandbox_id": id, "command": "echo 0123456789abcdef"}),
    );
    assert_eq!(r["structuredContent"]["stdout"], "0123456789", "{r}");
    assert_eq!(r["structuredContent"]["truncated"], true, "{r}");
    // A timeout_s above the operator's --timeout is held to it.
    let started = Instant::now();
    let r = s.call(
        5,
        "run_command",
        json!({"sandbox_id": id, "command": "sleep 30", "timeout_s": 100}),
    );
    assert_eq!(r["structuredContent"]["limit"]["kind"], "timeout", "{r}");
    assert!(started.elapsed() < Duration::from_secs(8));

    drop(s);

    // Snapshots: at most --max-snapshots, and their files within twice
    // --fs-limit; the oldest go first and are named.
    let mut s = Server::start(&["--max-snapshots", "2", "--fs-limit", "100K"]);
    let mut snaps = Vec::new();
    for i in 0..3 {
        let r = s.call(10 + i, "snapshot", json!({}));
        snaps.push(
            r["structuredContent"]["snapshot_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        let evicted = &r["structuredContent"]["evicted_snapshot_ids"];
        assert_eq!(
            evicted,
            &json!(if i == 2 {
                vec![snaps[0].clone()]
            } else {
                vec![]
            }),
            "{r}"
        );
    }
    let r = s.call(23, "restore", json!({"snapshot_id": snaps[0]}));
    assert_eq!(
        r["structuredContent"]["error"]["code"], "unknown_snapshot",
        "{r}"
    );
    drop(s);
    let mut s = Server::start(&["--max-snapshots", "10", "--fs-limit", "100K"]);
    s.call(
        20,
        "write_file",
        json!({"path": "big", "content": "x".repeat(90 << 10)}),
    );
    let a = s.call(21, "snapshot", json!({}));
    let b = s.call(22, "snapshot", json!({}));
    assert_eq!(
        b["structuredContent"]["evicted_snapshot_ids"],
        json!([]),
        "{b}"
    );
    let c = s.call(23, "snapshot", json!({}));
    assert_eq!(
        c["structuredContent"]["evicted_snapshot_ids"],
        json!([a["structuredContent"]["snapshot_id"]]),
        "{c}"
    );

    let out = wasiland()
        .args(["mcp", "--allow-tools", "run_command,format_disk"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("format_disk"));
}

#[test]
fn idle_sandboxes_expire() {
    let mut s = Server::start(&["--idle-timeout", "0.5"]);
    let r = s.call(1, "create_sandbox", json!({}));
    let id = r["structuredContent"]["sandbox_id"]
        .as_str()
        .unwrap()
        .to_string();
    std::thread::sleep(Duration::from_millis(1500));
    let r = s.call(
        2,
        "run_command",
        json!({"sandbox_id": id, "command": "true"}),
    );
    assert_eq!(
        r["structuredContent"]["error"]["code"], "unknown_sandbox",
        "{r}"
    );
}

#[test]
fn mounts_are_read_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), "a,1\n").unwrap();
    let mount = format!("{}:/data", dir.path().display());
    let mut s = Server::start(&["--mount", &mount]);
    let r = s.call(
        1,
        "run_command",
        json!({"command": "cat /data/data.csv; echo x > /data/new; rm /data/data.csv"}),
    );
    let out = &r["structuredContent"];
    assert_eq!(out["stdout"], "a,1\n", "{r}");
    assert!(
        out["stderr"]
            .as_str()
            .unwrap()
            .contains("Read-only file system"),
        "{r}"
    );
    let r = s.call(
        2,
        "write_file",
        json!({"path": "/data/data.csv", "content": "changed"}),
    );
    assert_eq!(r["structuredContent"]["error"]["code"], "read_only", "{r}");
    let r = s.call(3, "create_sandbox", json!({}));
    let id = r["structuredContent"]["sandbox_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.call(
        4,
        "read_file",
        json!({"sandbox_id": id, "path": "/data/data.csv"}),
    );
    assert_eq!(r["structuredContent"]["content"], "a,1\n", "{r}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data.csv")).unwrap(),
        "a,1\n"
    );
}

/// A `wasiland mcp --http` process and its port.
fn http_server(args: &[&str]) -> (Child, u16) {
    let mut child = wasiland()
        .args(["mcp", "--http", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.strip_suffix("/mcp"))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (child, port)
}

/// One HTTP/1.1 POST to /mcp; the status line and body.
fn post(port: u16, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!(
        "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    // The server may answer (413) before reading all of a huge body.
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let out = String::from_utf8_lossy(&out).into_owned();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

#[test]
fn http_guards_host_origin_and_size() {
    let (mut child, port) = http_server(&["--max-request-bytes", "100K"]);
    let host = format!("127.0.0.1:{port}");
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "run_command", "arguments": {"command": "echo ok"}, "_meta": meta()}})
    .to_string();
    let modern = [
        ("MCP-Protocol-Version", MODERN),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "run_command"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut h: Vec<(&str, &str)> = vec![("Host", host.as_str())];
        h.extend_from_slice(&modern);
        h.extend_from_slice(extra);
        h
    };
    let (status, body) = post(port, &with(&[]), call.as_bytes());
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""stdout":"ok\n""#), "{body}");
    // DNS rebinding: a page from elsewhere reaching the loopback server.
    let mut evil: Vec<(&str, &str)> = vec![("Host", "evil.example:80")];
    evil.extend_from_slice(&modern);
    assert_eq!(post(port, &evil, call.as_bytes()).0, 403);
    assert_eq!(
        post(
            port,
            &with(&[("Origin", "http://evil.example")]),
            call.as_bytes()
        )
        .0,
        403
    );
    assert_eq!(
        post(
            port,
            &with(&[("Origin", "http://localhost:3000")]),
            call.as_bytes()
        )
        .0,
        200
    );
    // Bodies beyond --max-request-bytes.
    let big = vec![b' '; 200 << 10];
    assert_eq!(post(port, &with(&[]), &big).0, 413);
    // Malformed JSON is a protocol error, and the server goes on.
    let (status, body) = post(port, &with(&[]), b"{not json");
    assert!((400..500).contains(&status), "{status} {body}");
    // So is JSON nested past serde_json's recursion limit: no crash.
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let (status, body) = post(port, &with(&[]), deep.as_bytes());
    assert!((400..500).contains(&status), "{status} {body}");
    assert_eq!(post(port, &with(&[]), call.as_bytes()).0, 200);
    let _ = child.kill();
    let _ = child.wait();

    // Not loopback without --allow-remote.
    let out = wasiland()
        .args(["mcp", "--http", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

/// The `_meta` of a 2026-07-28 request naming `version`.
fn meta_of(version: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

#[test]
fn protocol_versions_are_negotiated() {
    // A request of a revision the server does not speak: -32022 naming
    // the ones it does, so the client can fall back.
    let mut s = Server::start(&[]);
    let e = s.request(1, "tools/list", json!({"_meta": meta_of("1999-01-01")}));
    assert_eq!(e["error"]["code"], -32022, "{e}");
    assert_eq!(e["error"]["data"]["requested"], "1999-01-01", "{e}");
    let supported = e["error"]["data"]["supported"].to_string();
    assert!(supported.contains(MODERN), "{e}");
    let r = s.call(2, "run_command", json!({"command": "echo still"}));
    assert_eq!(r["structuredContent"]["stdout"], "still\n", "{r}");
    drop(s);
    // initialize never agrees to a revision it cannot speak with a
    // handshake: 2026-07-28 has none, an unknown one is not echoed.
    for asked in [MODERN, "2099-01-01", "2025-06-18"] {
        let mut s = Server::start(&[]);
        let init = s.request(
            1,
            "initialize",
            json!({"protocolVersion": asked, "capabilities": {},
                   "clientInfo": {"name": "test", "version": "1"}}),
        );
        let agreed = init["result"]["protocolVersion"].as_str().unwrap_or("");
        if asked == "2025-06-18" {
            assert_eq!(agreed, asked, "{init}");
        } else {
            assert_eq!(agreed, "2025-11-25", "{init}");
        }
    }
}

#[test]
fn progress_is_reported_when_asked() {
    let mut s = Server::start(&["--timeout", "30"]);
    let mut with_token = meta();
    with_token["progressToken"] = json!("p-1");
    s.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "run_command", "arguments": {"command": "sleep 2.5; echo done"},
        "_meta": with_token}}),
    );
    let mut progress = Vec::new();
    let result = loop {
        let m = s.recv();
        if m["method"] == "notifications/progress" {
            progress.push(m["params"].clone());
        } else if m["id"] == 1 {
            break m;
        }
    };
    assert_eq!(
        result["result"]["structuredContent"]["stdout"], "done\n",
        "{result}"
    );
    assert!(progress.len() >= 2, "{progress:?}");
    let mut last = 0.0;
    for p in &progress {
        assert_eq!(
            (&p["progressToken"], &p["total"]),
            (&json!("p-1"), &json!(30.0)),
            "{p}"
        );
        let now = p["progress"].as_f64().unwrap();
        assert!(now > last, "{progress:?}");
        last = now;
    }
    // Without a token, no notifications.
    s.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "run_command", "arguments": {"command": "sleep 1.5"}, "_meta": meta()}}),
    );
    let m = s.recv();
    assert_eq!(m["id"], 2, "{m}");
}

#[test]
fn hostile_json_is_answered_and_the_server_stays() {
    let mut s = Server::start(&[]);
    // Nested far past serde_json's recursion limit (128): a parse error,
    // never a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    s.send_raw(deep.as_bytes());
    let e = s.recv();
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // The same inside a request's arguments: answered with its id, so the
    // client is not left waiting.
    let nested = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"run_command","arguments":{{"command":{}"x"{}}}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    s.send_raw(nested.as_bytes());
    let e = s.recv();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (json!(2), json!(-32700)),
        "{e}"
    );
    // Bytes that are not UTF-8 inside a string.
    s.send_raw(
        b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"run_command\",\"arguments\":{\"command\":\"echo \xff\"}}}",
    );
    let e = s.recv();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (json!(3), json!(-32700)),
        "{e}"
    );
    // Numbers out of every range, as ids and as arguments.
    s.send_raw(br#"{"jsonrpc":"2.0","id":1e999,"method":"ping"}"#);
    assert!(s.recv()["error"]["code"].is_i64());
    s.send_raw(br#"{"jsonrpc":"2.0","id":99999999999999999999999,"method":"ping"}"#);
    let e = s.recv();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (json!(null), json!(-32600)),
        "{e}"
    );
    let r = s.call(
        4,
        "run_command",
        json!({"command": "true", "timeout_s": 1e308}),
    );
    assert_eq!(r["structuredContent"]["exit_code"], 0, "{r}");
    let r = s.call(
        5,
        "read_file",
        json!({"path": "/etc/passwd", "max_bytes": -1}),
    );
    assert_eq!(r["isError"], true, "{r}");
    // A batch (JSON-RPC arrays are not part of MCP since 2025-06-18).
    s.send_raw(br#"[{"jsonrpc":"2.0","id":6,"method":"ping"}]"#);
    assert!(s.recv()["error"]["code"].is_i64());
    // An absurd label is refused, not kept.
    let r = s.call(7, "create_sandbox", json!({"label": "l".repeat(100_000)}));
    assert_eq!(
        r["structuredContent"]["error"]["code"], "invalid_argument",
        "{r}"
    );
    let r = s.call(8, "run_command", json!({"command": "echo alive"}));
    assert_eq!(r["structuredContent"]["stdout"], "alive\n", "{r}");
}

#[test]
fn a_flood_of_calls_is_answered_at_once_beyond_the_limit() {
    let mut s = Server::start(&["--max-calls", "8", "--timeout", "60"]);
    // One long run holds the default sandbox...
    s.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "run_command", "arguments": {"command": "sleep 3; echo first"}, "_meta": meta()}}),
    );
    std::thread::sleep(Duration::from_millis(300));
    // ... and 300 more calls arrive at once: 7 wait for it, the rest are
    // told the server is busy, without waiting.
    let started = Instant::now();
    for i in 0..300u64 {
        s.send(json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call", "params": {
            "name": "run_command", "arguments": {"command": format!("echo {i}")}, "_meta": meta()}}));
    }
    let (mut busy, mut ran) = (0, 0);
    for _ in 0..301 {
        let m = s.recv();
        let id = m["id"].as_u64().unwrap_or_else(|| panic!("{m}"));
        let out = &m["result"]["structuredContent"];
        if out["error"]["code"] == "busy" {
            busy += 1;
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "busy answered late"
            );
        } else if id == 1 {
            assert_eq!(out["stdout"], "first\n", "{m}");
        } else {
            assert_eq!(out["stdout"], format!("{}\n", id - 100), "{m}");
            ran += 1;
        }
    }
    assert_eq!((ran, busy), (7, 293));
    let r = s.call(1000, "run_command", json!({"command": "echo after"}));
    assert_eq!(r["structuredContent"]["stdout"], "after\n", "{r}");
}

#[test]
fn sandboxes_stay_within_the_limit_when_asked_for_at_once() {
    let mut s = Server::start(&["--max-sandboxes", "3"]);
    for i in 0..50u64 {
        s.send(
            json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call", "params": {
            "name": "create_sandbox", "arguments": {}, "_meta": meta()}}),
        );
    }
    let mut created = Vec::new();
    for _ in 0..50 {
        let m = s.recv();
        let out = &m["result"]["structuredContent"];
        match out["sandbox_id"].as_str() {
            Some(id) => created.push(id.to_string()),
            None => assert_eq!(out["error"]["code"], "limit", "{m}"),
        }
    }
    assert_eq!(created.len(), 3);
    // Imports arriving together: room for one, so one state is loaded.
    let r = s.call(1, "export_state", json!({"sandbox_id": created[0]}));
    let data = r["structuredContent"]["data"].as_str().unwrap().to_string();
    s.call(2, "destroy_sandbox", json!({"sandbox_id": created[1]}));
    for i in 0..20u64 {
        s.send(
            json!({"jsonrpc": "2.0", "id": 200 + i, "method": "tools/call", "params": {
            "name": "import_state", "arguments": {"data": data}, "_meta": meta()}}),
        );
    }
    let mut imported = 0;
    for _ in 0..20 {
        let m = s.recv();
        let out = &m["result"]["structuredContent"];
        if out["sandbox_id"].is_string() {
            imported += 1;
        } else {
            assert_eq!(out["error"]["code"], "limit", "{m}");
        }
    }
    assert_eq!(imported, 1);
    let r = s.call(3, "list_sandboxes", json!({}));
    assert_eq!(
        r["structuredContent"]["sandboxes"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "{r}"
    );
}
