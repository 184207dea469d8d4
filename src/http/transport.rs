//! The seam under every request: one [`Transport`] sends one hop of an HTTP request and hands back
//! the answer, its body read up to a limit as it streams, or held for the caller. Two
//! implementations sit behind it, the native HTTP client (pooled, HTTP/2, TLS as Node decides it,
//! following no redirect) and a `fetch` function given by the app (or `globalThis.fetch`, where the
//! app's HTTP test doubles see it, called with `redirect: 'manual'`). A transport decides nothing:
//! redirects, credentials per origin, retries, body limits and redaction sit above it once
//! ([`super::send`]), whichever carries the bytes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use super::body::read_body;
use super::failure::{FetchFailure, FetchFailureKind, TransportError};
use super::file_body::FileRange;
use super::pool::{SharedClient, with_connect_timeout};
use super::retry::RetryPolicy;
use crate::error::{Error, Result};

/// What carries a request.
#[derive(Clone)]
pub enum Transport {
    /// The native HTTP client, shared by every client with the same TLS and proxy settings.
    Native(SharedClient),
    /// A `fetch` function of the app's.
    Fetch(Arc<dyn Fetch>),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Native(_) => f.write_str("Transport::Native"),
            Self::Fetch(fetch) => write!(
                f,
                "Transport::Fetch {{ retries_itself: {} }}",
                fetch.retries_itself()
            ),
        }
    }
}

/// A request's body.
#[derive(Clone)]
pub enum Body {
    /// A text (JSON, a query, a form), which can be sent again.
    Text(String),
    /// A body the JavaScript side holds (a stream, a `Blob`, `FormData`), by the id it gave it:
    /// only a `fetch` transport sends it.
    Held(u32),
    /// A range of a file, read as it is sent (a part of an upload), which can be sent again.
    File(FileRange),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => write!(f, "Body::Text({} bytes)", text.len()),
            Self::Held(id) => write!(f, "Body::Held({id})"),
            Self::File(range) => write!(f, "Body::File({range:?})"),
        }
    }
}

/// What becomes of an answer's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRead {
    /// It is read whole, refused once it passes this many bytes.
    UpTo(u64),
    /// It is held, unread, for the caller to stream (`authFetch`).
    Hold,
}

/// One hop of a request as it leaves, its headers final. `Debug` shows header names and the
/// body's length only: both may hold secrets.
#[derive(Clone)]
pub struct Outgoing {
    /// The HTTP method.
    pub method: Method,
    /// Where the hop goes.
    pub url: Target,
    /// Every header of the hop.
    pub headers: HeaderMap,
    /// The body, if any.
    pub body: Option<Body>,
    /// What becomes of the answer's body: a `fetch` transport reads it up to the limit as it
    /// streams, or holds it; the native client streams it either way.
    pub read: BodyRead,
    /// The id of fetch options the JavaScript side holds for the request (fields of `init` that no
    /// rule of the core is about: `keepalive`, `integrity`, an undici `dispatcher`, …): a `fetch`
    /// transport adds them to the hop.
    pub init: Option<u32>,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &self.body)
            .field("read", &self.read)
            .field("init", &self.init)
            .finish()
    }
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An absolute `http://` or `https://` URL: every transport takes it.
    Absolute(Url),
    /// A path from the root (`/graphql/…`), from a relative `serviceURL` such as Adobe's
    /// default `/`: only a `fetch` takes it, as a browser's or a test double's would.
    Relative(String),
}

impl Target {
    /// The URL as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Absolute(url) => url.as_str(),
            Self::Relative(path) => path,
        }
    }
}

/// A `fetch` function, as the binding wraps it. It sends one hop (`redirect: 'manual'`), and must
/// not retry unless it says so with [`Fetch::retries_itself`]; cancelling the returned future
/// (dropping it) aborts the request.
pub trait Fetch: Send + Sync {
    /// Sends one hop. `request.retry` is the policy of the call, for a `fetch` that retries by
    /// itself (it is given as `fetch`'s third argument, as Adobe's client gives it).
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<FetchedResponse, FetchFailure>> + Send>>;

