//! The one error type of the core, with the stable codes Adobe's clients use.

use crate::http::failure::TransportError;
use serde::Serialize;
use serde_json::Value;

/// Stable, machine-readable error codes. They are the codes of Adobe's `AEMHeadlessError`, so
/// code that switches on `err.code` keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request could not be sent or no response arrived (connection, TLS, DNS).
    RequestError,
    /// A response arrived but is not usable: not JSON, or GraphQL `errors` in a 2xx.
    ResponseError,
    /// AEM answered with a non-2xx status and a JSON error body.
    ApiError,
    /// An argument or configuration value is wrong; the message names it.
    InvalidParam,
    /// The credentials file could not be read.
    AuthFileReadError,
    /// The credentials file is not JSON.
    AuthFileParseError,
    /// The IMS token exchange failed.
    ExchangeTokenError,
    /// A defect of this package, not of the call: a native call failed unexpectedly. The message
    /// says where; please report it.
    InternalError,
}

impl ErrorCode {
    /// The code as the string JavaScript sees in `err.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestError => "REQUEST_ERROR",
            Self::ResponseError => "RESPONSE_ERROR",
            Self::ApiError => "API_ERROR",
            Self::InvalidParam => "INVALID_PARAM",
            Self::AuthFileReadError => "AUTH_FILE_READ_ERROR",
            Self::AuthFileParseError => "AUTH_FILE_PARSE_ERROR",
            Self::ExchangeTokenError => "EXCHANGE_TOKEN_ERROR",
            Self::InternalError => "INTERNAL_ERROR",
        }
    }
}

/// What IMS said when it refused a token request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImsRefusal {
    /// HTTP status of the IMS response.
    pub status: u16,
    /// IMS's `error` field, for example `invalid_client`.
    pub error: Option<String>,
    /// IMS's `error_description` field.
    pub error_description: Option<String>,
    /// The `x-debug-id` response header, to quote to Adobe support.
    pub debug_id: Option<String>,
    /// The body as it came (lossily UTF-8): what Adobe's `getToken` quotes when IMS gives no
    /// `error_description`, or whose JSON syntax error it reports.
    #[serde(skip)]
    pub text: String,
}

