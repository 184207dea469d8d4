//! The seam under every request: one [`Transport`] sends one HTTP request and hands back the
//! answer. Two implementations sit behind it, the native HTTP client (pooled, HTTP/2, TLS as
//! Node decides it) and a `fetch` function given by the app (or `globalThis.fetch`, where the
//! app's HTTP test doubles see it). URLs, auth, retries, the response cache, coalescing, errors
//! and spans sit above it once, whichever carries the bytes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, StatusCode, Url};

use super::body::read_body;
use super::failure::{FetchFailure, FetchFailureKind, TransportError};
use super::pool::with_connect_timeout;
use super::redact::Secrets;
use super::retry::RetryPolicy;
use crate::error::{Error, Result};

/// What carries a request.
#[derive(Clone)]
pub enum Transport {
    /// The native HTTP client, shared by every client with the same TLS and proxy settings.
    Native(Client),
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

/// One request as it leaves: every header already merged (the client's, the call's, the auth).
/// `Debug` shows header names and the body's length only: both may hold secrets.
#[derive(Clone)]
pub struct Outgoing {
    /// The HTTP method.
    pub method: Method,
    /// Where the request goes.
    pub url: Target,
    /// Every header of the request. Sensitive values (auth) are marked so, and never appear
    /// in an error message that a `fetch` function writes.
    pub headers: HeaderMap,
    /// The body, if any.
    pub body: Option<String>,
    /// The fields of a form body that hold secrets (`client_secret`, `jwt_token` at IMS):
    /// their values are kept out of error messages too.
    pub secret_fields: &'static [&'static str],
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("{} bytes", b.len())),
            )
            .finish_non_exhaustive()
    }
}

/// Where a request goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// An absolute `http://` or `https://` URL: every transport takes it.
    Absolute(Url),
    /// A path from the root (`/graphql/…`), from a relative `serviceURL` such as Adobe's
    /// default `/`: only a `fetch` takes it, as a browser's or a test double's would.
    Relative(String),
}

/// A `fetch` function, as the binding wraps it. It must not retry unless it says so with
/// [`Fetch::retries_itself`]; cancelling the returned future (dropping it) aborts the request.
pub trait Fetch: Send + Sync {
    /// Sends one request. `retry` is the policy of the call, for a `fetch` that retries by
    /// itself (it is given as `fetch`'s third argument, as Adobe's client gives it).
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<FetchedResponse, FetchFailure>> + Send>>;

    /// Whether this `fetch` retries by itself (one the app supplied): then the core makes one
    /// attempt per call and leaves the retries to it, so that nothing is retried twice over.
    fn retries_itself(&self) -> bool;
}

/// A request as a `fetch` function takes it.
#[derive(Clone)]
pub struct FetchRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<String>,
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
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("{} bytes", b.len())),
            )
            .finish_non_exhaustive()
    }
}

/// The answer a `fetch` function gave, read whole. `Debug` shows header names and the body's
/// length only: an IMS answer holds a token.
pub struct FetchedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers (those that fit HTTP's rules; others are left out).
    pub headers: HeaderMap,
    /// The body as `text()` (or `JSON.stringify(await json())`) gave it.
    pub body: Vec<u8>,
}

impl fmt::Debug for FetchedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchedResponse")
            .field("status", &self.status)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format!("{} bytes", self.body.len()))
            .finish()
    }
}

impl FetchedResponse {
    /// An answer from a status and header pairs; a pair that is not a valid header is left out.
    pub fn new(status: u16, headers: &[(String, String)], body: Vec<u8>) -> Option<Self> {
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

/// An answer, its body not read yet.
#[derive(Debug)]
pub enum Incoming {
    /// From the native client: the body streams.
    Native(reqwest::Response),
    /// From a `fetch` function: read whole.
    Fetched(FetchedResponse),
}

impl Incoming {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Native(response) => response.status(),
            Self::Fetched(response) => response.status,
        }
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        match self {
            Self::Native(response) => response.headers(),
            Self::Fetched(response) => &response.headers,
        }
    }

    /// The URL that answered, after any redirects the native client followed; unknown for a
    /// `fetch` answer.
    pub fn url(&self) -> Option<&reqwest::Url> {
        match self {
            Self::Native(response) => Some(response.url()),
            Self::Fetched(_) => None,
        }
    }

    /// The HTTP version as OpenTelemetry names it; unknown for a `fetch` answer.
    pub fn http_version(&self) -> Option<&'static str> {
        match self {
            Self::Native(response) => Some(protocol_version(response.version())),
            Self::Fetched(_) => None,
        }
    }

    /// The body, refused past `limit` bytes.
    pub async fn read_body(self, limit: u64) -> Result<Vec<u8>> {
        match self {
            Self::Native(response) => read_body(response, limit).await,
            Self::Fetched(response) if response.body.len() as u64 > limit => {
                Err(Error::BodyTooLarge {
                    status: response.status.as_u16(),
                    limit,
                })
            }
            Self::Fetched(response) => Ok(response.body),
        }
    }
}

impl Transport {
    /// Whether the transport retries by itself, so that the core makes one attempt.
    pub fn retries_itself(&self) -> bool {
        matches!(self, Self::Fetch(fetch) if fetch.retries_itself())
    }

    /// Sends one request. `connect_timeout` bounds opening a connection (native only: a
    /// `fetch` has its own); `retry` is told to a `fetch` that retries by itself.
    pub async fn send(
        &self,
        request: Outgoing,
        connect_timeout: Duration,
        retry: &RetryPolicy,
    ) -> std::result::Result<Incoming, TransportError> {
        match self {
            Self::Native(client) => {
                let Target::Absolute(url) = request.url else {
                    return Err(TransportError::Fetch(FetchFailure {
                        message: "a relative URL needs a fetch transport".to_owned(),
                        kind: FetchFailureKind::Request,
                    }));
                };
                let builder = client.request(request.method, url).headers(request.headers);
                let builder = match request.body {
                    Some(body) => builder.body(body),
                    None => builder,
                };
                with_connect_timeout(connect_timeout, builder.send())
                    .await
                    .map(Incoming::Native)
                    .map_err(TransportError::Native)
            }
            Self::Fetch(fetch) => {
                let secrets = Secrets::of(
                    &request.headers,
                    request.body.as_deref(),
                    request.secret_fields,
                );
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
                    retry: *retry,
                };
                fetch
                    .fetch(call)
                    .await
                    .map(Incoming::Fetched)
                    .map_err(|failure| {
                        TransportError::Fetch(FetchFailure {
                            message: secrets.redact(&failure.message),
                            kind: failure.kind,
                        })
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
            body: Some("client_secret=form-SECRET".into()),
            secret_fields: &["client_secret"],
        };
        let answer =
            FetchedResponse::new(200, &[], br#"{"access_token":"token-SECRET"}"#.to_vec()).unwrap();
        for debug in [
            format!("{outgoing:?}"),
            format!("{answer:?}"),
            format!("{:?}", Incoming::Fetched(answer)),
        ] {
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
            Vec::new(),
        )
        .unwrap();
        assert_eq!(answer.headers.len(), 3);
        assert_eq!(answer.headers.get_all("set-cookie").iter().count(), 2);
        assert!(FetchedResponse::new(1000, &[], Vec::new()).is_none());
    }
}
