//! `wasiland._wasiland`: the Python bindings of the wasiland library, with
//! the guests (python3, coreutils, the tools) compiled in. The public Python
//! package (`python/wasiland/__init__.py`) re-exports these classes and adds
//! the asyncio variant of `run`.
//!
//! Every call that runs guests or waits for a sandbox releases the GIL
//! (`Python::detach`), so sandboxes on different Python threads run at the
//! same time; output callbacks take it back only while they are called.

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyNotADirectoryError, PyOSError,
    PyPermissionError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use wasiland::{CancelHandle, FsError, Guests, OutputKind, RunOptions};
use wasiland_vfs::VfsError;

pyo3::create_exception!(
    wasiland,
    SandboxError,
    pyo3::exceptions::PyException,
    "A sandbox could not be created or used (no guests, a refused limit)."
);

/// Resource limits of a sandbox; keyword arguments override the defaults
/// (`Limits()` has them all). Byte counts are ints; `None` means no limit
/// where a limit is optional (timeout, fuel, memory, sandbox_memory,
/// fs_bytes, fs_inodes, output).
#[pyclass(module = "wasiland", frozen, from_py_object)]
#[derive(Clone)]
struct Limits {
    inner: wasiland::Limits,
}

/// The names `Limits` takes, in the order `repr` shows them.
const LIMIT_NAMES: &[&str] = &[
    "timeout",
    "fuel",
    "memory",
    "sandbox_memory",
    "fs_bytes",
    "fs_inodes",
    "output",
    "open_files",
    "args_bytes",
    "pipeline_stages",
    "shell_depth",
];

impl Limits {
    fn from_kwargs(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut l = wasiland::Limits::default();
        let Some(kwargs) = kwargs else {
            return Ok(Limits { inner: l });
        };
        for (key, value) in kwargs.iter() {
            let name: String = key.extract()?;
            let optional_u64 = |v: &Bound<'_, PyAny>| -> PyResult<Option<u64>> {
                if v.is_none() {
                    Ok(None)
                } else {
                    v.extract::<u64>().map(Some).map_err(|_| {
                        PyValueError::new_err(format!("{name} must be a non-negative int or None"))
                    })
                }
            };
            let count = |v: &Bound<'_, PyAny>| -> PyResult<usize> {
                v.extract::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| PyValueError::new_err(format!("{name} must be a positive int")))
            };
            match name.as_str() {
                "timeout" => l.timeout = optional_seconds(&value, "timeout")?,
                "fuel" => l.fuel = optional_u64(&value)?,
                "memory" => l.memory = optional_u64(&value)?,
                "sandbox_memory" => l.sandbox_memory = optional_u64(&value)?,
                "fs_bytes" => l.fs_bytes = optional_u64(&value)?,
                "fs_inodes" => l.fs_inodes = optional_u64(&value)?,
                "output" => l.output = optional_u64(&value)?,
                "open_files" => l.open_files = count(&value)?,
                "args_bytes" => l.args_bytes = count(&value)?,
                "pipeline_stages" => l.pipeline_stages = count(&value)?,
                "shell_depth" => l.shell_depth = count(&value)?,
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "unknown limit {other:?} (known: {})",
                        LIMIT_NAMES.join(", ")
                    )))
                }
            }
        }
        Ok(Limits { inner: l })
    }

    /// `limits` as given to `Sandbox`: a `Limits`, a dict of the same
    /// keywords, or None for the defaults.
    fn from_arg(limits: Option<&Bound<'_, PyAny>>) -> PyResult<wasiland::Limits> {
        match limits {
            None => Ok(wasiland::Limits::default()),
            Some(v) if v.is_none() => Ok(wasiland::Limits::default()),
            Some(v) => {
                if let Ok(l) = v.cast::<Limits>() {
                    return Ok(l.get().inner.clone());
                }
                let dict = v.cast::<PyDict>().map_err(|_| {
                    PyTypeError::new_err(
                        "limits must be a wasiland.Limits or a dict of its keywords",
                    )
                })?;
                Ok(Limits::from_kwargs(Some(dict))?.inner)
            }
        }
    }
}

