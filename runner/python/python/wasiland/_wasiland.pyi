"""Type stubs of the native module (the classes wasiland re-exports)."""

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, final

__version__: str
commit: str | None

class SandboxError(Exception):
    """A sandbox could not be created or used (no guests, a refused limit)."""

def guest_versions() -> str:
    """The upstream projects inside the embedded guests, one per line."""

@final
class Limits:
    """Resource limits; keyword arguments override the defaults.

    ``None`` means no limit for the optional ones.
    """

    def __init__(
        self,
        *,
        timeout: float | None = ...,
        fuel: int | None = ...,
        memory: int | None = ...,
        sandbox_memory: int | None = ...,
        fs_bytes: int | None = ...,
        fs_inodes: int | None = ...,
        output: int | None = ...,
        open_files: int = ...,
        args_bytes: int = ...,
        pipeline_stages: int = ...,
        shell_depth: int = ...,
    ) -> None: ...
    @property
    def timeout(self) -> float | None: ...
    @property
    def fuel(self) -> int | None: ...
    @property
    def memory(self) -> int | None: ...
    @property
    def sandbox_memory(self) -> int | None: ...
    @property
    def fs_bytes(self) -> int | None: ...
    @property
    def fs_inodes(self) -> int | None: ...
    @property
    def output(self) -> int | None: ...
    @property
    def open_files(self) -> int: ...
    @property
    def args_bytes(self) -> int: ...
    @property
    def pipeline_stages(self) -> int: ...
    @property
    def shell_depth(self) -> int: ...

@final
class LimitHit:
    """A limit that stopped a process."""

    @property
    def kind(self) -> str:
        """The limit's command-line flag without ``--``: ``timeout``,
        ``fuel``, ``memory-limit``, ``sandbox-memory``, ``fs-limit``,
        ``fs-inodes``, ``output-limit``, ``open-files``, ``args-limit``,
        ``pipeline-limit`` or ``depth-limit``."""
    @property
    def process(self) -> str:
        """The command name of the process (``sh`` for the shell)."""

@final
class RunResult:
    """What a command did."""

    @property
    def exit_code(self) -> int: ...
    @property
    def stdout(self) -> bytes: ...
    @property
    def stderr(self) -> bytes: ...
    @property
    def stdout_text(self) -> str:
        """stdout decoded as UTF-8 (invalid bytes as U+FFFD)."""
    @property
    def stderr_text(self) -> str:
        """stderr decoded as UTF-8 (invalid bytes as U+FFFD)."""
    @property
    def ok(self) -> bool:
        """True if the exit code is 0."""
    @property
    def truncated(self) -> bool:
        """Output went past the output limit and was cut."""
    @property
    def limit(self) -> LimitHit | None:
        """The first limit hit during the run, if any."""
    @property
    def limits_hit(self) -> list[LimitHit]: ...
    @property
    def duration(self) -> float:
        """Wall time of the run, in seconds."""

@final
class Snapshot:
    """A copy of a sandbox's files and session, for ``Sandbox.restore``."""

OutputCallback = Callable[[bytes], object]
Data = bytes | bytearray | memoryview | str

@final
class Sandbox:
    """A shell session over an in-memory filesystem with python3,
    coreutils, grep, sed, awk, jq, ... Nothing a command does reaches the
    host. Calls release the GIL while guests run."""

    def __init__(
        self,
        *,
        limits: Limits | Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        seed: int | None = None,
        cwd: str = "/home/user",
        fixtures: str | os.PathLike[str] | None = None,
    ) -> None: ...
    def run(
        self,
        command: str,
        *,
        stdin: bytes | str | None = None,
        timeout: float | None = None,
        on_stdout: OutputCallback | None = None,
        on_stderr: OutputCallback | None = None,
    ) -> RunResult:
        """Run a command line (bash syntax); the session (cwd, variables,
        functions) persists between runs. ``timeout`` (seconds) overrides
        the sandbox's for this run. Callbacks get output chunks as they are
        written, on a thread of the sandbox; an exception in one stops the
        run and is raised here."""
    def run_python(
        self,
        code: str,
        *,
        args: Sequence[str] = (),
        stdin: bytes | str | None = None,
        timeout: float | None = None,
        on_stdout: OutputCallback | None = None,
        on_stderr: OutputCallback | None = None,
    ) -> RunResult:
        """Run Python source with the sandbox's python3 (``python3 -c``)."""
    def run_async(
        self,
        command: str,
        *,
        stdin: bytes | str | None = None,
        timeout: float | None = None,
        on_stdout: OutputCallback | None = None,
        on_stderr: OutputCallback | None = None,
    ) -> Awaitable[RunResult]:
        """``run`` as a coroutine; cancelling the task stops the command."""
    def run_python_async(
        self,
        code: str,
        *,
        args: Sequence[str] = (),
        stdin: bytes | str | None = None,
        timeout: float | None = None,
        on_stdout: OutputCallback | None = None,
        on_stderr: OutputCallback | None = None,
    ) -> Awaitable[RunResult]: ...
    def cancel(self) -> None:
        """Stop the running command (from another thread); it ends with 130."""
    def write_file(self, path: str, data: Data) -> None: ...
    def read_file(self, path: str) -> bytes: ...
    def listdir(self, path: str = ".") -> list[str]: ...
    def exists(self, path: str) -> bool: ...
    def remove(self, path: str) -> None:
        """Remove a file, or a directory with everything in it."""
    def import_dir(self, host_dir: str | os.PathLike[str], path: str) -> int:
        """Copy a host directory into the sandbox; returns the files copied."""
    def export(self, path: str, host_dir: str | os.PathLike[str]) -> int:
        """Copy a sandbox tree out to the host, atomically; returns the
        files copied."""
    def snapshot(self) -> Snapshot: ...
    def restore(self, snapshot: Snapshot) -> None: ...
    def fork(self) -> Sandbox: ...
    @property
    def limits(self) -> Limits: ...