    /// Reads the body held under `id`, up to `limit` bytes as it streams; the JavaScript side lets
    /// go of it then. Past the limit it is cancelled, or with `keep` held again, whole (what was
    /// read and the rest), under the same id, for its caller.
    fn read(
        &self,
        id: u32,
        limit: u64,
        keep: bool,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<FetchedBody, FetchFailure>> + Send>>;

    /// Lets go of the body held under `id` (cancels its stream), or aborts the request `id` if it
    /// is still in flight, or clears the timer `id`.
    fn release(&self, id: u32);

    /// A wait of `duration` on the JavaScript side's clock (`setTimeout`, which a test runner's
    /// fake timers move); dropped before it ends, its timer is cleared.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

    /// Whether this `fetch` retries by itself (one the app supplied): then the core makes one
    /// attempt per call and leaves the retries to it, so that nothing is retried twice over.
    fn retries_itself(&self) -> bool;
}

/// A hop as a `fetch` function takes it.
#[derive(Clone)]
pub struct FetchRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL, or a path from the root.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// What becomes of the answer's body.
    pub read: BodyRead,
    /// The id of fetch options the JavaScript side holds for the request.
    pub init: Option<u32>,
    /// The call's retry policy, for a `fetch` that retries by itself.
    pub retry: RetryPolicy,
}

impl fmt::Debug for FetchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "header_names",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("body", &self.body)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

/// The body of an answer a `fetch` function gave.
#[derive(Debug)]
pub enum FetchedBody {
    /// Read whole, within the limit.
    Read(Vec<u8>),
    /// Longer than the limit: its stream was cancelled there.
    TooLarge,
    /// Held by the JavaScript side, unread, under the request's id.
    Held(u32),
}

/// The answer a `fetch` function gave. `Debug` shows header names and the body's length only:
/// an IMS answer holds a token.
pub struct FetchedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers (those that fit HTTP's rules; others are left out).
    pub headers: HeaderMap,
    /// The body.
    pub body: FetchedBody,
}

impl fmt::Debug for FetchedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            FetchedBody::Read(bytes) => format!("{} bytes", bytes.len()),
            FetchedBody::TooLarge => "too large".to_owned(),
            FetchedBody::Held(id) => format!("held as {id}"),
        };
        f.debug_struct("FetchedResponse")
            .field("status", &self.status)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &body)
            .finish()
    }
}

impl FetchedResponse {
    /// An answer from a status and header pairs; a pair that is not a valid header is left out.
    pub fn new(status: u16, headers: &[(String, String)], body: FetchedBody) -> Option<Self> {
        let status = StatusCode::from_u16(status).ok()?;
        let mut map = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                map.append(name, value);
            }
        }
        Some(Self {
            status,
            headers: map,
            body,
        })
    }
}

/// A body the JavaScript side holds for this answer: let go of when dropped, unless
/// [`HeldBody::hand_over`] gave it to the caller.
pub struct HeldBody {
    id: u32,
    fetch: Arc<dyn Fetch>,
    handed_over: bool,
}

impl fmt::Debug for HeldBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HeldBody({})", self.id)
    }
}

impl HeldBody {
    /// The id the body is held under.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The id under which the JavaScript side holds the body, for the caller to take it there.
    pub fn hand_over(mut self) -> u32 {
        self.handed_over = true;
        self.id
    }