#[pymethods]
impl Limits {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Limits::from_kwargs(kwargs)
    }

    /// Seconds of wall-clock time per run, or None.
    #[getter]
    fn timeout(&self) -> Option<f64> {
        self.inner.timeout.map(|d| d.as_secs_f64())
    }
    #[getter]
    fn fuel(&self) -> Option<u64> {
        self.inner.fuel
    }
    #[getter]
    fn memory(&self) -> Option<u64> {
        self.inner.memory
    }
    #[getter]
    fn sandbox_memory(&self) -> Option<u64> {
        self.inner.sandbox_memory
    }
    #[getter]
    fn fs_bytes(&self) -> Option<u64> {
        self.inner.fs_bytes
    }
    #[getter]
    fn fs_inodes(&self) -> Option<u64> {
        self.inner.fs_inodes
    }
    #[getter]
    fn output(&self) -> Option<u64> {
        self.inner.output
    }
    #[getter]
    fn open_files(&self) -> usize {
        self.inner.open_files
    }
    #[getter]
    fn args_bytes(&self) -> usize {
        self.inner.args_bytes
    }
    #[getter]
    fn pipeline_stages(&self) -> usize {
        self.inner.pipeline_stages
    }
    #[getter]
    fn shell_depth(&self) -> usize {
        self.inner.shell_depth
    }

    fn __repr__(&self) -> String {
        let l = &self.inner;
        let opt = |v: Option<u64>| v.map_or("None".to_string(), |n| n.to_string());
        format!(
            "Limits(timeout={}, fuel={}, memory={}, sandbox_memory={}, fs_bytes={}, fs_inodes={}, \
             output={}, open_files={}, args_bytes={}, pipeline_stages={}, shell_depth={})",
            l.timeout
                .map_or("None".to_string(), |d| d.as_secs_f64().to_string()),
            opt(l.fuel),
            opt(l.memory),
            opt(l.sandbox_memory),
            opt(l.fs_bytes),
            opt(l.fs_inodes),
            opt(l.output),
            l.open_files,
            l.args_bytes,
            l.pipeline_stages,
            l.shell_depth
        )
    }
}

/// Seconds as a Duration: a non-negative finite number, or None.
fn optional_seconds(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<Duration>> {
    if value.is_none() {
        return Ok(None);
    }
    let secs: f64 = value
        .extract()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a number of seconds or None")))?;
    Duration::try_from_secs_f64(secs).map(Some).map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a finite number of seconds >= 0, not {secs}"
        ))
    })
}

/// A limit that stopped a process: which limit (named as its CLI flag:
/// `timeout`, `memory-limit`, `fs-limit`, ...) and the command name of
/// the process.
#[pyclass(module = "wasiland", frozen, get_all)]
struct LimitHit {
    kind: String,
    process: String,
}

#[pymethods]
impl LimitHit {
    fn __repr__(&self) -> String {
        format!("LimitHit(kind={:?}, process={:?})", self.kind, self.process)
    }
}

/// What a command did: its exit status, its output (bytes, and decoded as
/// text by `stdout_text`/`stderr_text`), whether output was cut at the
/// output limit, the first limit hit and the wall time in seconds.
#[pyclass(module = "wasiland", frozen, get_all)]
struct RunResult {
    exit_code: i32,
    stdout: Py<PyBytes>,
    stderr: Py<PyBytes>,
    truncated: bool,
    limit: Option<Py<LimitHit>>,
    limits_hit: Vec<Py<LimitHit>>,
    duration: f64,
}

#[pymethods]
impl RunResult {
    /// stdout decoded as UTF-8 (invalid bytes as U+FFFD).
    #[getter]
    fn stdout_text(&self, py: Python<'_>) -> String {
        String::from_utf8_lossy(self.stdout.as_bytes(py)).into_owned()
    }

    /// stderr decoded as UTF-8 (invalid bytes as U+FFFD).
    #[getter]
    fn stderr_text(&self, py: Python<'_>) -> String {
        String::from_utf8_lossy(self.stderr.as_bytes(py)).into_owned()
    }

    /// True if the command exited with status 0.
    #[getter]
    fn ok(&self) -> bool {
        self.exit_code == 0
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let limit = match &self.limit {
            Some(l) => l.get().__repr__(),
            None => "None".into(),
        };
        format!(
            "RunResult(exit_code={}, stdout={} bytes, stderr={} bytes, truncated={}, limit={limit}, duration={:.3})",
            self.exit_code,
            self.stdout.as_bytes(py).len(),
            self.stderr.as_bytes(py).len(),
            if self.truncated { "True" } else { "False" },
            self.duration
        )
    }
}

impl RunResult {
    fn new(py: Python<'_>, r: wasiland::RunResult) -> PyResult<Self> {
        let hit = |h: &wasiland::LimitHit| {
            Py::new(
                py,
                LimitHit {
                    kind: h.kind.name().to_string(),
                    process: h.process.clone(),
                },
            )
        };
        Ok(RunResult {
            exit_code: r.exit_code,
            stdout: PyBytes::new(py, &r.stdout).unbind(),
            stderr: PyBytes::new(py, &r.stderr).unbind(),
            truncated: r.truncated,
            limit: r.limit.as_ref().map(hit).transpose()?,
            limits_hit: r.limits_hit.iter().map(hit).collect::<PyResult<_>>()?,
            duration: r.duration.as_secs_f64(),
        })
    }
}

