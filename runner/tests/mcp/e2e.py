"""End-to-end test of `wasiland mcp` with the official MCP Python SDK as the client.

    python e2e.py WASILAND_BIN {stdio|http} {legacy|2026-07-28}

A session as an agent would have it: list the tools, create a sandbox, write a
CSV, run a Python pipeline on it, read the result, hit a timeout, snapshot and
restore, export the state and import it into a new server process, destroy.
Run by scripts/test.sh for both transports and both protocol revisions.
"""

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import time
from contextlib import asynccontextmanager

from mcp import Client
from mcp.client.stdio import StdioServerParameters

TOOLS = {
    "create_sandbox", "list_sandboxes", "destroy_sandbox", "run_command", "run_python",
    "write_file", "read_file", "list_directory", "snapshot", "restore", "fork_sandbox",
    "export_state", "import_state",
}
READ_ONLY = {"list_sandboxes", "read_file", "list_directory", "export_state"}
DESTRUCTIVE = {"destroy_sandbox", "run_command", "run_python", "write_file", "restore"}

CSV = "region,product,units,price\nnorth,apple,10,0.5\nsouth,apple,4,0.5\nnorth,pear,3,1.25\nsouth,fig,7,2.0\n"

PIPELINE = """
import csv, json
from collections import defaultdict
totals = defaultdict(float)
with open("sales.csv") as f:
    for row in csv.DictReader(f):
        totals[row["region"]] += int(row["units"]) * float(row["price"])
with open("report.json", "w") as f:
    json.dump(dict(sorted(totals.items())), f)
print("regions:", len(totals))
"""


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def env():
    e = dict(os.environ)
    e.setdefault("WASILAND_FIXTURES", os.path.join(os.path.dirname(__file__), "../../../fixtures/out"))
    return e