    /// The body, read up to `limit` bytes as it streams; past it, with `keep`, still held for
    /// the caller, whole.
    async fn read(mut self, limit: u64, keep: bool) -> Result<ReadOrKept> {
        self.handed_over = true;
        match self.fetch.read(self.id, limit, keep).await {
            Ok(FetchedBody::Read(bytes)) if bytes.len() as u64 <= limit => {
                Ok(ReadOrKept::Read(bytes))
            }
            Ok(FetchedBody::Read(_) | FetchedBody::TooLarge) => Ok(ReadOrKept::TooLarge),
            Ok(FetchedBody::Held(_)) if keep => {
                self.handed_over = false;
                Ok(ReadOrKept::Kept(self))
            }
            Ok(FetchedBody::Held(_)) => Err(Error::Internal(
                "a held body was held again instead of read".to_owned(),
            )),
            Err(failure) => Err(Error::FetchAnswer {
                reason: failure.message,
            }),
        }
    }
}

/// A body read up to a limit, or past it.
#[derive(Debug)]
pub enum ReadOrKept {
    /// Read whole, within the limit.
    Read(Vec<u8>),
    /// Longer than the limit, and let go of.
    TooLarge,
    /// Longer than the limit, and still held, whole, for the caller.
    Kept(HeldBody),
}

impl Drop for HeldBody {
    fn drop(&mut self) {
        if !self.handed_over {
            self.fetch.release(self.id);
        }
    }
}

/// A held body on its way to its caller, handed over at most once (to whichever clone takes it
/// first): let go of if nobody does.
#[derive(Debug, Clone)]
pub struct Handover(Arc<std::sync::Mutex<Option<HeldBody>>>);

impl Handover {
    /// A held body to hand over.
    pub fn new(held: HeldBody) -> Self {
        Self(Arc::new(std::sync::Mutex::new(Some(held))))
    }

    /// The id the body is held under, while nobody took it.
    pub fn id(&self) -> Option<u32> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(HeldBody::id)
    }

    /// Hands the body over: the id it is held under, for the caller to take it there; `None` when
    /// another took it first.
    pub fn hand_over(&self) -> Option<u32> {
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.take().map(HeldBody::hand_over)
    }
}

/// A `fetch` function's answer body, as the core has it.
#[derive(Debug)]
enum Fetched {
    /// Read whole.
    Read(Vec<u8>),
    /// Longer than the limit asked for.
    TooLarge,
    /// Held by the JavaScript side.
    Held(HeldBody),
}

/// An answer: its status and headers, its body read or not yet.
#[derive(Debug)]
pub enum Incoming {
    /// The native client's: the body streams as it is read.
    Native(reqwest::Response),
    /// A `fetch` function's.
    Fetched {
        /// The HTTP status.
        status: StatusCode,
        /// The response headers.
        headers: HeaderMap,
        /// The body.
        body: FetchedAnswerBody,
    },
}

/// The body of a `fetch` function's answer: read, too large, or held for the caller.
#[derive(Debug)]
pub struct FetchedAnswerBody(Fetched);

