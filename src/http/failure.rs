//! How a transport fails before an answer arrives: the native client's error, or a `fetch`
//! function's failure, with its kind (which decides whether it may be sent again).

use std::fmt;

/// Why a `fetch` function gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    /// What went wrong, as the `fetch` said it (secrets of the request taken out).
    pub message: String,
    /// Which kind of failure.
    pub kind: FetchFailureKind,
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
            Self::Answer => false,
        }
    }

    /// The kind JavaScript names `connect`, `timeout` or `answer`; anything else is `Request`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "connect" => Self::Connect,
            "timeout" => Self::Timeout,
            "answer" => Self::Answer,
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

    /// The error without the URL it names (the native client's includes it).
    #[must_use]
    pub fn without_url(self) -> Self {
        match self {
            Self::Native(error) => Self::Native(error.without_url()),
            fetch @ Self::Fetch(_) => fetch,
        }
    }
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