/// A point-in-time copy of a sandbox's files and shell session, for
/// `Sandbox.restore` (copy-on-write: file data is shared, not copied).
#[pyclass(module = "wasiland", frozen)]
struct Snapshot {
    inner: wasiland::Snapshot,
}

/// A sandbox: an in-memory filesystem with a bash-compatible shell session,
/// python3, coreutils, grep, sed, awk, jq, ... as WebAssembly programs.
/// Nothing a command does reaches the host.
#[pyclass(module = "wasiland", frozen)]
struct Sandbox {
    inner: Mutex<wasiland::Sandbox>,
    /// Kept outside the mutex: `cancel` must not wait for the run it stops.
    cancel: CancelHandle,
}

/// A command's stdin: bytes, text (UTF-8) or None (empty).
fn stdin_bytes(stdin: Option<&Bound<'_, PyAny>>) -> PyResult<Option<bytes::Bytes>> {
    let Some(v) = stdin.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Some(bytes::Bytes::copy_from_slice(b.as_bytes())));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Some(bytes::Bytes::copy_from_slice(s.to_str()?.as_bytes())));
    }
    Err(PyTypeError::new_err("stdin must be bytes, str or None"))
}

/// File contents: bytes, bytearray, memoryview (anything with the buffer
/// protocol that extracts to bytes) or text (UTF-8).
fn data_bytes(data: &Bound<'_, PyAny>) -> PyResult<bytes::Bytes> {
    if let Ok(s) = data.cast::<PyString>() {
        return Ok(bytes::Bytes::copy_from_slice(s.to_str()?.as_bytes()));
    }
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(bytes::Bytes::copy_from_slice(b.as_bytes()));
    }
    let v: Vec<u8> = data
        .extract()
        .map_err(|_| PyTypeError::new_err("data must be bytes, bytearray, memoryview or str"))?;
    Ok(bytes::Bytes::from(v))
}

/// A Python exception for a failed file operation, of the class Python's
/// own file functions raise for the same error.
fn fs_error(e: FsError) -> PyErr {
    match &e {
        FsError::Vfs { kind, .. } => {
            let msg = e.to_string();
            match kind {
                VfsError::NotFound => PyFileNotFoundError::new_err(msg),
                VfsError::AlreadyExists => PyFileExistsError::new_err(msg),
                VfsError::IsADirectory => PyIsADirectoryError::new_err(msg),
                VfsError::NotADirectory => PyNotADirectoryError::new_err(msg),
                VfsError::ReadOnly | VfsError::NotPermitted | VfsError::NotCapable => {
                    PyPermissionError::new_err(msg)
                }
                _ => PyOSError::new_err(msg),
            }
        }
        FsError::Host(io) => PyOSError::new_err(io.to_string()),
        FsError::Guests(g) => SandboxError::new_err(g.to_string()),
    }
}

/// The embedded guests, or a directory the caller named.
fn guests(fixtures: Option<PathBuf>) -> PyResult<Guests> {
    match fixtures {
        Some(dir) => Guests::in_dir(&dir).map_err(|e| SandboxError::new_err(e.to_string())),
        None => Guests::embedded()
            .ok_or_else(|| SandboxError::new_err("this build has no embedded guests")),
    }
}

/// Receives the streamed output of one run and calls the Python callbacks
/// with the GIL held; the first exception a callback raises cancels the run
/// and is raised by `run`.
struct Streams {
    on_stdout: Option<Py<PyAny>>,
    on_stderr: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
    cancel: CancelHandle,
}

