//! The tools, each with its argument and result types (whose JSON schemas
//! clients see), a description written for a model, and annotations
//! (`readOnlyHint`, `destructiveHint`, `idempotentHint`; none of them
//! reaches outside the sandbox, so `openWorldHint` is false throughout).

use super::registry::{Entry, Registry};
use super::render::{self, finish, Outcome, ToolError};
use super::run::{self, Progress, Run};
use crate::exec::absolute;
use crate::state::FORMAT_VERSION;
use base64::Engine;
use rmcp::handler::server::tool::{schema_for_output, ToolRouter};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, Implementation, ServerCapabilities, ServerConfig as ServerDescription,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wasiland_vfs::{FileType, VfsError};

/// What the server tells a model about itself (`instructions`).
const INSTRUCTIONS: &str = "wasiland runs shell commands and Python in isolated sandboxes: an \
in-memory filesystem, a bash-compatible shell, python3 (RustPython, CPython 3.14 standard \
library, no pip packages), coreutils, grep, sed, awk, jq, find, diff. No network and no host \
files. Every tool takes an optional sandbox_id; without one it uses a default sandbox, so the \
simplest use is run_command / run_python / write_file / read_file with no handle. A sandbox keeps \
its files, cwd, variables and functions between calls. Use create_sandbox or fork_sandbox for \
independent sandboxes, snapshot/restore to undo, export_state/import_state to keep a sandbox \
beyond this server. Runs stop at a timeout and other limits; a result with isError and a \
'limit' field says which.";