/// Every failure of the core. Messages never contain a secret: no client secret, private key,
/// JWT or access token is ever formatted into one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter or configuration value is wrong.
    #[error("{0}")]
    InvalidParam(String),

    /// A request's URL (the service URL and the path) is no URL at all.
    #[error("Invalid URL/path: {0}")]
    InvalidUrl(String),

    /// A request's URL is one no HTTP client sends: a path from the root (no host), or a scheme
    /// other than HTTP(S). Said as node-fetch says it.
    #[error("{0}")]
    Unsendable(&'static str),

    /// The credentials have missing or mistyped fields; every problem is listed.
    #[error("invalid credentials: {}", .problems.join("; "))]
    InvalidCredentials {
        /// One entry per field, e.g. `integration.org is missing`.
        problems: Vec<String>,
    },

    /// The credentials are not JSON.
    #[error("not valid JSON: {0}")]
    CredentialsFileParse(#[source] serde_json::Error),

    /// IMS could not be reached, or its certificate was refused.
    #[error("cannot reach IMS at {url}: {}", transport(.source))]
    ImsUnreachable {
        /// The IMS URL that was called.
        url: String,
        /// The transport error.
        source: crate::http::failure::TransportError,
    },

    /// IMS answered with a redirect that is not followed (to another origin: the token form
    /// holds the client secret).
    #[error("IMS answered with a redirect: {reason}")]
    ImsRedirected {
        /// The redirect's status.
        status: u16,
        /// Why it was not followed, with the location redacted.
        reason: String,
    },

    /// IMS did not answer in time.
    #[error("IMS did not answer within {} ms", .after.as_millis())]
    ImsTimeout {
        /// The timeout that ran out.
        after: std::time::Duration,
    },

    /// IMS refused the exchange.
    #[error("IMS answered {}{}", .0.status, ims_reason(.0))]
    ImsRefused(ImsRefusal),

    /// IMS answered 2xx with a body that is not a token.
    #[error("IMS answered {status} with a body that is not a token response: {reason}")]
    ImsMalformed {
        /// HTTP status.
        status: u16,
        /// Why the body was rejected (never the body itself: it may hold a token).
        reason: String,
        /// The body, only when it is not JSON (and so holds no token field): Adobe's `getToken`
        /// reports its syntax error.
        text: Option<String>,
    },

    /// The token refresh task failed without an answer from IMS (it panicked or was cancelled).
    #[error("the token refresh failed unexpectedly")]
    RefreshFailed,

    /// The local development token has expired and cannot be refreshed.
    #[error(
        "the local development token expired at {}; download a new one from the Developer Console",
        rfc3339(*.expired_at)
    )]
    DevTokenExpired {
        /// When it expired, as the token says.
        expired_at: std::time::SystemTime,
    },

    /// The request to AEM failed before a response arrived (a refused certificate among others):
    /// said as node-fetch says it (Adobe's client's transport) where Node has words for it.
    #[error("{}", .source.node_message().unwrap_or_else(|| transport(.source)))]
    Request {
        /// The transport error.
        source: crate::http::failure::TransportError,
    },

    /// AEM answered with a redirect that is not followed.
    #[error("{reason}")]
    Redirected {
        /// The redirect's status.
        status: u16,
        /// Why it was not followed, with the location redacted.
        reason: String,
    },

    /// A defect of this package: an invariant broke, or a native call panicked.
    #[error(
        "the native call failed unexpectedly ({0}); this is a defect of aem-headless-rs, please report it"
    )]
    Internal(String),

    /// The app's `fetch` resolved with something that is not a usable response.
    #[error("the fetch function's answer is not a response: {reason}")]
    FetchAnswer {
        /// What is missing or wrong.
        reason: String,
    },

    /// The request, retries included, took longer than its timeout.
    #[error("the request timed out after {} ms", .after.as_millis())]
    Timeout {
        /// The timeout that ran out.
        after: std::time::Duration,
    },

    /// The response body is larger than the configured limit.
    #[error("the response body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// HTTP status.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
    },

    /// An error after `attempts` attempts (retries included), which its details count.
    #[error("{source}")]
    Attempted {
        /// How many attempts were made, at least 1.
        attempts: u32,
        /// The last attempt's error.
        source: Box<Error>,
    },

    /// The caller cancelled the request (an `AbortSignal`) before it completed.
    #[error("the request was aborted")]
    Aborted,

    /// The error of an answer from another origin than AEM's, which a redirect led to: no
    /// credential went there, and the answer says nothing of AEM's token.
    #[error("{source} (answered by {url})")]
    Elsewhere {
        /// The URL that answered, redacted.
        url: String,
        /// The answer's error.
        source: Box<Error>,
    },

    /// The error of a request shared by several callers (coalesced identical requests).
    #[error("{0}")]
    Shared(std::sync::Arc<Error>),

    /// AEM answered non-2xx with a JSON body.
    #[error("HTTP {status}: {}", summarize_errors(.body))]
    Api {
        /// HTTP status.
        status: u16,
        /// The whole JSON body, unchanged.
        body: Value,
        /// `x-request-id` (or similar) response header.
        request_id: Option<String>,
    },

    /// AEM answered a raw request (any API, not GraphQL) with a status that is not 2xx: the
    /// answer as it came, in the envelope of [`crate::aem::raw_answer`], for the caller to read.
    #[error("HTTP {status}")]
    Answered {
        /// HTTP status.
        status: u16,
        /// `{status, headers, text}` (or `unread`), as [`crate::aem::raw_answer`] describes it.
        envelope: Value,
    },

    /// AEM answered non-2xx without a JSON body (an empty 401, a Dispatcher HTML page).
    #[error("HTTP {status} with a body that is not JSON{}", excerpt_suffix(.excerpt))]
    HttpStatus {
        /// HTTP status.
        status: u16,
        /// The first characters of the body, if any.
        excerpt: String,
        /// The whole body (lossily UTF-8), whose syntax error Adobe's client reports.
        text: String,
        /// `x-request-id` (or similar) response header.
        request_id: Option<String>,
    },

    /// AEM answered 2xx, but the body is not JSON.
    #[error("the response body is not JSON: {reason}")]
    NotJson {
        /// HTTP status.
        status: u16,
        /// The parser's message.
        reason: String,
        /// The whole body (lossily UTF-8), whose syntax error Adobe's client reports.
        text: String,
    },

    /// AEM answered 2xx with GraphQL `errors`.
    #[error("{}", error_messages(.errors))]
    GraphQl {
        /// HTTP status.
        status: u16,
        /// The `errors` value, unchanged.
        errors: Value,
        /// Any partial `data` that came with the errors.
        data: Option<Value>,
    },
}