impl Incoming {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Native(response) => response.status(),
            Self::Fetched { status, .. } => *status,
        }
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        match self {
            Self::Native(response) => response.headers(),
            Self::Fetched { headers, .. } => headers,
        }
    }

    /// The HTTP version as OpenTelemetry names it; unknown for a `fetch` answer.
    pub fn http_version(&self) -> Option<&'static str> {
        match self {
            Self::Native(response) => Some(protocol_version(response.version())),
            Self::Fetched { .. } => None,
        }
    }

    /// The body, refused past `limit` bytes as it streams.
    pub async fn read_body(self, limit: u64) -> Result<Vec<u8>> {
        let status = self.status().as_u16();
        let too_large = || Error::BodyTooLarge { status, limit };
        match self {
            Self::Native(response) => read_body(response, limit).await,
            Self::Fetched { body, .. } => match body.0 {
                Fetched::Read(bytes) if bytes.len() as u64 > limit => Err(too_large()),
                Fetched::Read(bytes) => Ok(bytes),
                Fetched::TooLarge => Err(too_large()),
                Fetched::Held(held) => match held.read(limit, false).await? {
                    ReadOrKept::Read(bytes) => Ok(bytes),
                    ReadOrKept::TooLarge | ReadOrKept::Kept(_) => Err(too_large()),
                },
            },
        }
    }

    /// The body read up to `limit` bytes as it streams; past it, a body a `fetch` holds is still
    /// held, whole (what was read and the rest), for the caller to stream: what a cache that does
    /// not keep it still answers with, once.
    pub async fn read_or_keep(self, limit: u64) -> Result<ReadOrKept> {
        match self {
            Self::Native(response) => match read_body(response, limit).await {
                Ok(bytes) => Ok(ReadOrKept::Read(bytes)),
                Err(Error::BodyTooLarge { .. }) => Ok(ReadOrKept::TooLarge),
                Err(error) => Err(error),
            },
            Self::Fetched { body, .. } => match body.0 {
                Fetched::Read(bytes) if bytes.len() as u64 > limit => Ok(ReadOrKept::TooLarge),
                Fetched::Read(bytes) => Ok(ReadOrKept::Read(bytes)),
                Fetched::TooLarge => Ok(ReadOrKept::TooLarge),
                Fetched::Held(held) => held.read(limit, true).await,
            },
        }
    }

    /// The body held for the caller (`BodyRead::Hold` through a `fetch`), to hand over; `None` for
    /// a body that was read, or the native client's.
    pub fn into_held(self) -> Option<HeldBody> {
        match self {
            Self::Fetched {
                body: FetchedAnswerBody(Fetched::Held(held)),
                ..
            } => Some(held),
            _ => None,
        }
    }
}

impl Transport {
    /// Whether the transport retries by itself, so that the core makes one attempt.
    pub fn retries_itself(&self) -> bool {
        matches!(self, Self::Fetch(fetch) if fetch.retries_itself())
    }

    /// A wait of `duration` on this transport's clock: the I/O runtime's for the native client,
    /// JavaScript's timers for a `fetch` (so that a test runner's fake timers move a request's
    /// retries and timeout as they move the app's own).
    pub fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        match self {
            Self::Native(_) => Box::pin(tokio::time::sleep(duration)),
            Self::Fetch(fetch) => fetch.sleep(duration),
        }
    }

    /// A wait of `duration` on this transport's clock ([`Self::sleep`]) when `on_transport_clock`,
    /// else on the real clock, which a test runner's fake timers do not see.
    pub fn wait(
        &self,
        duration: Duration,
        on_transport_clock: bool,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        if on_transport_clock {
            self.sleep(duration)
        } else {
            Box::pin(tokio::time::sleep(duration))
        }
    }

    /// Sends one hop. `connect_timeout` bounds opening a connection (native only: a `fetch` has
    /// its own); `retry` is told to a `fetch` that retries by itself. A failure's message is the
    /// transport's own: the caller takes the request's secrets out of it.
    pub async fn send(
        &self,
        request: Outgoing,
        connect_timeout: Duration,
        retry: &RetryPolicy,
    ) -> std::result::Result<Incoming, TransportError> {
        match self {
            Self::Native(client) => {
                let failure = |message: &str| {
                    TransportError::Fetch(FetchFailure {
                        message: message.to_owned(),
                        kind: FetchFailureKind::Request,
                        cause: None,
                    })
                };
                let Target::Absolute(url) = request.url else {
                    return Err(failure("a relative URL needs a fetch transport"));
                };
                // A client that cannot be built (its trust) fails every request alike: nothing
                // about it is transient, so it is not retried, nor taken for AEM being down.
                let client = client.client().map_err(|error| {
                    TransportError::Fetch(FetchFailure {
                        message: error.to_string(),
                        kind: FetchFailureKind::Certificate,
                        cause: None,
                    })
                })?;
                let builder = client.request(request.method, url).headers(request.headers);
                let builder = match request.body {
                    Some(Body::Text(text)) => builder.body(text),
                    Some(Body::Held(_)) => {
                        return Err(failure(
                            "a body held by JavaScript (a stream, a Blob, FormData) needs a fetch transport",
                        ));
                    }
                    Some(Body::File(range)) => builder
                        .header(reqwest::header::CONTENT_LENGTH, range.len)
                        .body(reqwest::Body::wrap_stream(range.stream())),
                    None => builder,
                };
                with_connect_timeout(connect_timeout, builder.send())
                    .await
                    .map(Incoming::Native)
                    .map_err(TransportError::Native)
            }
            Self::Fetch(fetch) => {
                let call = FetchRequest {
                    method: request.method.as_str().to_owned(),
                    url: match request.url {
                        Target::Absolute(url) => url.into(),
                        Target::Relative(path) => path,
                    },
                    headers: request
                        .headers
                        .iter()
                        .map(|(name, value)| {
                            (
                                name.as_str().to_owned(),
                                String::from_utf8_lossy(value.as_bytes()).into_owned(),
                            )
                        })
                        .collect(),
                    body: request.body,
                    read: request.read,
                    init: request.init,
                    retry: *retry,
                };
                let answer = fetch.fetch(call).await.map_err(TransportError::Fetch)?;
                Ok(Incoming::Fetched {
                    status: answer.status,
                    headers: answer.headers,
                    body: FetchedAnswerBody(match answer.body {
                        FetchedBody::Read(bytes) => Fetched::Read(bytes),
                        FetchedBody::TooLarge => Fetched::TooLarge,
                        FetchedBody::Held(id) => Fetched::Held(HeldBody {
                            id,
                            fetch: Arc::clone(fetch),
                            handed_over: false,
                        }),
                    }),
                })
            }
        }
    }
}

