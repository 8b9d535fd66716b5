//! wasiland-wasi-host (in progress)