/// Structured details of an error, for callers that switch on fields rather than messages.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    /// HTTP status, when a response arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// AEM's whole JSON error body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// GraphQL `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Value>,
    /// Partial GraphQL `data` that came with `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// The beginning of a body that is not JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// AEM's request id header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// IMS's `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ims_error: Option<String>,
    /// IMS's `error_description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ims_error_description: Option<String>,
    /// IMS's `x-debug-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_id: Option<String>,
    /// The credential fields that are missing or mistyped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<String>>,
    /// What went wrong underneath, outermost first (transport errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// How many attempts were made, retries included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Whether the request timed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<bool>,
    /// The URL of another origin than AEM's that answered, after a redirect (redacted): its
    /// answer is not AEM's, and a 401 from it says nothing of AEM's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    /// Which failure this is, by [`Error`]'s variant (`api`, `httpStatus`, `notJson`, `graphQl`,
    /// `request`, `imsRefused`, `imsMalformed`, `imsUnreachable`, …): what the JavaScript side
    /// words as Adobe's client does.
    pub kind: &'static str,
    /// A body that is not JSON (or IMS's whole refusal), for the syntax error Adobe's client
    /// reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A transport failure's reason as Node gives it (`connect ECONNREFUSED 127.0.0.1:443`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidParam(_) | Self::InvalidUrl(_) | Self::InvalidCredentials { .. } => {
                ErrorCode::InvalidParam
            }
            Self::Unsendable(_) => ErrorCode::RequestError,
            Self::CredentialsFileParse(_) => ErrorCode::AuthFileParseError,
            Self::ImsUnreachable { .. }
            | Self::ImsRefused(_)
            | Self::ImsMalformed { .. }
            | Self::DevTokenExpired { .. }
            | Self::RefreshFailed
            | Self::ImsTimeout { .. }
            | Self::ImsRedirected { .. } => ErrorCode::ExchangeTokenError,
            Self::Request { .. }
            | Self::Aborted
            | Self::Timeout { .. }
            | Self::Redirected { .. } => ErrorCode::RequestError,
            Self::Internal(_) => ErrorCode::InternalError,
            Self::BodyTooLarge { .. } | Self::FetchAnswer { .. } => ErrorCode::ResponseError,
            Self::Attempted { source, .. } | Self::Elsewhere { source, .. } => source.code(),
            Self::Shared(source) => source.code(),
            Self::Api { .. } | Self::Answered { .. } => ErrorCode::ApiError,
            Self::HttpStatus { .. } | Self::NotJson { .. } | Self::GraphQl { .. } => {
                ErrorCode::ResponseError
            }
        }
    }

    /// Whether AEM failed rather than the request: a 500, 502, 503 or 504, no connection or no answer in time
    /// (a refused certificate is the client's configuration, not an outage). A stale entry
    /// within its `stale-if-error` window answers such a failure.
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Attempted { source, .. } | Self::Elsewhere { source, .. } => source.is_outage(),
            Self::Shared(source) => source.is_outage(),
            Self::Timeout { .. } => true,
            Self::Request {
                source: TransportError::Native(error),
            } => crate::http::tls::certificate_error(error).is_none(),
            // A certificate refused is not AEM being down, whichever transport refused it.
            Self::Request {
                source: TransportError::Fetch(failure),
            } => failure.kind != crate::http::failure::FetchFailureKind::Certificate,
            // RFC 5861's errors: 500, 502, 503, 504.
            _ => matches!(self.status(), Some(500 | 502 | 503 | 504)),
        }
    }

    /// The HTTP status of the response that caused this error, if one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::ImsRefused(refusal) => Some(refusal.status),
            Self::Attempted { source, .. } | Self::Elsewhere { source, .. } => source.status(),
            Self::Shared(source) => source.status(),
            Self::ImsMalformed { status, .. }
            | Self::ImsRedirected { status, .. }
            | Self::Redirected { status, .. }
            | Self::BodyTooLarge { status, .. }
            | Self::Api { status, .. }
            | Self::Answered { status, .. }
            | Self::HttpStatus { status, .. }
            | Self::NotJson { status, .. }
            | Self::GraphQl { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Which failure this is, by variant name in camel case: the `kind` of [`ErrorDetails`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidParam(_) => "invalidParam",
            Self::InvalidUrl(_) => "invalidUrl",
            Self::Unsendable(_) => "unsendable",
            Self::InvalidCredentials { .. } => "invalidCredentials",
            Self::CredentialsFileParse(_) => "credentialsFileParse",
            Self::ImsUnreachable { .. } => "imsUnreachable",
            Self::ImsRedirected { .. } => "imsRedirected",
            Self::ImsTimeout { .. } => "imsTimeout",
            Self::ImsRefused(_) => "imsRefused",
            Self::ImsMalformed { .. } => "imsMalformed",
            Self::RefreshFailed => "refreshFailed",
            Self::DevTokenExpired { .. } => "devTokenExpired",
            Self::Request { .. } => "request",
            Self::Redirected { .. } => "redirected",
            Self::Internal(_) => "internal",
            Self::FetchAnswer { .. } => "fetchAnswer",
            Self::Timeout { .. } => "timeout",
            Self::BodyTooLarge { .. } => "bodyTooLarge",
            Self::Aborted => "aborted",
            Self::Api { .. } => "api",
            Self::Answered { .. } => "answered",
            Self::HttpStatus { .. } => "httpStatus",
            Self::NotJson { .. } => "notJson",
            Self::GraphQl { .. } => "graphQl",
            Self::Attempted { source, .. } | Self::Elsewhere { source, .. } => source.kind(),
            Self::Shared(source) => source.kind(),
        }
    }

    /// The structured details of this error.
    pub fn details(&self) -> ErrorDetails {
        if let Self::Attempted { attempts, source } = self {
            let mut details = source.details();
            details.attempts = Some(*attempts);
            return details;
        }
        if let Self::Shared(source) = self {
            return source.details();
        }
        if let Self::Elsewhere { url, source } = self {
            let mut details = source.details();
            details.answered_by = Some(url.clone());
            return details;
        }
        let mut details = ErrorDetails {
            status: self.status(),
            kind: self.kind(),
            ..ErrorDetails::default()
        };
        match self {
            Self::InvalidCredentials { problems } => details.problems = Some(problems.clone()),
            Self::ImsRefused(refusal) => {
                details.ims_error = refusal.error.clone();
                details.ims_error_description = refusal.error_description.clone();
                details.debug_id = refusal.debug_id.clone();
                details.text = Some(refusal.text.clone());
            }
            Self::ImsMalformed { text, .. } => details.text = text.clone(),
            Self::ImsUnreachable { source, .. } | Self::Request { source } => {
                details.cause = match source {
                    TransportError::Native(error) => crate::http::tls::certificate_error(error)
                        .map(crate::http::tls::describe)
                        .or_else(|| Some(transport(source))),
                    TransportError::Fetch(failure)
                        if failure.kind == crate::http::failure::FetchFailureKind::Certificate =>
                    {
                        Some(format!(
                            "the server's certificate was refused ({}). {}",
                            source.node_reason().unwrap_or_default(),
                            crate::http::tls::HOW_TO_TRUST
                        ))
                    }
                    TransportError::Fetch(failure) => failure.cause.clone(),
                };
                details.reason = source.node_reason();
                details.timeout = source.is_timeout().then_some(true);
            }
            Self::Api {
                body, request_id, ..
            } => {
                details.body = Some(body.clone());
                details.errors = body.get("errors").cloned();
                details.request_id = request_id.clone();
            }
            Self::Answered { envelope, .. } => details.body = Some(envelope.clone()),
            Self::HttpStatus {
                excerpt,
                text,
                request_id,
                ..
            } => {
                details.excerpt = Some(excerpt.clone());
                details.text = Some(text.clone());
                details.request_id = request_id.clone();
            }
            Self::NotJson { text, .. } => details.text = Some(text.clone()),
            Self::Timeout { .. } | Self::ImsTimeout { .. } => details.timeout = Some(true),
            Self::GraphQl { errors, data, .. } => {
                details.errors = Some(errors.clone());
                details.data = data.clone();
            }
            Self::InvalidParam(_)
            | Self::InvalidUrl(_)
            | Self::Unsendable(_)
            | Self::CredentialsFileParse(_)
            | Self::ImsRedirected { .. }
            | Self::Redirected { .. }
            | Self::Internal(_)
            | Self::Aborted
            | Self::DevTokenExpired { .. }
            | Self::RefreshFailed
            | Self::BodyTooLarge { .. }
            | Self::FetchAnswer { .. }
            | Self::Attempted { .. }
            | Self::Elsewhere { .. }
            | Self::Shared(_) => {}
        }
        details
    }
}

