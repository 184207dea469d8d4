//! How a transport fails before an answer arrives: the native client's error, or a `fetch`
//! function's failure, with its kind (which decides whether it may be sent again).

use std::fmt;

use super::redact::redact_url;

/// Why a `fetch` function gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    /// What went wrong, as the `fetch` said it (secrets of the request taken out).
    pub message: String,
    /// Which kind of failure.
    pub kind: FetchFailureKind,
    /// What the `fetch` said lies underneath (its error's `cause`), secrets of the request taken
    /// out: not in the message, which is the fetch's own as Adobe's client reports it.
    pub cause: Option<String>,
}

/// The kinds of [`FetchFailure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchFailureKind {
    /// No connection was made (refused, unknown host): safe to send again.
    Connect,
    /// The request failed once it may have reached the server, or `fetch` threw.
    Request,
    /// The request timed out inside `fetch`.
    Timeout,
    /// The server's certificate was refused: nothing about it is transient.
    Certificate,
    /// `fetch` resolved with something that is not a response (no `status`, no `ok`).
    Answer,
}

impl FetchFailureKind {
    /// Whether a failure of this kind may be retried: a connection never made always; one that
    /// may have reached the server only for a `repeatable` request.
    pub fn retryable(self, repeatable: bool) -> bool {
        match self {
            Self::Connect => true,
            Self::Request | Self::Timeout => repeatable,
            Self::Answer | Self::Certificate => false,
        }
    }

    /// The kind JavaScript names `connect`, `timeout`, `certificate` or `answer`; anything else is `Request`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "connect" => Self::Connect,
            "timeout" => Self::Timeout,
            "answer" => Self::Answer,
            "certificate" => Self::Certificate,
            _ => Self::Request,
        }
    }
}

/// A transport's failure before a response arrived.
#[derive(Debug)]
pub enum TransportError {
    /// The native client's error.
    Native(reqwest::Error),
    /// The `fetch` function's.
    Fetch(FetchFailure),
}

impl TransportError {
    /// Whether the request failed for lack of time.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Native(error) => error.is_timeout(),
            Self::Fetch(failure) => failure.kind == FetchFailureKind::Timeout,
        }
    }

    /// The error naming its URL redacted ([`redact_url`]: no user info, signature or credential
    /// in its query), as every message may show it.
    #[must_use]
    pub fn redacted(self) -> Self {
        match self {
            Self::Native(error) => {
                let url = error
                    .url()
                    .and_then(|url| url::Url::parse(&redact_url(url.as_str())).ok());
                let error = error.without_url();
                Self::Native(match url {
                    Some(url) => error.with_url(url),
                    None => error,
                })
            }
            fetch @ Self::Fetch(_) => fetch,
        }
    }

    /// What Node's HTTP stack says of this failure, as node-fetch (Adobe's client's transport)
    /// words it: `request to URL failed, reason: connect ECONNREFUSED 127.0.0.1:443`. A `fetch`
    /// function's failure is its own message; a native failure Node has no words for is `None`.
    pub fn node_message(&self) -> Option<String> {
        match self {
            Self::Native(error) => {
                let url = error.url()?;
                Some(format!(
                    "request to {url} failed, reason: {}",
                    node_reason(error)?
                ))
            }
            Self::Fetch(failure) => Some(failure.message.clone()),
        }
    }

    /// The reason alone, as Node's `https.request` gives it (`connect ECONNREFUSED …`, what
    /// Adobe's `getToken` reports): a `fetch` function's message without node-fetch's
    /// `request to URL failed, reason: ` before it.
    pub fn node_reason(&self) -> Option<String> {
        match self {
            Self::Native(error) => node_reason(error),
            Self::Fetch(failure) => Some(
                failure
                    .message
                    .split_once(", reason: ")
                    .filter(|(before, _)| before.starts_with("request to "))
                    .map_or_else(|| failure.message.clone(), |(_, reason)| reason.to_owned()),
            ),
        }
    }
}

/// What Node says of a native failure: its `syscall errno address` form for a refused, reset or
/// timed-out connection and a host that does not resolve, `socket hang up` for a connection
/// closed before the answer, and OpenSSL's words for a refused certificate.
fn node_reason(error: &reqwest::Error) -> Option<String> {
    use std::error::Error as _;
    if let Some(problem) = super::tls::certificate_error(error) {
        return super::tls::node_text(problem);
    }
    let url = error.url()?;
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = url.port_or_known_default()?;
    let mut address = None;
    let mut current: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if text == "dns error" || text.starts_with("dns error:") {
            return Some(format!("getaddrinfo ENOTFOUND {host}"));
        }
        if address.is_none() {
            address = connected_address(cause);
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            let at = address.clone().unwrap_or_else(|| format!("{host}:{port}"));
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => Some(format!("connect ECONNREFUSED {at}")),
                std::io::ErrorKind::TimedOut if error.is_connect() => {
                    Some(format!("connect ETIMEDOUT {at}"))
                }
                std::io::ErrorKind::ConnectionReset => Some("read ECONNRESET".to_owned()),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::BrokenPipe => {
                    Some("socket hang up".to_owned())
                }
                _ => None,
            };
        }
        // hyper's words for a connection closed before the answer's head.
        if text.starts_with("connection closed before message completed") {
            return Some("socket hang up".to_owned());
        }
        current = cause.source();
    }
    None
}

/// The address a connection was attempted to, as Node prints it (`127.0.0.1:443`, `::1:443`),
/// from the connector's error, which shows it only in its `Debug` form:
/// `ConnectError("tcp connect error", 127.0.0.1:443, …)`.
fn connected_address(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    let debug = format!("{cause:?}");
    let rest = debug.strip_prefix("ConnectError(\"")?;
    let (_, rest) = rest.split_once("\", ")?;
    let field = rest.split([',', ')']).next()?;
    let address: std::net::SocketAddr = field.trim().parse().ok()?;
    Some(format!("{}:{}", address.ip(), address.port()))
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Native(error) => fmt::Display::fmt(error, f),
            Self::Fetch(failure) => f.write_str(&failure.message),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Native(error) => error.source(),
            Self::Fetch(_) => None,
        }
    }
}
