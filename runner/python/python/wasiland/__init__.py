"""wasiland: sandboxes for agent tools.

A ``Sandbox`` is a bash-compatible shell session over an in-memory
filesystem; python3 (RustPython), coreutils, grep, sed, awk, jq and more run
in it as WebAssembly programs, and nothing a command does reaches the host::

    import wasiland

    sb = wasiland.Sandbox(limits=wasiland.Limits(timeout=10))
    sb.write_file("data.csv", "b,2\\na,1\\n")
    r = sb.run("sort data.csv | head -n 1")
    assert r.exit_code == 0 and r.stdout == b"a,1\\n"
"""

from ._wasiland import (
    LimitHit,
    Limits,
    RunResult,
    Sandbox,
    SandboxError,
    Snapshot,
    __version__,
    commit,
    guest_versions,
)

__all__ = [
    "LimitHit",
    "Limits",
    "RunResult",
    "Sandbox",
    "SandboxError",
    "Snapshot",
    "__version__",
    "commit",
    "guest_versions",
]