@asynccontextmanager
async def server(binary, transport, mode, extra=()):
    """A new server process and a client connected to it."""
    args = ["mcp", "--timeout", "20", *extra]
    if transport == "stdio":
        params = StdioServerParameters(command=binary, args=args, env=env())
        async with Client(params, mode=mode) as client:
            yield client
        return
    proc = subprocess.Popen([binary, *args, "--http", "127.0.0.1:0"], env=env(),
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        m = re.search(r"listening on (http://\S+)", line)
        check(m, f"no address in {line!r}")
        async with Client(m.group(1), mode=mode) as client:
            yield client
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def call(client, name, args=None, error=False):
    r = await client.call_tool(name, args or {})
    check(r.is_error == error, f"{name} {args}: is_error={r.is_error}: {r.content}")
    check(r.content and r.content[0].text, f"{name}: a text rendering")
    check(isinstance(r.structured_content, dict), f"{name}: structured content")
    return r.structured_content


async def session(binary, transport, mode):
    async with server(binary, transport, mode) as client:
        tools = (await client.list_tools()).tools
        check({t.name for t in tools} == TOOLS, f"tools: {sorted(t.name for t in tools)}")
        for t in tools:
            a = t.annotations
            check(t.description and len(t.description) > 40, f"{t.name}: a description")
            check(t.input_schema.get("type") == "object", f"{t.name}: input schema")
            check(t.output_schema and t.output_schema.get("type") == "object", f"{t.name}: output schema")
            check(a.open_world_hint is False, f"{t.name}: openWorldHint")
            check(a.read_only_hint == (t.name in READ_ONLY), f"{t.name}: readOnlyHint")
            check(a.destructive_hint == (t.name in DESTRUCTIVE), f"{t.name}: destructiveHint")
            check(a.idempotent_hint is not None, f"{t.name}: idempotentHint")

        sid = (await call(client, "create_sandbox", {"label": "e2e"}))["sandbox_id"]
        w = await call(client, "write_file", {"sandbox_id": sid, "path": "sales.csv", "content": CSV})
        check(w == {"path": "/home/user/sales.csv", "bytes": len(CSV)}, w)
        r = await call(client, "run_python", {"sandbox_id": sid, "code": PIPELINE})
        check((r["exit_code"], r["stdout"], r["limit"]) == (0, "regions: 2\n", None), r)
        rep = await call(client, "read_file", {"sandbox_id": sid, "path": "report.json"})
        check(json.loads(rep["content"]) == {"north": 8.75, "south": 16.0}, rep)
        r = await call(client, "run_command", {"sandbox_id": sid,
                                               "command": "cut -d, -f1 sales.csv | sort | uniq -c | sort -rn | head -n 2; export STAGE=done"})
        check(r["stdout"].split() == ["2", "south", "2", "north"], r)
        r = await call(client, "run_python", {"sandbox_id": sid, "code": "import sys; print(sys.argv[1:], sys.stdin.read())",
                                              "args": ["a b", "'c'"], "stdin": "in"})
        check(r["stdout"] == "['a b', \"'c'\"] in\n", r)
        ls = await call(client, "list_directory", {"sandbox_id": sid})
        names = {e["name"]: e["kind"] for e in ls["entries"]}
        check(names.get("report.json") == "file" and names.get("sales.csv") == "file", ls)

        # A limit: the run stops at its timeout and says so.
        started = time.monotonic()
        r = await call(client, "run_command", {"sandbox_id": sid, "command": "while true; do :; done",
                                               "timeout_s": 1}, error=True)
        check(r["limit"]["kind"] == "timeout" and r["exit_code"] == 124, r)
        check(time.monotonic() - started < 6, "the timeout is kept")
        r = await call(client, "run_python", {"sandbox_id": sid, "code": "while True: pass", "timeout_s": 1}, error=True)
        check(r["limit"]["kind"] == "timeout", r)

        # Snapshot, break things, restore.
        snap = (await call(client, "snapshot", {"sandbox_id": sid}))["snapshot_id"]
        await call(client, "run_command", {"sandbox_id": sid, "command": "rm sales.csv; echo broken > report.json; cd /tmp"})
        r = await call(client, "restore", {"sandbox_id": sid, "snapshot_id": snap})
        check(r["cwd"] == "/home/user", r)
        rep = await call(client, "read_file", {"sandbox_id": sid, "path": "report.json"})
        check(json.loads(rep["content"]) == {"north": 8.75, "south": 16.0}, rep)

        # Errors a model can act on.
        e = await call(client, "read_file", {"sandbox_id": sid, "path": "missing.txt"}, error=True)
        check(e["error"]["code"] == "not_found", e)
        e = await call(client, "run_command", {"sandbox_id": "sb-nope", "command": "true"}, error=True)
        check(e["error"]["code"] == "unknown_sandbox", e)
        e = await call(client, "restore", {"sandbox_id": sid, "snapshot_id": "snap-nope"}, error=True)
        check(e["error"]["code"] == "unknown_snapshot", e)
        bad = await client.call_tool("run_command", {"sandbox_id": sid, "command": 42})
        check(bad.is_error, "a wrong argument type is an isError result")

        # The default sandbox needs no handle; forks are independent.
        r = await call(client, "run_command", {"command": "echo hi > /tmp/x; cat /tmp/x"})
        check(r["sandbox_id"] == "default" and r["stdout"] == "hi\n", r)
        fork = (await call(client, "fork_sandbox", {"sandbox_id": sid}))["sandbox_id"]
        await call(client, "write_file", {"sandbox_id": fork, "path": "sales.csv", "content": "changed"})
        r = await call(client, "read_file", {"sandbox_id": sid, "path": "sales.csv"})
        check(r["content"] == CSV, r)
        listed = await call(client, "list_sandboxes")
        check({s["sandbox_id"] for s in listed["sandboxes"]} == {sid, fork, "default"}, listed)

        # Binary contents go as base64.
        blob = bytes(range(256))
        await call(client, "write_file", {"sandbox_id": sid, "path": "bin.dat",
                                          "content": base64.b64encode(blob).decode(), "encoding": "base64"})
        r = await call(client, "read_file", {"sandbox_id": sid, "path": "bin.dat"})
        check(r["encoding"] == "base64" and base64.b64decode(r["content"]) == blob, r)

        exported = await call(client, "export_state", {"sandbox_id": sid})
        check(exported["format_version"] == 1 and exported["bytes"] > 0, exported)
        d = await call(client, "destroy_sandbox", {"sandbox_id": sid})
        check(d["destroyed"], d)
        e = await call(client, "read_file", {"sandbox_id": sid, "path": "report.json"}, error=True)
        check(e["error"]["code"] == "unknown_sandbox", e)

    # A new server process takes the exported state back.
    async with server(binary, transport, mode) as client:
        new = (await call(client, "import_state", {"data": exported["data"], "label": "moved"}))["sandbox_id"]
        rep = await call(client, "read_file", {"sandbox_id": new, "path": "report.json"})
        check(json.loads(rep["content"]) == {"north": 8.75, "south": 16.0}, rep)
        r = await call(client, "run_command", {"sandbox_id": new, "command": "echo $STAGE; pwd; wc -l < sales.csv"})
        check(r["stdout"] == "done\n/home/user\n5\n", r)
        e = await call(client, "import_state", {"data": base64.b64encode(b"not a state").decode()}, error=True)
        check(e["error"]["code"] == "bad_state" and "not a wasiland state" in e["error"]["message"], e)
        await call(client, "destroy_sandbox", {"sandbox_id": new})


def main():
    binary, transport, mode = sys.argv[1:4]
    asyncio.run(session(binary, transport, mode))
    print(f"mcp e2e ({transport}, {mode}): ok")


if __name__ == "__main__":
    main()
