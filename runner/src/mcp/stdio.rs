//! MCP over stdin/stdout: one JSON-RPC message per line.
//!
//! The framing is ours, the protocol rmcp's. Ours so that bad input gets
//! an answer instead of silence or an exit: a line longer than the request
//! bound is skipped without being buffered and answered with an error for
//! its request id (found in its first bytes); a line that is not JSON gets
//! a Parse error, a request of the wrong shape an Invalid Request; and a
//! client whose first message is neither `initialize` nor a valid request
//! (a stray notification or response) does not end the server: the
//! protocol side starts over on the same streams.

use super::registry::Registry;
use super::tools::Tools;
use rmcp::model::{ClientJsonRpcMessage, ErrorCode, ErrorData, RequestId, ServerJsonRpcMessage};
use rmcp::service::{serve_server, ServerInitializeError};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Bytes of an oversized line kept to find its request id in.
const HEAD: usize = 4096;

pub(super) async fn serve(registry: Arc<Registry>) -> std::io::Result<()> {
    let (reader, writer) = rmcp::transport::stdio_pipes();
    let (out_tx, out_rx) = mpsc::channel::<ServerJsonRpcMessage>(64);
    let (in_tx, in_rx) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn(write_lines(writer, out_rx, stopped));
    let max = registry.config.max_request_bytes;
    tokio::spawn(read_lines(
        BufReader::new(reader),
        max,
        in_tx,
        out_tx.clone(),
    ));
    let reaper = tokio::spawn(expire_idle(registry.clone()));
    let incoming = Arc::new(tokio::sync::Mutex::new(in_rx));
    loop {
        let stream = Box::pin(futures::stream::unfold(incoming.clone(), |rx| async move {
            let message = rx.lock().await.recv().await;
            message.map(|m| (m, rx))
        }));
        let sink = tokio_util::sync::PollSender::new(out_tx.clone());
        match serve_server(Tools::new(registry.clone()), (sink, stream)).await {
            Ok(running) => {
                let _ = running.waiting().await;
                break;
            }
            Err(ServerInitializeError::ConnectionClosed(_)) => break,
            Err(e) => eprintln!("wasiland mcp: {e}; waiting for the client to start again"),
        }
    }
    // stdin ended: stop what still runs, send what is queued, leave.
    registry.cancel_all();
    reaper.abort();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    Ok(())
}

/// Destroys idle sandboxes now and then.
pub(super) async fn expire_idle(registry: Arc<Registry>) {
    let Some(idle) = registry.config.idle_timeout else {
        return;
    };
    let every = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
    loop {
        tokio::time::sleep(every).await;
        registry.expire_idle();
    }
}

/// Writes messages as lines until told to stop, then writes what is
/// still queued.
async fn write_lines(
    mut out: impl AsyncWrite + Unpin,
    mut messages: mpsc::Receiver<ServerJsonRpcMessage>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let message = tokio::select! {
            biased;
            message = messages.recv() => message,
            _ = &mut stop => {
                while let Ok(message) = messages.try_recv() {
                    if write_line(&mut out, &message).await.is_err() {
                        break;
                    }
                }
                return;
            }
        };
        let Some(message) = message else { return };
        if write_line(&mut out, &message).await.is_err() {
            return;
        }
    }
}

async fn write_line(
    out: &mut (impl AsyncWrite + Unpin),
    message: &ServerJsonRpcMessage,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    out.write_all(&line).await?;
    out.flush().await
}

/// One line as read: complete, or too long (with its first bytes).
enum Line {
    Complete(Vec<u8>),
    TooLong(Vec<u8>),
}

/// Reads lines of at most `max` bytes without buffering more than that.
async fn next_line(input: &mut (impl AsyncBufRead + Unpin), max: usize) -> Option<Line> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = match input.fill_buf().await {
            Ok([]) | Err(_) => {
                // End of input: a last line without a newline still counts.
                return match (line.is_empty(), too_long) {
                    (true, false) => None,
                    (_, true) => Some(Line::TooLong(line)),
                    (false, false) => Some(Line::Complete(line)),
                };
            }
            Ok(bytes) => bytes,
        };
        let newline = available.iter().position(|&b| b == b'\n');
        let take = newline.map_or(available.len(), |i| i + 1);
        let piece = &available[..newline.unwrap_or(available.len())];
        if too_long {
            if line.len() < HEAD {
                let room = HEAD - line.len();
                line.extend_from_slice(&piece[..piece.len().min(room)]);
            }
        } else if line.len() + piece.len() > max {
            too_long = true;
            line.truncate(HEAD);
            if line.len() < HEAD {
                let room = HEAD - line.len();
                line.extend_from_slice(&piece[..piece.len().min(room)]);
            }
        } else {
            line.extend_from_slice(piece);
        }
        input.consume(take);
        if newline.is_some() {
            return Some(if too_long {
                Line::TooLong(line)
            } else {
                Line::Complete(line)
            });
        }
    }
}

