//! What the parameter names of the syscall table stand for: the one place
//! that reads meaning into them. The fuzzers (`tests/fuzz.rs`, the
//! runner's module fuzzer) choose hostile but meaningful arguments by it.

/// What a (lowered) parameter stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A descriptor number.
    Fd,
    /// Pointer to a path, whose length is a [`ParamKind::PathLen`].
    Path,
    PathLen,
    /// Pointer to an array of iovecs, whose count is an
    /// [`ParamKind::IovecCount`].
    Iovecs,
    IovecCount,
    /// Pointer to poll subscriptions, whose count is a
    /// [`ParamKind::SubscriptionCount`].
    Subscriptions,
    SubscriptionCount,
    /// Pointer to a buffer or a result slot.
    Pointer,
    /// The length of a buffer.
    Length,
    /// An offset, size, time, cookie or set of rights: a 64-bit quantity.
    Quantity,
    /// Flags, a clock id, whence, advice, a signal, an exit code.
    Other,
}

/// The kind of the table's parameter `name`.
///
/// ```
/// use wasiland_wasi_host::syscalls::{param_kind, ParamKind, SIGNATURES};
/// assert_eq!(param_kind("old_fd"), ParamKind::Fd);
/// assert_eq!(param_kind("argv_buf"), ParamKind::Pointer);
/// // Every pointer of the table is followed by what bounds it.
/// for (name, params) in SIGNATURES {
///     for pair in params.windows(2) {
///         let follows = match param_kind(pair[0]) {
///             ParamKind::Path => Some(ParamKind::PathLen),
///             ParamKind::Iovecs => Some(ParamKind::IovecCount),
///             _ => None,
///         };
///         assert!(follows.is_none() || follows == Some(param_kind(pair[1])), "{name}");
///     }
/// }
/// ```
pub fn param_kind(name: &str) -> ParamKind {
    match name {
        "fd" | "from" | "to" | "old_fd" | "new_fd" => ParamKind::Fd,
        "path" | "old_path" | "new_path" => ParamKind::Path,
        "path_len" | "old_path_len" | "new_path_len" => ParamKind::PathLen,
        "iovs" => ParamKind::Iovecs,
        "iovs_len" => ParamKind::IovecCount,
        "in_ptr" => ParamKind::Subscriptions,
        "nsubs" => ParamKind::SubscriptionCount,
        "len" | "buf_len" => ParamKind::Length,
        "offset" | "size" | "atim" | "mtim" | "precision" | "cookie" | "base" | "inheriting"
        | "rights_base" | "rights_inheriting" => ParamKind::Quantity,
        n if n.ends_with("_ptr") || n.ends_with("buf") || n == "argv" || n == "environ" => {
            ParamKind::Pointer
        }
        _ => ParamKind::Other,
    }
}