impl Streams {
    fn deliver(&self, kind: OutputKind, data: &[u8]) {
        let callback = match kind {
            OutputKind::Stdout => &self.on_stdout,
            OutputKind::Stderr => &self.on_stderr,
        };
        let Some(callback) = callback else { return };
        if lock(&self.error).is_some() {
            return;
        }
        let result = Python::attach(|py| callback.call1(py, (PyBytes::new(py, data),)).map(drop));
        if let Err(e) = result {
            lock(&self.error).get_or_insert(e);
            self.cancel.cancel();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sandbox {
    fn sandbox(&self) -> MutexGuard<'_, wasiland::Sandbox> {
        lock(&self.inner)
    }

    fn wrap(sb: wasiland::Sandbox) -> Self {
        Sandbox {
            cancel: sb.cancel_handle(),
            inner: Mutex::new(sb),
        }
    }

    /// Run `command` with the GIL released; see `run`.
    #[allow(clippy::too_many_arguments)]
    fn run_command(
        &self,
        py: Python<'_>,
        command: &str,
        stdin: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        on_stdout: Option<Py<PyAny>>,
        on_stderr: Option<Py<PyAny>>,
    ) -> PyResult<RunResult> {
        let stdin = stdin_bytes(stdin)?;
        let timeout = match timeout {
            Some(t) => Some(optional_seconds(t, "timeout")?),
            None => None,
        };
        let streams = (on_stdout.is_some() || on_stderr.is_some()).then(|| {
            Arc::new(Streams {
                on_stdout,
                on_stderr,
                error: Mutex::new(None),
                cancel: self.cancel.clone(),
            })
        });
        let mut options = match stdin {
            Some(bytes) => RunOptions::with_stdin(bytes),
            None => RunOptions::default(),
        };
        if let Some(streams) = &streams {
            let streams = streams.clone();
            options.on_output = Some(Arc::new(move |kind, data: &[u8]| {
                streams.deliver(kind, data)
            }));
        }
        let command = command.to_string();
        let result = py.detach(|| {
            let mut sb = self.sandbox();
            let saved = sb.limits().clone();
            if let Some(timeout) = timeout {
                sb.set_limits(wasiland::Limits {
                    timeout,
                    ..saved.clone()
                });
            }
            let result = sb.run_with(&command, options);
            if timeout.is_some() {
                sb.set_limits(saved);
            }
            result
        });
        if let Some(streams) = streams {
            if let Some(e) = lock(&streams.error).take() {
                return Err(e);
            }
        }
        RunResult::new(py, result)
    }
}

#[pymethods]
impl Sandbox {
    #[new]
    #[pyo3(signature = (*, limits=None, env=None, seed=None, cwd="/home/user", fixtures=None))]
    fn new(
        py: Python<'_>,
        limits: Option<&Bound<'_, PyAny>>,
        env: Option<std::collections::BTreeMap<String, String>>,
        seed: Option<u64>,
        cwd: &str,
        fixtures: Option<PathBuf>,
    ) -> PyResult<Self> {
        let limits = Limits::from_arg(limits)?;
        let guests = guests(fixtures)?;
        let cwd = cwd.to_string();
        let sb = py.detach(move || {
            let mut b = wasiland::Sandbox::builder()
                .tools(guests.tools())
                .limits(limits)
                .cwd(&cwd);
            for (name, value) in env.iter().flatten() {
                b = b.env(name, value);
            }
            if let Some(seed) = seed {
                b = b.random_seed(seed);
            }
            b.build()
        });
        sb.map(Sandbox::wrap).map_err(fs_error)
    }

    /// Run a command line (bash syntax) in the sandbox's session; cwd,
    /// variables and functions persist between runs.
    #[pyo3(signature = (command, *, stdin=None, timeout=None, on_stdout=None, on_stderr=None))]
    fn run(
        &self,
        py: Python<'_>,
        command: &str,
        stdin: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        on_stdout: Option<Py<PyAny>>,
        on_stderr: Option<Py<PyAny>>,
    ) -> PyResult<RunResult> {
        self.run_command(py, command, stdin, timeout, on_stdout, on_stderr)
    }

    /// Run Python source with the sandbox's python3 (`python3 -c CODE
    /// ARGS...`, quoted for the shell here).
    #[pyo3(signature = (code, *, args=Vec::new(), stdin=None, timeout=None, on_stdout=None, on_stderr=None))]
    #[allow(clippy::too_many_arguments)]
    fn run_python(
        &self,
        py: Python<'_>,
        code: &str,
        args: Vec<String>,
        stdin: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        on_stdout: Option<Py<PyAny>>,
        on_stderr: Option<Py<PyAny>>,
    ) -> PyResult<RunResult> {
        if code.contains('\0') || args.iter().any(|a| a.contains('\0')) {
            return Err(PyValueError::new_err(
                "code and args cannot contain NUL characters",
            ));
        }
        let mut command = format!("python3 -c {}", shell_quote(code));
        for arg in &args {
            command.push(' ');
            command.push_str(&shell_quote(arg));
        }
        self.run_command(py, &command, stdin, timeout, on_stdout, on_stderr)
    }

    /// `run` as a coroutine (on a worker thread); cancelling the task
    /// stops the command.
    #[pyo3(signature = (command, **kwargs))]
    fn run_async<'py>(
        slf: &Bound<'py, Self>,
        command: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(slf, "run", command, kwargs)
    }

    /// `run_python` as a coroutine; cancelling the task stops it.
    #[pyo3(signature = (code, **kwargs))]
    fn run_python_async<'py>(
        slf: &Bound<'py, Self>,
        code: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(slf, "run_python", code, kwargs)
    }