/// A shorthand for results of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error and its sources, outermost first, joined with `: `, with repeated texts left out.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(err) = current {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

/// What a transport error says: a refused certificate in words, else the chain of sources.
fn transport(source: &TransportError) -> String {
    match source {
        TransportError::Native(source) => crate::http::tls::certificate_error(source)
            .map_or_else(|| chain(source), crate::http::tls::describe),
        // The fetch function's own words, as Adobe's client reports them.
        TransportError::Fetch(failure) => failure.message.clone(),
    }
}

/// A time as RFC 3339 in UTC, to the second: `2026-12-01T00:00:00Z`.
fn rfc3339(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn ims_reason(refusal: &ImsRefusal) -> String {
    let mut out = String::new();
    if let Some(error) = &refusal.error {
        out.push_str(": ");
        out.push_str(error);
    }
    if let Some(description) = &refusal.error_description {
        out.push_str(if refusal.error.is_some() { " (" } else { ": (" });
        out.push_str(description);
        out.push(')');
    }
    if let Some(debug_id) = &refusal.debug_id {
        out.push_str(" [x-debug-id ");
        out.push_str(debug_id);
        out.push(']');
    }
    out
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        " (empty body)".to_owned()
    } else {
        format!(": {excerpt}")
    }
}

/// The messages of a GraphQL `errors` array, joined with `. ` as Adobe's client does.
fn error_messages(errors: &Value) -> String {
    match errors {
        Value::Array(items) => items
            .iter()
            .map(|item| match item.get("message") {
                Some(Value::String(message)) => message.clone(),
                _ => item.to_string(),
            })
            .collect::<Vec<_>>()
            .join(". "),
        other => other.to_string(),
    }
}

