//! Tool results: `structuredContent` (validated by clients against each
//! tool's output schema) plus a text rendering for models that read text,
//! and errors a model can act on as results with `isError: true`.

use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;

/// An error the model can do something about: a wrong handle, a missing
/// file, a limit. `code` is stable and machine-readable.
#[derive(Debug)]
pub(crate) struct ToolError {
    pub code: &'static str,
    pub message: String,
}

impl ToolError {
    pub fn new(code: &'static str, message: impl Into<String>) -> ToolError {
        ToolError {
            code,
            message: message.into(),
        }
    }

    pub fn unknown_sandbox(id: &str) -> ToolError {
        ToolError::new(
            "unknown_sandbox",
            format!(
                "there is no sandbox {id:?} (it was destroyed, expired after being idle, or never \
                 existed); call list_sandboxes to see the live ones, or create_sandbox"
            ),
        )
    }

    pub fn limit(message: impl Into<String>) -> ToolError {
        ToolError::new("limit", message)
    }

    pub fn invalid(message: impl Into<String>) -> ToolError {
        ToolError::new("invalid_argument", message)
    }

    pub fn cancelled() -> ToolError {
        ToolError::new("cancelled", "the call was cancelled")
    }

    /// The result carrying this error.
    pub fn result(&self) -> CallToolResult {
        let mut result = CallToolResult::error(vec![ContentBlock::text(format!(
            "error ({}): {}",
            self.code, self.message
        ))]);
        result.structured_content = Some(serde_json::json!({
            "error": {"code": self.code, "message": self.message}
        }));
        result
    }
}

/// A successful result: `value` as structured content, `text` as the
/// rendering; `is_error` for results that carry data yet report a failure
/// (a run stopped by a limit).
pub(crate) fn result(value: &impl Serialize, text: String, is_error: bool) -> CallToolResult {
    let structured = serde_json::to_value(value).unwrap_or_else(
        |e| serde_json::json!({"error": {"code": "internal", "message": e.to_string()}}),
    );
    let mut result = if is_error {
        CallToolResult::error(vec![ContentBlock::text(text)])
    } else {
        CallToolResult::success(vec![ContentBlock::text(text)])
    };
    result.structured_content = Some(structured);
    result
}

/// Either outcome of a tool, as the tool functions return it.
pub(crate) type Outcome = Result<CallToolResult, ToolError>;

/// The result to send for an outcome.
pub(crate) fn finish(outcome: Outcome) -> Result<CallToolResult, rmcp::ErrorData> {
    Ok(outcome.unwrap_or_else(|e| e.result()))
}

/// A run's output for the text rendering: the streams under headers, each
/// only if it has something.
pub(crate) fn run_text(
    exit_code: i32,
    stdout: &str,
    stderr: &str,
    limit: Option<&str>,
    truncated: bool,
    duration_ms: f64,
) -> String {
    let mut text = format!("exit code {exit_code} ({duration_ms:.1} ms)");
    if let Some(limit) = limit {
        text.push_str(&format!("; stopped by the {limit} limit"));
    }
    if truncated {
        text.push_str("; output truncated at the output limit");
    }
    text.push('\n');
    for (name, stream) in [("stdout", stdout), ("stderr", stderr)] {
        if !stream.is_empty() {
            text.push_str(&format!("--- {name} ---\n{stream}"));
            if !stream.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    text
}