/// The sandbox a call works on.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SandboxArg {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateArgs {
    /// A name to recognise it by in list_sandboxes.
    pub label: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DestroyArgs {
    /// The sandbox to destroy ("default" is the default sandbox, which is created again empty when next used).
    pub sandbox_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunCommandArgs {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
    /// A bash command line or script (pipes, redirections, loops, functions, here-documents...).
    pub command: String,
    /// Text given to the command on standard input.
    pub stdin: Option<String>,
    /// Stop the run after this many seconds (default and maximum: the server's timeout).
    pub timeout_s: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunPythonArgs {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
    /// Python source, run as `python3 -c` in the sandbox's current directory. No quoting needed.
    pub code: String,
    /// Text given to the program on standard input (sys.stdin).
    pub stdin: Option<String>,
    /// Arguments, seen by the program as sys.argv[1:].
    pub args: Option<Vec<String>>,
    /// Stop the run after this many seconds (default and maximum: the server's timeout).
    pub timeout_s: Option<f64>,
}

/// How file contents are carried in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub(crate) enum Encoding {
    /// Text.
    #[serde(rename = "utf-8")]
    Utf8,
    /// Any bytes, base64-encoded.
    #[serde(rename = "base64")]
    Base64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WriteFileArgs {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
    /// Where to write; relative paths start at the sandbox's current directory. Missing parent directories are created.
    pub path: String,
    /// The whole new contents of the file.
    pub content: String,
    /// "utf-8" (default) for text, "base64" for binary contents.
    pub encoding: Option<Encoding>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadFileArgs {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
    /// The file; relative paths start at the sandbox's current directory.
    pub path: String,
    /// "utf-8" or "base64". Default: utf-8 when the file is valid UTF-8, else base64.
    pub encoding: Option<Encoding>,
    /// Read at most this many bytes from the start (default 1 MiB, at most 8 MiB).
    pub max_bytes: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListDirectoryArgs {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
    /// The directory (default: the sandbox's current directory).
    pub path: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestoreArgs {
    /// Handle from create_sandbox, fork_sandbox or import_state. Omit to use the default sandbox.
    pub sandbox_id: Option<String>,
    /// A snapshot_id returned by snapshot for this sandbox.
    pub snapshot_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForkArgs {
    /// The sandbox to copy. Omit to copy the default sandbox.
    pub sandbox_id: Option<String>,
    /// A name for the copy, shown by list_sandboxes.
    pub label: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportArgs {
    /// The `data` field of an export_state result (base64).
    pub data: String,
    /// A name for the new sandbox, shown by list_sandboxes.
    pub label: Option<String>,
}

// ------------------------------------------------------------------ results

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SandboxCreated {
    /// The new sandbox's handle: pass it as sandbox_id.
    pub sandbox_id: String,
    pub label: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SandboxInfo {
    pub sandbox_id: String,
    pub label: Option<String>,
    /// Creation time, seconds since the Unix epoch.
    pub created: u64,
    /// Seconds since it was last used.
    pub idle_s: u64,
    /// It is running a command now.
    pub busy: bool,
    /// Handles of its snapshots, oldest first.
    pub snapshots: Vec<String>,
    /// Files, directories and other objects in its filesystem.
    pub inodes: u64,
    /// Bytes in its files.
    pub bytes: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SandboxList {
    pub sandboxes: Vec<SandboxInfo>,
    /// How many sandboxes the server holds at most.
    pub max_sandboxes: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Destroyed {
    pub sandbox_id: String,
    pub destroyed: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct LimitInfo {
    /// Which limit, named after its flag (`wasiland::LimitKind::name`): timeout, fuel, memory-limit, sandbox-memory, fs-limit, fs-inodes, output-limit, open-files, args-limit, pipeline-limit, depth-limit.
    pub kind: String,
    /// The command that hit it.
    pub process: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RunOutput {
    pub sandbox_id: String,
    /// The exit status, as $? shows it (124: timeout, 137: killed by a limit, 127: command not found).
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Output went past the output limit and was cut.
    pub truncated: bool,
    /// The first limit hit, if any (then isError is true).
    pub limit: Option<LimitInfo>,
    pub duration_ms: f64,
    /// The shell's working directory after the run.
    pub cwd: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct FileWritten {
    /// The absolute path written.
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct FileRead {
    /// The absolute path read.
    pub path: String,
    pub content: String,
    pub encoding: Encoding,
    /// The file's whole size in bytes.
    pub size: u64,
    /// Only the first max_bytes bytes are in content.
    pub truncated: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DirEntryInfo {
    pub name: String,
    /// file, directory, symlink or device.
    pub kind: String,
    /// Bytes (files), target length (symlinks).
    pub size: u64,
    /// Permission bits, octal as in ls (e.g. "755").
    pub mode: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DirListing {
    /// The absolute path listed.
    pub path: String,
    /// In creation order.
    pub entries: Vec<DirEntryInfo>,
    /// More entries exist than the 1000 listed.
    pub truncated: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SnapshotTaken {
    pub sandbox_id: String,
    /// Pass it to restore.
    pub snapshot_id: String,
    /// The oldest snapshots, dropped to stay within the server's maximum
    /// number of snapshots and their bytes.
    pub evicted_snapshot_ids: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Restored {
    pub sandbox_id: String,
    pub snapshot_id: String,
    /// The shell's working directory after the restore.
    pub cwd: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Forked {
    /// The new sandbox's handle.
    pub sandbox_id: String,
    pub forked_from: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Exported {
    pub sandbox_id: String,
    /// The state (files and shell session), base64: a gzip-compressed tar archive (format documented in wasiland::state).
    pub data: String,
    /// Size of the state before base64.
    pub bytes: u64,
    pub format_version: u64,
}

/// The tools over one registry of sandboxes.
#[derive(Clone)]
pub(crate) struct Tools {
    registry: Arc<Registry>,
    tool_router: ToolRouter<Tools>,
}

/// The names of all tools.
pub(crate) fn all_tool_names() -> Vec<String> {
    let mut names: Vec<String> = Tools::tool_router()
        .list_all()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

#[tool_router]
impl Tools {
    pub(crate) fn new(registry: Arc<Registry>) -> Tools {
        let mut tool_router = Tools::tool_router();
        if let Some(allowed) = &registry.config.allowed_tools {
            for name in all_tool_names() {
                if !allowed.contains(&name) {
                    tool_router.remove_route(&name);
                }
            }
        }
        Tools {
            registry,
            tool_router,
        }
    }

    #[tool(
        description = "Create a new, empty sandbox and return its sandbox_id. Only needed for several independent sandboxes: every tool works without a sandbox_id on a default sandbox.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<SandboxCreated>()
    )]
    async fn create_sandbox(
        &self,
        Parameters(args): Parameters<CreateArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        finish(
            check_label(&args.label)
                .and_then(|()| self.registry.reserve())
                .map(|slot| slot.fill(self.registry.fresh(), args.label))
                .map(|entry| {
                    let out = SandboxCreated {
                        sandbox_id: entry.id.clone(),
                        label: entry.label.clone(),
                    };
                    render::result(&out, format!("created sandbox {}", out.sandbox_id), false)
                }),
        )
    }

    #[tool(
        description = "List the live sandboxes with their labels, snapshots, size and whether they are running something.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<SandboxList>()
    )]
    async fn list_sandboxes(&self) -> Result<CallToolResult, ErrorData> {
        let sandboxes: Vec<SandboxInfo> = self
            .registry
            .list()
            .iter()
            .map(|e| {
                let usage = e.vfs.lock().usage();
                SandboxInfo {
                    sandbox_id: e.id.clone(),
                    label: e.label.clone(),
                    created: e.created,
                    idle_s: e.idle_for().as_secs(),
                    busy: e.sandbox.try_lock().is_err(),
                    snapshots: e.snapshot_ids(),
                    inodes: usage.inodes,
                    bytes: usage.bytes,
                }
            })
            .collect();
        let mut text = format!(
            "{} sandbox(es) of at most {}\n",
            sandboxes.len(),
            self.registry.config.max_sandboxes
        );
        for s in &sandboxes {
            text.push_str(&format!(
                "{}{} {} files, {} bytes, {} snapshot(s), idle {} s{}\n",
                s.sandbox_id,
                s.label
                    .as_deref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default(),
                s.inodes,
                s.bytes,
                s.snapshots.len(),
                s.idle_s,
                if s.busy { ", busy" } else { "" }
            ));
        }
        let out = SandboxList {
            sandboxes,
            max_sandboxes: self.registry.config.max_sandboxes,
        };
        finish(Ok(render::result(&out, text, false)))
    }

    #[tool(
        description = "Destroy a sandbox: its files, session and snapshots are gone (export_state first to keep them). A command it is running is stopped.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<Destroyed>()
    )]
    async fn destroy_sandbox(
        &self,
        Parameters(args): Parameters<DestroyArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.registry.remove(&args.sandbox_id).map(|entry| {
            let out = Destroyed {
                sandbox_id: entry.id.clone(),
                destroyed: true,
            };
            render::result(&out, format!("destroyed sandbox {}", entry.id), false)
        }))
    }

    #[tool(
        description = "Run a bash command line in a sandbox and return its exit code, stdout and stderr. The session persists between calls: cwd, variables, functions and files. Available: python3, coreutils (ls, cat, sort, head, wc, ...), grep, sed, awk, jq, find, xargs, diff; no network, no package installs. isError is set only when a limit stopped the run (see 'limit'); a failing command just has a non-zero exit_code.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<RunOutput>()
    )]
    async fn run_command(
        &self,
        Parameters(args): Parameters<RunCommandArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let run = Run {
            command: args.command,
            stdin: args.stdin.unwrap_or_default().into_bytes(),
            timeout: Duration::ZERO,
            positional: None,
        };
        finish(
            self.run(args.sandbox_id.as_deref(), args.timeout_s, run, &context)
                .await,
        )
    }

    #[tool(
        description = "Run Python 3 code (RustPython, CPython 3.14 standard library; no third-party packages) in a sandbox, as `python3 -c CODE ARGS...` in its current directory, and return exit code, stdout and stderr. Pass the code as is: no shell quoting. Files written by earlier calls are there; use print() for results.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<RunOutput>()
    )]
    async fn run_python(
        &self,
        Parameters(args): Parameters<RunPythonArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut positional = vec![args.code];
        positional.extend(args.args.unwrap_or_default());
        let run = Run {
            command: r#"python3 -c "$1" "${@:2}""#.to_string(),
            stdin: args.stdin.unwrap_or_default().into_bytes(),
            timeout: Duration::ZERO,
            positional: Some(positional),
        };
        finish(
            self.run(args.sandbox_id.as_deref(), args.timeout_s, run, &context)
                .await,
        )
    }

    #[tool(
        description = "Create or replace a file in a sandbox with the given contents (missing parent directories are created). Use encoding \"base64\" for binary data.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<FileWritten>()
    )]
    async fn write_file(
        &self,
        Parameters(args): Parameters<WriteFileArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.write(args))
    }

    #[tool(
        description = "Read a file from a sandbox. Text comes back as is; binary files as base64 (see 'encoding'). Large files are cut at max_bytes (see 'truncated').",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<FileRead>()
    )]
    async fn read_file(
        &self,
        Parameters(args): Parameters<ReadFileArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.read(args))
    }

    #[tool(
        description = "List a directory of a sandbox: names, kinds (file, directory, symlink, device), sizes and permissions.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<DirListing>()
    )]
    async fn list_directory(
        &self,
        Parameters(args): Parameters<ListDirectoryArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.list(args))
    }

    #[tool(
        description = "Remember the sandbox's current files and shell session; restore goes back to it. Cheap (copy-on-write). Take one before a risky step.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<SnapshotTaken>()
    )]
    async fn snapshot(
        &self,
        Parameters(args): Parameters<SandboxArg>,
        ct: CancellationToken,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.take_snapshot(args.sandbox_id.as_deref(), &ct).await)
    }

    #[tool(
        description = "Put a sandbox back to a snapshot taken of it: files and shell session (cwd, variables, functions). Changes made since are lost.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<Restored>()
    )]
    async fn restore(
        &self,
        Parameters(args): Parameters<RestoreArgs>,
        ct: CancellationToken,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.restore_snapshot(args, &ct).await)
    }

    #[tool(
        description = "Copy a sandbox (files and shell session) into a new, independent sandbox and return the new sandbox_id; e.g. to try two approaches side by side. Cheap (copy-on-write).",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<Forked>()
    )]
    async fn fork_sandbox(
        &self,
        Parameters(args): Parameters<ForkArgs>,
        ct: CancellationToken,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.fork(args, &ct).await)
    }

    #[tool(
        description = "Save a sandbox's files and shell session (cwd, variables, functions) as one opaque base64 blob ('data'), to keep outside the server and bring back later with import_state, here or on another wasiland server.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<Exported>()
    )]
    async fn export_state(
        &self,
        Parameters(args): Parameters<SandboxArg>,
        ct: CancellationToken,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.export(args.sandbox_id.as_deref(), &ct).await)
    }

    #[tool(
        description = "Create a new sandbox from the 'data' of an export_state result and return its sandbox_id.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<SandboxCreated>()
    )]
    async fn import_state(
        &self,
        Parameters(args): Parameters<ImportArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        finish(self.import(args).await)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    /// The router's, with an unknown tool named in the error (a protocol
    /// error, as the specification has it).
    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        if !self.tool_router.has_route(&request.name) {
            let mut names: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|t| t.name.to_string())
                .collect();
            names.sort();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool {:?}; the tools are {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        }
        // Every call holds a permit while it lasts: a flood of requests is
        // answered at once instead of queueing without bound.
        let Some(_permit) = self.registry.start_call() else {
            return Ok(ToolError::new(
                "busy",
                format!(
                    "the server is already handling its maximum of {} calls at once; retry when some have finished",
                    self.registry.config.max_calls
                ),
            )
            .result()
            .into());
        };
        let context = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        self.tool_router.call(context).await
    }

    fn get_info(&self) -> ServerDescription {
        ServerDescription::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("wasiland", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Longest label kept for a sandbox, in bytes.
const LABEL_MAX: usize = 256;

fn check_label(label: &Option<String>) -> Result<(), ToolError> {
    match label {
        Some(l) if l.len() > LABEL_MAX => Err(ToolError::invalid(format!(
            "a label is at most {LABEL_MAX} bytes; this one has {}",
            l.len()
        ))),
        _ => Ok(()),
    }
}

/// A file tool's path made absolute (a relative one starts at the sandbox's cwd).
fn path_in(entry: &Entry, path: &str) -> Result<String, ToolError> {
    if path.is_empty() {
        return Err(ToolError::invalid("the path is empty"));
    }
    Ok(absolute(&entry.cwd(), path))
}

/// A filesystem refusal as an error a model can act on.
fn fs_error(path: &str, e: VfsError) -> ToolError {
    let code = match e {
        VfsError::NotFound => "not_found",
        VfsError::IsADirectory => "is_a_directory",
        VfsError::NotADirectory => "not_a_directory",
        VfsError::ReadOnly => "read_only",
        VfsError::NoSpace | VfsError::QuotaExceeded => "limit",
        _ => "filesystem",
    };
    let hint = match e {
        VfsError::ReadOnly => {
            " (a read-only mount: write elsewhere, e.g. under /home/user or /tmp)"
        }
        VfsError::NoSpace => " (the sandbox's file size limit; remove files first)",
        VfsError::QuotaExceeded => " (the sandbox's limit on the number of files)",
        _ => "",
    };
    ToolError::new(code, format!("{path}: {}{hint}", e.message()))
}

fn kind_name(t: FileType) -> &'static str {
    match t {
        FileType::Regular => "file",
        FileType::Directory => "directory",
        FileType::Symlink => "symlink",
        FileType::CharDevice => "device",
    }
}

/// Most bytes read_file returns, whatever max_bytes asks.
const READ_MAX: u64 = 8 << 20;
/// What read_file returns when max_bytes is not given.
const READ_DEFAULT: u64 = 1 << 20;
/// Entries list_directory returns.
const LIST_MAX: usize = 1000;

impl Tools {
    /// The timeout of a run: what the call asks, within the server's.
    fn timeout(&self, asked: Option<f64>) -> Result<Duration, ToolError> {
        let max = self
            .registry
            .config
            .limits
            .timeout
            .unwrap_or(Duration::from_secs(24 * 3600));
        match asked {
            None => Ok(max),
            // Past Duration's range is simply more than the maximum.
            Some(s) if s > 0.0 && s.is_finite() => {
                Ok(Duration::try_from_secs_f64(s).map_or(max, |d| d.min(max)))
            }
            Some(s) => Err(ToolError::invalid(format!(
                "timeout_s must be a positive number of seconds, not {s}"
            ))),
        }
    }

    async fn run(
        &self,
        id: Option<&str>,
        timeout_s: Option<f64>,
        mut run: Run,
        context: &RequestContext<RoleServer>,
    ) -> Outcome {
        run.timeout = self.timeout(timeout_s)?;
        let entry = self.registry.get(id)?;
        let progress = context.meta.get_progress_token().map(|token| Progress {
            peer: context.peer.clone(),
            token,
        });
        let r = run::run_command(&entry, &context.ct, progress.as_ref(), run).await?;
        let limit = r.limit.as_ref().map(|h| LimitInfo {
            kind: h.kind.name().to_string(),
            process: h.process.clone(),
        });
        let out = RunOutput {
            sandbox_id: entry.id.clone(),
            exit_code: r.exit_code,
            stdout: r.stdout_str(),
            stderr: r.stderr_str(),
            truncated: r.truncated,
            duration_ms: r.duration.as_secs_f64() * 1000.0,
            cwd: entry.cwd(),
            limit,
        };
        let text = render::run_text(
            out.exit_code,
            &out.stdout,
            &out.stderr,
            out.limit.as_ref().map(|l| l.kind.as_str()),
            out.truncated,
            out.duration_ms,
        );
        Ok(render::result(&out, text, out.limit.is_some()))
    }

    fn write(&self, args: WriteFileArgs) -> Outcome {
        let entry = self.registry.get(args.sandbox_id.as_deref())?;
        let path = path_in(&entry, &args.path)?;
        let data = match args.encoding.unwrap_or(Encoding::Utf8) {
            Encoding::Utf8 => args.content.into_bytes(),
            Encoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(args.content.as_bytes())
                .map_err(|e| ToolError::invalid(format!("content is not valid base64: {e}")))?,
        };
        let bytes = data.len() as u64;
        {
            let mut vfs = entry.vfs.lock();
            if let Some((parent, _)) = path.rsplit_once('/') {
                if !parent.is_empty() {
                    vfs.create_dir_all(parent)
                        .map_err(|e| fs_error(parent, e))?;
                }
            }
            vfs.write_file(&path, data)
                .map_err(|e| fs_error(&path, e))?;
        }
        entry.touch();
        let text = format!("wrote {bytes} bytes to {path}");
        Ok(render::result(&FileWritten { path, bytes }, text, false))
    }

    fn read(&self, args: ReadFileArgs) -> Outcome {
        let entry = self.registry.get(args.sandbox_id.as_deref())?;
        let path = path_in(&entry, &args.path)?;
        let max = args.max_bytes.unwrap_or(READ_DEFAULT).min(READ_MAX);
        let (size, data) = {
            let vfs = entry.vfs.lock();
            let ino = vfs.lookup(&path).map_err(|e| fs_error(&path, e))?;
            let meta = vfs.stat(ino).map_err(|e| fs_error(&path, e))?;
            if meta.file_type == FileType::Directory {
                return Err(fs_error(&path, VfsError::IsADirectory));
            }
            let mut buf = vec![0; meta.size.min(max) as usize];
            let n = vfs
                .read_at(ino, 0, &mut buf)
                .map_err(|e| fs_error(&path, e))?;
            buf.truncate(n);
            (meta.size, buf)
        };
        entry.touch();
        let truncated = size > data.len() as u64;
        let (content, encoding) = match args.encoding {
            Some(Encoding::Base64) => (
                base64::engine::general_purpose::STANDARD.encode(&data),
                Encoding::Base64,
            ),
            Some(Encoding::Utf8) => (String::from_utf8_lossy(&data).into_owned(), Encoding::Utf8),
            None => match String::from_utf8(data) {
                Ok(text) => (text, Encoding::Utf8),
                Err(e) => (
                    base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                    Encoding::Base64,
                ),
            },
        };
        let text = match encoding {
            Encoding::Utf8 if !truncated => content.clone(),
            Encoding::Utf8 => format!("{content}\n[... cut at {} of {size} bytes]", max),
            Encoding::Base64 => {
                format!("{path}: {size} bytes of binary data, base64 in structuredContent.content")
            }
        };
        let out = FileRead {
            path,
            content,
            encoding,
            size,
            truncated,
        };
        Ok(render::result(&out, text, false))
    }

    fn list(&self, args: ListDirectoryArgs) -> Outcome {
        let entry = self.registry.get(args.sandbox_id.as_deref())?;
        let path = path_in(&entry, args.path.as_deref().unwrap_or("."))?;
        let (entries, total) = {
            let vfs = entry.vfs.lock();
            let dir = vfs.lookup(&path).map_err(|e| fs_error(&path, e))?;
            // Lazily: a directory may hold many more names than are shown.
            let mut all = vfs
                .read_dir_iter(dir, 0)
                .map_err(|e| fs_error(&path, e))?
                .filter(|e| e.name != "." && e.name != "..");
            let entries: Vec<DirEntryInfo> = all
                .by_ref()
                .take(LIST_MAX)
                .map(|e| {
                    let meta = vfs.stat(e.ino).ok();
                    DirEntryInfo {
                        kind: kind_name(e.file_type).to_string(),
                        size: meta.map_or(0, |m| {
                            if e.file_type == FileType::Directory {
                                0
                            } else {
                                m.size
                            }
                        }),
                        mode: format!("{:o}", meta.map_or(0, |m| m.mode)),
                        name: e.name,
                    }
                })
                .collect();
            let total = entries.len() + all.count();
            (entries, total)
        };
        entry.touch();
        let mut text = format!("{path}: {total} entries\n");
        for e in &entries {
            let suffix = if e.kind == "directory" { "/" } else { "" };
            text.push_str(&format!(
                "{:>4} {:>10} {}{suffix}\n",
                e.mode, e.size, e.name
            ));
        }
        let out = DirListing {
            path,
            truncated: total > entries.len(),
            entries,
        };
        Ok(render::result(&out, text, false))
    }

    /// How long whole-sandbox operations wait for a run in progress.
    fn wait(&self) -> Duration {
        self.timeout(None).unwrap_or(Duration::from_secs(60))
    }

    async fn take_snapshot(&self, id: Option<&str>, ct: &CancellationToken) -> Outcome {
        let entry = self.registry.get(id)?;
        let (snap, bytes) = run::with_sandbox(&entry, ct, self.wait(), None, None, |sb| {
            (sb.snapshot(), sb.vfs().lock().usage().bytes)
        })
        .await?;
        let config = &self.registry.config;
        let max_bytes = config
            .limits
            .fs_bytes
            .map_or(u64::MAX, |b| b.saturating_mul(2));
        let (snapshot_id, evicted) =
            entry.add_snapshot(snap, bytes, config.max_snapshots, max_bytes);
        let mut text = format!("snapshot {snapshot_id} of sandbox {}", entry.id);
        if !evicted.is_empty() {
            text.push_str(&format!(
                " (dropped the oldest, {}, to keep at most {} snapshots holding at most twice the file limit)",
                evicted.join(", "),
                config.max_snapshots
            ));
        }
        let out = SnapshotTaken {
            sandbox_id: entry.id.clone(),
            snapshot_id,
            evicted_snapshot_ids: evicted,
        };
        Ok(render::result(&out, text, false))
    }

    async fn restore_snapshot(&self, args: RestoreArgs, ct: &CancellationToken) -> Outcome {
        let entry = self.registry.get(args.sandbox_id.as_deref())?;
        let snap = entry.snapshot(&args.snapshot_id).ok_or_else(|| {
            ToolError::new(
                "unknown_snapshot",
                format!(
                    "sandbox {} has no snapshot {:?}; its snapshots are {:?}",
                    entry.id,
                    args.snapshot_id,
                    entry.snapshot_ids()
                ),
            )
        })?;
        let cwd = run::with_sandbox(&entry, ct, self.wait(), None, None, move |sb| {
            sb.restore(&snap);
            sb.shell().cwd().to_string()
        })
        .await?;
        entry.set_cwd(&cwd);
        let text = format!(
            "restored sandbox {} to {}; cwd {cwd}",
            entry.id, args.snapshot_id
        );
        let out = Restored {
            sandbox_id: entry.id.clone(),
            snapshot_id: args.snapshot_id,
            cwd,
        };
        Ok(render::result(&out, text, false))
    }

    async fn fork(&self, args: ForkArgs, ct: &CancellationToken) -> Outcome {
        check_label(&args.label)?;
        let entry = self.registry.get(args.sandbox_id.as_deref())?;
        let slot = self.registry.reserve()?;
        let copy = run::with_sandbox(&entry, ct, self.wait(), None, None, |sb| sb.fork()).await?;
        let new = slot.fill(copy, args.label);
        let text = format!("forked sandbox {} into {}", entry.id, new.id);
        let out = Forked {
            sandbox_id: new.id.clone(),
            forked_from: entry.id.clone(),
        };
        Ok(render::result(&out, text, false))
    }

    async fn export(&self, id: Option<&str>, ct: &CancellationToken) -> Outcome {
        let entry = self.registry.get(id)?;
        let blob = run::with_sandbox(&entry, ct, self.wait(), None, None, |sb| sb.save())
            .await?
            .map_err(|e| ToolError::new("unsavable", e.to_string()))?;
        let data = base64::engine::general_purpose::STANDARD.encode(&blob);
        let max = self.registry.config.max_request_bytes;
        if data.len() + 1024 > max {
            return Err(ToolError::limit(format!(
                "the state is {} bytes in base64, more than this server accepts in a request ({max} bytes), so import_state could not take it back; remove large files first",
                data.len()
            )));
        }
        let text = format!(
            "state of sandbox {} ({} bytes, format version {FORMAT_VERSION}) in structuredContent.data",
            entry.id,
            blob.len()
        );
        let out = Exported {
            sandbox_id: entry.id.clone(),
            data,
            bytes: blob.len() as u64,
            format_version: FORMAT_VERSION,
        };
        Ok(render::result(&out, text, false))
    }

    async fn import(&self, args: ImportArgs) -> Outcome {
        check_label(&args.label)?;
        // The room first: a state is loaded only when it can be kept.
        let slot = self.registry.reserve()?;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(args.data.trim().as_bytes())
            .map_err(|e| ToolError::invalid(format!("data is not valid base64: {e}")))?;
        let mut sandbox = self.registry.fresh();
        let loaded = tokio::task::spawn_blocking(move || sandbox.load(&blob).map(|()| sandbox))
            .await
            .map_err(|e| ToolError::new("internal", format!("the worker failed: {e}")))?;
        let sandbox = loaded.map_err(|e| ToolError::new("bad_state", e.to_string()))?;
        let entry = slot.fill(sandbox, args.label);
        let out = SandboxCreated {
            sandbox_id: entry.id.clone(),
            label: entry.label.clone(),
        };
        let text = format!("imported the state into sandbox {}", out.sandbox_id);
        Ok(render::result(&out, text, false))
    }
}