/// A one-line summary of an AEM error body: its `errors` messages, its `message`, or the body.
fn summarize_errors(body: &Value) -> String {
    if let Some(errors) = body.get("errors") {
        return error_messages(errors);
    }
    match body.get("message") {
        Some(Value::String(message)) => message.clone(),
        _ => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_error_keeps_the_whole_body() {
        let body =
            json!({"errors": [{"errorType": "ServletError", "message": "boom", "details": "npe"}]});
        let err = Error::Api {
            status: 500,
            body: body.clone(),
            request_id: Some("r1".into()),
        };
        assert_eq!(err.code(), ErrorCode::ApiError);
        assert_eq!(err.to_string(), "HTTP 500: boom");
        let details = err.details();
        assert_eq!(details.body, Some(body));
        assert_eq!(details.status, Some(500));
        assert_eq!(details.request_id.as_deref(), Some("r1"));
    }

    #[test]
    fn ims_refusal_names_error_description_and_debug_id() {
        let err = Error::ImsRefused(ImsRefusal {
            status: 400,
            error: Some("invalid_token".into()),
            error_description: Some("Could not match JWT signature to any of the bindings".into()),
            debug_id: Some("dbg-1".into()),
            text: String::new(),
        });
        assert_eq!(err.code(), ErrorCode::ExchangeTokenError);
        assert_eq!(
            err.to_string(),
            "IMS answered 400: invalid_token (Could not match JWT signature to any of the bindings) [x-debug-id dbg-1]"
        );
    }

    #[test]
    fn graphql_errors_join_messages_like_adobe() {
        let err = Error::GraphQl {
            status: 200,
            errors: json!([{"message": "a"}, {"message": "b"}]),
            data: Some(json!({"x": null})),
        };
        assert_eq!(err.code(), ErrorCode::ResponseError);
        assert_eq!(err.to_string(), "a. b");
        assert_eq!(err.details().data, Some(json!({"x": null})));
    }

    #[test]
    fn an_expired_dev_token_says_when_and_what_to_do() {
        let err = Error::DevTokenExpired {
            expired_at: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_764_720_000),
        };
        assert_eq!(
            err.to_string(),
            "the local development token expired at 2025-12-03T00:00:00Z; download a new one from the Developer Console"
        );
        assert_eq!(err.code(), ErrorCode::ExchangeTokenError);
        assert_eq!(
            rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(951_827_696)),
            "2000-02-29T12:34:56Z"
        );
    }

    #[test]
    fn empty_non_json_body_says_so() {
        let err = Error::HttpStatus {
            status: 401,
            excerpt: String::new(),
            text: String::new(),
            request_id: None,
        };
        assert_eq!(
            err.to_string(),
            "HTTP 401 with a body that is not JSON (empty body)"
        );
        assert_eq!(err.code().as_str(), "RESPONSE_ERROR");
    }
}
