//! What each request header is, for the rules above the transports: the trace context (left out
//! of cache keys), credentials (sent to the credential origin only) and the plain headers (whose
//! values are never secrets).

/// Request headers that carry the trace context (W3C `traceparent`, `tracestate`, `baggage`):
/// they differ from call to call, so the response cache and coalescing ignore them.
pub const TRACE_CONTEXT_HEADERS: [&str; 3] = ["traceparent", "tracestate", "baggage"];

/// Request headers that are credentials whoever sets them: they go to the credential origin
/// (AEM's, or IMS's) only, never to another one a redirect leads to.
pub const CREDENTIAL_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    // AEM's CDN purge key (`cache.purgeKey`).
    "x-aem-purge-key",
];

/// Headers whose values are never secrets, and are left in messages.
const PLAIN_HEADERS: [&str; 4] = ["content-type", "content-length", "accept", "user-agent"];

/// Whether `name` is one of [`TRACE_CONTEXT_HEADERS`], in any case.
pub fn is_trace_context(name: &str) -> bool {
    TRACE_CONTEXT_HEADERS
        .iter()
        .any(|each| name.eq_ignore_ascii_case(each))
}

/// Whether `name` is one of [`CREDENTIAL_HEADERS`], in any case.
pub fn is_credential(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|each| name.eq_ignore_ascii_case(each))
}

/// Whether `name` is a header whose value is never a secret (`Content-Type`, `Content-Length`,
/// `Accept`, `User-Agent`), in any case.
pub fn is_plain(name: &str) -> bool {
    PLAIN_HEADERS
        .iter()
        .any(|each| name.eq_ignore_ascii_case(each))
}
