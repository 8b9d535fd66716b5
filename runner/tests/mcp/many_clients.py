"""Several MCP clients at once over Streamable HTTP, one of them hostile.

    python many_clients.py WASILAND_BIN

The hostile client burns CPU in every way it can (endless loops in the shell
and in Python, a flood of output, a queue of calls on its own sandbox) and
another one disconnects in the middle of a run. The well-behaved clients, each
in its own sandbox, must still get correct answers, each call within bounded
time, and the abandoned run must be stopped.
"""

import asyncio
import http.client
import json
import re
import subprocess
import sys
import time

from mcp import Client

from e2e import check, env

WORKERS = 4
ROUNDS = 4
# Each well-behaved call must answer within this many seconds, whatever the
# hostile client does (2 cores; python3 starts in ~0.03 s warm).
CALL_BOUND = 8.0


async def timed(client, name, args):
    started = time.monotonic()
    r = await client.call_tool(name, args)
    took = time.monotonic() - started
    check(took < CALL_BOUND, f"{name} took {took:.1f} s")
    return r


async def worker(url, i):
    async with Client(url) as c:
        sid = (await timed(c, "create_sandbox", {"label": f"worker{i}"})).structured_content["sandbox_id"]
        for k in range(ROUNDS):
            r = await timed(c, "write_file", {"sandbox_id": sid, "path": f"in{k}.txt", "content": f"{i} {k}\n" * 3})
            check(not r.is_error, r)
            r = await timed(c, "run_command", {"sandbox_id": sid, "command": f"sort -u in{k}.txt | wc -l; echo w{i}"})
            check(r.structured_content["stdout"] == f"1\nw{i}\n", r.structured_content)
            r = await timed(c, "run_python", {"sandbox_id": sid, "code": f"print(sum(range({i * 100 + k})))"})
            check(r.structured_content["stdout"] == f"{sum(range(i * 100 + k))}\n", r.structured_content)
        await timed(c, "destroy_sandbox", {"sandbox_id": sid})


async def hostile(url):
    async with Client(url) as c:
        sid = (await c.call_tool("create_sandbox", {"label": "hostile"})).structured_content["sandbox_id"]
        attacks = [
            ("run_command", {"command": "while true; do :; done"}),
            ("run_python", {"code": "while True: pass"}),
            ("run_command", {"command": "yes | head -c 200000000"}),
            ("run_command", {"command": "f() { f | f & }; f"}),
            ("run_python", {"code": "x = []\nwhile True: x.append('a' * 10**6)"}),
        ]
        results = await asyncio.gather(*[
            c.call_tool(name, {"sandbox_id": sid, **args}) for name, args in attacks
        ])
        # Each attack ended (a limit, or busy while the others held the sandbox).
        for r in results:
            check(r.is_error or r.structured_content["exit_code"] != 0, r.structured_content)


def abandoned_run(port):
    """POSTs a long run, then hangs up; the server must stop the run."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28"}

    def post(id, name, args):
        body = {"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": name, "arguments": args, "_meta": meta}}
        conn.request("POST", "/mcp", json.dumps(body), headers | {"Mcp-Method": "tools/call", "Mcp-Name": name})

    post(1, "create_sandbox", {"label": "abandoned"})
    sid = json.loads(conn.getresponse().read())["result"]["structuredContent"]["sandbox_id"]
    post(2, "run_command", {"sandbox_id": sid, "command": "while true; do :; done"})
    time.sleep(1.0)
    conn.sock.close()
    conn.close()
    return sid


async def main_async(binary):
    proc = subprocess.Popen([binary, "mcp", "--http", "127.0.0.1:0", "--timeout", "10"], env=env(),
                            stderr=subprocess.PIPE, text=True)
    try:
        m = re.search(r"listening on (http://127\.0\.0\.1:(\d+)/mcp)", proc.stderr.readline())
        check(m, "the server prints its address")
        url, port = m.group(1), int(m.group(2))
        started = time.monotonic()
        bad = asyncio.create_task(hostile(url))
        await asyncio.sleep(0.5)
        sid = await asyncio.to_thread(abandoned_run, port)
        await asyncio.gather(*[worker(url, i) for i in range(WORKERS)])
        took = time.monotonic() - started
        # The abandoned run was stopped long before its 10 s timeout.
        async with Client(url) as c:
            deadline = time.monotonic() + 3
            while True:
                listed = (await c.call_tool("list_sandboxes", {})).structured_content["sandboxes"]
                busy = [s["busy"] for s in listed if s["sandbox_id"] == sid]
                if busy == [False]:
                    break
                check(time.monotonic() < deadline, f"the abandoned run still runs: {listed}")
                await asyncio.sleep(0.1)
        await bad
        check(proc.poll() is None, "the server is still up")
        print(f"mcp concurrent: {WORKERS} clients x {ROUNDS} rounds beside a hostile one in {took:.1f} s: ok")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main_async(sys.argv[1]))
