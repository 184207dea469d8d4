//! HTTP under every request: the two transports (the native client and an app's `fetch`) and the
//! rules above them, each written once: redirects, credentials per origin, retries, body limits
//! and redaction.

pub mod body;
pub mod failure;
pub mod file_body;
pub mod headers;
pub mod pool;
pub mod redact;
pub mod redirect;
pub mod retry;
pub mod send;
pub mod tls;
pub mod transport;
pub mod url;
