//! wasiland runner (in progress)