    /// Stop the command running in this sandbox (from another thread); the
    /// run returns status 130. Does nothing if none is running.
    fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Write a file (parent directories are created); relative paths are
    /// taken from the session's working directory.
    fn write_file(&self, py: Python<'_>, path: &str, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = data_bytes(data)?;
        py.detach(|| self.sandbox().write_file(path, data))
            .map_err(fs_error)
    }

    /// A whole file's contents.
    fn read_file<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyBytes>> {
        let data = py
            .detach(|| self.sandbox().read_file(path))
            .map_err(fs_error)?;
        Ok(PyBytes::new(py, &data))
    }

    /// Names in a directory (without `.` and `..`), in creation order.
    #[pyo3(signature = (path="."))]
    fn listdir(&self, py: Python<'_>, path: &str) -> PyResult<Vec<String>> {
        let entries = py
            .detach(|| self.sandbox().list_dir(path))
            .map_err(fs_error)?;
        Ok(entries.into_iter().map(|e| e.name).collect())
    }

    /// True if `path` names anything (a dangling symlink counts).
    fn exists(&self, py: Python<'_>, path: &str) -> bool {
        py.detach(|| {
            let sb = self.sandbox();
            let abs = wasiland::exec::absolute(sb.shell().cwd(), path);
            let found = sb.vfs().lock().metadata(&abs, false).is_ok();
            found
        })
    }

    /// Remove a file, or a directory with everything in it.
    fn remove(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        py.detach(|| self.sandbox().remove(path)).map_err(fs_error)
    }

    /// Copy a host directory tree into the sandbox at `path` (all or
    /// nothing; symlinks are copied as links, never followed). Returns the
    /// number of files copied.
    fn import_dir(&self, py: Python<'_>, host_dir: PathBuf, path: &str) -> PyResult<u64> {
        let stats = py
            .detach(|| self.sandbox().import_host_dir(&host_dir, path))
            .map_err(fs_error)?;
        Ok(stats.files)
    }

    /// Copy a sandbox tree out to a host directory, atomically (on failure
    /// the host is unchanged). Returns the number of files copied.
    fn export(&self, py: Python<'_>, path: &str, host_dir: PathBuf) -> PyResult<u64> {
        let stats = py
            .detach(|| self.sandbox().export(path, &host_dir))
            .map_err(fs_error)?;
        Ok(stats.files)
    }

    /// A copy of the files and the shell session, for `restore`.
    fn snapshot(&self, py: Python<'_>) -> Snapshot {
        Snapshot {
            inner: py.detach(|| self.sandbox().snapshot()),
        }
    }

    /// Go back to a snapshot (of this or any sandbox).
    fn restore(&self, py: Python<'_>, snapshot: &Snapshot) {
        py.detach(|| self.sandbox().restore(&snapshot.inner))
    }

    /// An independent sandbox starting from this one's files and session.
    fn fork(&self, py: Python<'_>) -> Sandbox {
        Sandbox::wrap(py.detach(|| self.sandbox().fork()))
    }

    /// The sandbox's limits.
    #[getter]
    fn limits(&self, py: Python<'_>) -> Limits {
        Limits {
            inner: py.detach(|| self.sandbox().limits().clone()),
        }
    }
}

/// A coroutine running `sandbox.method(arg, **kwargs)` on a worker thread
/// (`wasiland._aio`, where asyncio is at home).
fn awaitable<'py>(
    sandbox: &Bound<'py, Sandbox>,
    method: &str,
    arg: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = sandbox.py();
    py.import("wasiland._aio")?
        .getattr("call_in_thread")?
        .call((sandbox, method, arg), kwargs)
}

/// `arg` as one shell word.
fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Where the embedded guests came from and their upstream versions.
#[pyfunction]
fn guest_versions() -> String {
    Guests::embedded()
        .map(|g| g.versions().to_string())
        .unwrap_or_default()
}

#[pymodule]
fn _wasiland(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Sandbox>()?;
    m.add_class::<RunResult>()?;
    m.add_class::<LimitHit>()?;
    m.add_class::<Limits>()?;
    m.add_class::<Snapshot>()?;
    m.add("SandboxError", m.py().get_type::<SandboxError>())?;
    m.add_function(wrap_pyfunction!(guest_versions, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("commit", wasiland::guests::commit())?;
    Ok(())
}