/// The HTTP versions as OpenTelemetry's `network.protocol.version` names them, oldest first:
/// the one table of them (the binding's outcome codes and `lib/outcome.js` index it).
pub const HTTP_VERSIONS: [&str; 5] = ["0.9", "1.0", "1.1", "2", "3"];

/// The HTTP version of a response, from [`HTTP_VERSIONS`].
pub fn protocol_version(version: reqwest::Version) -> &'static str {
    let index = match version {
        reqwest::Version::HTTP_09 => 0,
        reqwest::Version::HTTP_10 => 1,
        reqwest::Version::HTTP_2 => 3,
        reqwest::Version::HTTP_3 => 4,
        _ => 2,
    };
    HTTP_VERSIONS[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_body_and_no_header_value() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer header-SECRET"),
        );
        let outgoing = Outgoing {
            method: Method::POST,
            url: Target::Relative("/ims/token/v3".into()),
            headers,
            body: Some(Body::Text("client_secret=form-SECRET".into())),
            read: BodyRead::UpTo(1024),
            init: None,
        };
        let answer = FetchedResponse::new(
            200,
            &[],
            FetchedBody::Read(br#"{"access_token":"token-SECRET"}"#.to_vec()),
        )
        .unwrap();
        for debug in [format!("{outgoing:?}"), format!("{answer:?}")] {
            assert!(!debug.contains("SECRET"), "{debug}");
        }
    }

    #[test]
    fn fetched_answers_keep_valid_headers_only() {
        let answer = FetchedResponse::new(
            200,
            &[
                ("etag".into(), "\"1\"".into()),
                ("bad name".into(), "x".into()),
                ("x-a".into(), "bad\nvalue".into()),
                ("set-cookie".into(), "a=1".into()),
                ("set-cookie".into(), "b=2".into()),
            ],
            FetchedBody::Read(Vec::new()),
        )
        .unwrap();
        assert_eq!(answer.headers.len(), 3);
        assert_eq!(answer.headers.get_all("set-cookie").iter().count(), 2);
        assert!(FetchedResponse::new(1000, &[], FetchedBody::TooLarge).is_none());
    }
}