async fn read_lines(
    mut input: impl AsyncBufRead + Unpin,
    max: usize,
    messages: mpsc::Sender<ClientJsonRpcMessage>,
    replies: mpsc::Sender<ServerJsonRpcMessage>,
) {
    while let Some(line) = next_line(&mut input, max).await {
        let reply = match line {
            Line::TooLong(head) => Some(ServerJsonRpcMessage::error(
                ErrorData::new(
                    ErrorCode::INVALID_REQUEST,
                    format!(
                        "the message is longer than the {max} bytes this server accepts (wasiland mcp --max-request-bytes)"
                    ),
                    None,
                ),
                sniff_id(&head),
            )),
            Line::Complete(line) => {
                let line = line.strip_suffix(b"\r").unwrap_or(&line);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match parse(line) {
                    Ok(message) => {
                        if messages.send(message).await.is_err() {
                            return;
                        }
                        None
                    }
                    Err(reply) => reply.map(|r| *r),
                }
            }
        };
        if let Some(reply) = reply {
            if replies.send(reply).await.is_err() {
                return;
            }
        }
    }
}

/// A message, or the reply for a line that is not one (`None`: ignore it,
/// as for a notification nobody knows).
fn parse(line: &[u8]) -> Result<ClientJsonRpcMessage, Option<Box<ServerJsonRpcMessage>>> {
    let error = match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => return Ok(message),
        Err(e) => e,
    };
    let value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(value) => value,
        Err(e) => {
            // Answered with the request's id when its start names one
            // (JSON nested past serde_json's limit, bytes that are not
            // UTF-8 in a string...), so the client is not left waiting.
            return Err(Some(Box::new(ServerJsonRpcMessage::error(
                ErrorData::new(ErrorCode::PARSE_ERROR, format!("not JSON: {e}"), None),
                sniff_id(&line[..line.len().min(HEAD)]),
            ))));
        }
    };
    if value.get("id").is_none() && value.get("method").is_some() {
        // A notification: nothing to answer, whatever it is.
        return Err(None);
    }
    // An id that is no valid id (a number past i64, say) is answered as null.
    let id = value
        .get("id")
        .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
    Err(Some(Box::new(ServerJsonRpcMessage::error(
        ErrorData::new(
            ErrorCode::INVALID_REQUEST,
            format!("not a valid JSON-RPC request: {error}"),
            None,
        ),
        id,
    ))))
}

/// The top-level `"id"` of the start of a JSON object, if it is there.
fn sniff_id(head: &[u8]) -> Option<RequestId> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < head.len() {
        match head[i] {
            b'"' => {
                let end = string_end(head, i)?;
                if depth == 1 && &head[i..end] == b"\"id\"" {
                    let mut j = end;
                    while head.get(j)?.is_ascii_whitespace() {
                        j += 1;
                    }
                    if *head.get(j)? != b':' {
                        return None;
                    }
                    j += 1;
                    while head.get(j)?.is_ascii_whitespace() {
                        j += 1;
                    }
                    let value_end = if *head.get(j)? == b'"' {
                        string_end(head, j)?
                    } else {
                        // The whole token, so 1e999 is no id rather than 1.
                        j + head[j..]
                            .iter()
                            .position(|c| matches!(c, b',' | b'}') || c.is_ascii_whitespace())?
                    };
                    return serde_json::from_slice(&head[j..value_end]).ok();
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the JSON string starting at `start`.
fn string_end(s: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_of_a_cut_request_is_found_at_the_top_level_only() {
        let id = |s: &str| sniff_id(s.as_bytes()).map(|id| id.to_string());
        assert_eq!(
            id(r#"{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"#),
            Some("17".into())
        );
        assert_eq!(
            id(r#"{"method":"x","params":{"id":5,"a":"\"id\":9"},"id" : "abc""#),
            Some("abc".into())
        );
        assert_eq!(id(r#"{"method":"x","params":{"id":5,"data":"#), None);
        assert_eq!(id(r#"{"id":1e999,"method":"ping"}"#), None);
        assert_eq!(id(r#"{"id":-3 ,"method":"ping"}"#), Some("-3".into()));
        assert_eq!(id(r#"{"id":"#), None);
    }

    #[tokio::test]
    async fn lines_are_bounded_and_reassembled() {
        let input = format!("short\n{}\nafter\nlast", "x".repeat(100));
        let mut reader = BufReader::with_capacity(7, input.as_bytes());
        let mut lines = Vec::new();
        while let Some(line) = next_line(&mut reader, 50).await {
            lines.push(match line {
                Line::Complete(l) => format!("ok {}", String::from_utf8_lossy(&l)),
                Line::TooLong(head) => format!("long {}", head.len()),
            });
        }
        assert_eq!(lines, ["ok short", "long 100", "ok after", "ok last"]);
    }
}
