//! The AEM client: the configured service URL, endpoint, auth and headers, its transport and
//! response cache, shared by every call. A request to AEM is built here once, its credentials
//! (the auth, `X-Api-Key`, the client's own headers) apart from what may go anywhere, and sent by
//! the one request loop ([`crate::http::send`]).

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::sync::Semaphore;

use super::cache_key::{self, Speaker};
use super::paths::{self, normalize_endpoint, normalize_service_url};
use super::raw_answer;
use super::request::{AemRequest, Auth, ManagedToken, RedactedHeaders, parse_headers};
use super::response;
use crate::cache::coalesce::Coalescer;
use crate::cache::local::{CacheConfig, ResponseCache};
use crate::cache::policy::CacheHeaders;
use crate::cache::shared::SharedCache;
use crate::error::{Error, Result};
use crate::http::failure::{FetchFailureKind, TransportError};
use crate::http::file_body::FileRange;
use crate::http::headers;
use crate::http::pool::{DEFAULT_CONNECT_TIMEOUT, HttpConfig, client_for};
use crate::http::redact::redact_url;
use crate::http::redirect::RedirectMode;
use crate::http::retry::RetryPolicy;
use crate::http::send::{self, Answer, Attempts, HopFailure, Request};
use crate::http::tls::Trust;
use crate::http::transport::{Body, BodyRead, Handover, HeldBody, Target, Transport};
use crate::http::url::{holds_userinfo, without_userinfo};

/// Why `query` refuses when the endpoint is empty.
pub const NO_ENDPOINT: &str = "this client has no GraphQL endpoint (it was built with endpoint: ''), so it runs persisted queries only";

/// The configuration of an [`AemClient`]. `Debug` shows no header value, no auth secret and no
/// user info of a URL.
#[derive(Clone, Default)]
pub struct ClientConfig {
    /// The AEM host, e.g. `https://publish-p123-e456.adobeaemcloud.com`.
    pub service_url: String,
    /// The GraphQL endpoint for ad-hoc queries, relative to the service URL.
    pub endpoint: String,
    /// How requests are authorized; none for a public Publish tier.
    pub auth: Option<Auth>,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Which certificates are trusted, and whether any is checked (see [`crate::http::tls`]).
    pub trust: Trust,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// The longest a request may take, retries included. Default 30 s.
    pub timeout: Option<Duration>,
    /// The longest a connection may take to open. Default 10 s.
    pub connect_timeout: Option<Duration>,
    /// The largest response body accepted, in bytes. Default 64 MiB.
    pub max_body_bytes: Option<u64>,
    /// A proxy for every request; without it the proxy environment variables apply.
    pub proxy: Option<String>,
    /// How many requests may be in flight at once; more wait their turn. Default 256.
    pub max_concurrent_requests: Option<usize>,
    /// Keep persisted-query GET responses for as long as their `Cache-Control` allows.
    pub cache: Option<CacheConfig>,
    /// Let identical persisted-query GETs in flight at the same time share one request.
    pub coalesce: bool,
    /// What carries the requests: the native client for `ca` and `proxy` when `None`.
    pub transport: Option<Transport>,
    /// The app's own transport (its `fetch`): what carries the requests whose answers stream to
    /// their callers (`authFetch`, raw GETs through the cache), so that a body is held for its
    /// caller unread, and any request marked [`AemRequest::through_app`], where the app's HTTP
    /// test doubles see it. Without it, `transport`.
    pub app_transport: Option<Transport>,
    /// A store the response cache shares with other processes (with `cache` on).
    pub shared_cache: Option<Arc<SharedCache>>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            service_url,
            endpoint,
            auth,
            headers,
            trust,
            retry,
            timeout,
            connect_timeout,
            max_body_bytes,
            proxy,
            max_concurrent_requests,
            cache,
            coalesce,
            transport,
            app_transport,
            shared_cache,
        } = self;
        f.debug_struct("ClientConfig")
            .field("service_url", &without_userinfo(service_url))
            .field("endpoint", endpoint)
            .field("auth", auth)
            .field("headers", &RedactedHeaders(headers))
            .field("trust", trust)
            .field("retry", retry)
            .field("timeout", timeout)
            .field("connect_timeout", connect_timeout)
            .field("max_body_bytes", max_body_bytes)
            .field("proxy", &proxy.as_deref().map(without_userinfo))
            .field("max_concurrent_requests", max_concurrent_requests)
            .field("cache", cache)
            .field("coalesce", coalesce)
            .field("transport", transport)
            .field("app_transport", app_transport)
            .field("shared_cache", shared_cache)
            .finish()
    }
}

/// The default bound on requests in flight per client.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 256;

/// The default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default response body limit.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// A client for AEM's APIs. `Debug` shows its settings, not its headers or auth.
pub struct AemClient {
    transport: Transport,
    /// The app's own transport: answers that stream to their callers, and requests through it.
    app_transport: Transport,
    /// The connect timeout of a call that sets none.
    connect_timeout: Duration,
    /// Headers of every hop of every request: `Content-Type`.
    headers: HeaderMap,
    /// Headers of the hops on AEM's origin only: the auth and the configured headers.
    credentials: HeaderMap,
    /// The service URL, whose origin is where credentials go; `None` for a relative service URL
    /// (an app's fetch resolves its paths on the origin it serves).
    origin: Option<Arc<Url>>,
    service_url: String,
    endpoint: String,
    retry: RetryPolicy,
    pub(super) timeout: Duration,
    /// Whether the app set `timeout` (else it is the default): see [`Self::timeout_set`].
    timeout_configured: bool,
    max_body_bytes: u64,
    permits: Semaphore,
    pub(super) cache: Option<ResponseCache>,
    /// The store the cache shares with other processes, if any, scoped to this client.
    pub(super) shared: Option<Arc<SharedCache>>,
    /// When `clear_cache` last ran, in epoch milliseconds: older shared entries are not taken.
    pub(super) cleared_at: AtomicU64,
    pub(super) coalescer: Option<Coalescer<SharedOutcome>>,
    /// Who the client's own `auth` speaks for in cache and coalescing keys
    /// ([`cache_key::identity_key`]), or empty without one.
    pub(super) identity: String,
}

impl std::fmt::Debug for AemClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AemClient")
            .field("service_url", &self.service_url)
            .field("endpoint", &self.endpoint)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field(
                "credential_names",
                &self.credentials.keys().collect::<Vec<_>>(),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("cache", &self.cache.is_some())
            .field("coalesce", &self.coalescer.is_some())
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// A successful answer from AEM, or from the response cache.
#[derive(Debug, Clone)]
pub struct Response {
    /// The body, checked to be JSON without GraphQL `errors`.
    pub body: String,
    /// The HTTP status (2xx).
    pub status: u16,
    /// How many attempts were made, retries included; 0 when the cache answered.
    pub attempts: u32,
    /// Whether the answer came from the response cache.
    pub cached: bool,
    /// Whether the answer was another caller's, coalesced with this call's: this call sent no
    /// request of its own.
    pub coalesced: bool,
    /// The HTTP version of the response (`1.1`, `2`); `None` when the cache answered.
    pub http_version: Option<&'static str>,
    /// Why a stale cached answer was served, when one was.
    pub stale: Option<StaleReason>,
    /// A raw answer's body held unread for the caller, to hand over (see [`raw_answer`]).
    pub held: Option<Handover>,
}

/// Why a stale cached answer was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleReason {
    /// Within `stale-while-revalidate`: served at once while one request revalidates it.
    WhileRevalidate,
    /// Within `stale-if-error`: AEM failed (5xx, no connection, a timeout).
    IfError,
}

impl StaleReason {
    /// The reason as logs and spans name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WhileRevalidate => "stale-while-revalidate",
            Self::IfError => "stale-if-error",
        }
    }
}

/// A body with its status and attempts, as callers of one coalesced request share it.
#[derive(Debug, Clone)]
pub(super) struct SharedBody {
    pub(super) body: Arc<str>,
    pub(super) status: u16,
    pub(super) attempts: u32,
    pub(super) http_version: Option<&'static str>,
    /// Whether the body is the cache's, revalidated by a 304.
    pub(super) revalidated: bool,
    /// A raw answer's body held for its caller, unread.
    pub(super) held: Option<Handover>,
}

/// The outcome of a request that callers share: a body, or the error.
pub(super) type SharedOutcome = std::result::Result<SharedBody, Arc<Error>>;

/// An answer whose body streams to its caller ([`AemClient::send_streamed`]).
#[derive(Debug)]
pub struct Streamed {
    /// The HTTP status.
    pub status: u16,
    /// The URL that answered.
    pub url: String,
    /// Whether redirects led there.
    pub redirected: bool,
    /// Whether the client's credentials went there (it is on AEM's origin, as every hop before).
    pub credentialed: bool,
    /// How many requests were sent, retries and redirects included.
    pub attempts: u32,
    /// The body, held unread for the caller; `None` through the native client.
    pub body: Option<HeldBody>,
}

/// How a [`AemClient::put_file`] ended.
#[derive(Debug)]
pub struct FilePut {
    /// The last answer's status.
    pub status: u16,
    /// The requests sent.
    pub attempts: u32,
    /// The last answer's body, up to 64 KiB (an error's text).
    pub body: String,
}

/// What [`AemClient::fetch`] got: the answer, and what may be kept of it.
pub(super) struct Fetched {
    pub(super) body: String,
    pub(super) status: u16,
    pub(super) attempts: u32,
    pub(super) http_version: Option<&'static str>,
    /// With the cache on, for a 200 or 304 from AEM's own origin: its caching headers.
    pub(super) cache_headers: Option<CacheHeaders>,
    /// A raw answer's body held unread for the caller.
    pub(super) held: Option<Handover>,
}

impl AemClient {
    /// Builds a client: validates headers and auth, and builds the HTTP client with its pool.
    pub fn new(config: ClientConfig) -> Result<Self> {
        if holds_userinfo(&config.service_url) {
            return Err(Error::InvalidParam(format!(
                "serviceURL {} must not hold a user name or password: pass auth: [user, password] instead",
                without_userinfo(&config.service_url)
            )));
        }
        let mut credentials = parse_headers(&config.headers)?;
        let mut headers = HeaderMap::with_capacity(1);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // A Content-Type of the client's goes everywhere its default would.
        if let Some(content_type) = credentials.remove(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, content_type);
        }
        if let Some(auth) = &config.auth {
            credentials.insert(AUTHORIZATION, auth.header_value()?);
        }
        let identity = credentials
            .get(AUTHORIZATION)
            .map_or_else(String::new, |value| {
                cache_key::identity_key(Speaker::Authorization, value.as_bytes())
            });
        let service_url = normalize_service_url(&config.service_url);
        let origin = Url::parse(&service_url).ok().map(Arc::new);
        let shared = config
            .shared_cache
            .filter(|_| config.cache.is_some())
            .map(|shared| Arc::new(shared.scoped(cache_key::scope_of(&service_url, &credentials))));
        let transport = match config.transport {
            Some(transport) => transport,
            None => Transport::Native(client_for(&HttpConfig {
                trust: config.trust,
                proxy: config.proxy,
            })?),
        };
        Ok(Self {
            app_transport: config.app_transport.unwrap_or_else(|| transport.clone()),
            transport,
            connect_timeout: config.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            headers,
            credentials,
            origin,
            service_url: service_url.clone(),
            endpoint: normalize_endpoint(&config.endpoint).to_owned(),
            retry: config.retry,
            timeout: config.timeout.unwrap_or(DEFAULT_TIMEOUT),
            timeout_configured: config.timeout.is_some(),
            max_body_bytes: config.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            permits: Semaphore::new(
                config
                    .max_concurrent_requests
                    .unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS)
                    .clamp(1, Semaphore::MAX_PERMITS),
            ),
            shared,
            cleared_at: AtomicU64::new(0),
            cache: config.cache.map(ResponseCache::new),
            coalescer: config.coalesce.then(Coalescer::default),
            identity,
        })
    }

    /// Drops every answer the cache holds: an invalidation of everything, hard.
    pub fn clear_cache(&self) {
        let all = crate::cache::tags::Selector {
            all: true,
            ..Default::default()
        };
        self.invalidate_here(&all, true);
    }

    /// The largest response body accepted, in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// The client's retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The service URL, with its trailing `/`.
    pub fn service_url(&self) -> &str {
        &self.service_url
    }

    /// The ad-hoc query endpoint, without a leading `/`; empty when ad-hoc queries are off.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A persisted query run with GET; `variables` are `(name, value as text)` pairs.
    pub fn persisted_query<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        variables: &[(K, V)],
    ) -> AemRequest {
        AemRequest::new(
            Method::GET,
            paths::persisted_query_get_path(path, variables),
            None,
        )
    }

    /// An ad-hoc query: POST to the endpoint with `body`, a JSON `{"query", "variables"?}`.
    /// A client configured with an empty endpoint runs no ad-hoc queries (`INVALID_PARAM`).
    pub fn query(&self, body: String) -> Result<AemRequest> {
        if self.endpoint.is_empty() {
            return Err(Error::InvalidParam(NO_ENDPOINT.to_owned()));
        }
        Ok(AemRequest::new(
            Method::POST,
            self.endpoint.clone(),
            Some(body),
        ))
    }

    /// Sends a request and returns the response body as JSON text. Connection errors, 429 and
    /// 5xx are retried with backoff (a PUT only when the connection failed before anything was
    /// sent); the timeout covers every attempt and the waits between them, and the wait for a
    /// turn when `max_concurrent_requests` are already in flight. Errors say how many attempts
    /// were made.
    ///
    /// With a cache, a persisted-query GET is answered from it while fresh; with coalescing,
    /// identical persisted-query GETs in flight together share one request (its timeout and
    /// retries are the first caller's; each caller still waits no longer than its own timeout).
    pub async fn execute(self: &Arc<Self>, request: AemRequest) -> Result<String> {
        self.send(request).await.map(|response| response.body)
    }

    /// A request to `url` as the loop sends it: `headers` (the call's) over the client's own,
    /// the call's credentials (`Authorization`, `X-Api-Key`, `Cookie`) and the client's (its
    /// `auth` or `token`, its headers) for AEM's origin only. A call's own `Authorization` wins
    /// over `token`, and `token` over the client's `auth`.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one part of a request, as every caller has it"
    )]
    pub fn request_to(
        &self,
        method: Method,
        url: Target,
        headers: &HeaderMap,
        token: Option<&ManagedToken>,
        body: Option<Body>,
        body_replayable: bool,
        redirect: RedirectMode,
        read: BodyRead,
    ) -> Result<Request> {
        let mut everywhere = self.headers.clone();
        let mut credentials = self.credentials.clone();
        if let Some(token) = token {
            credentials.insert(AUTHORIZATION, token.header_value()?);
        }
        for (name, value) in headers {
            if headers::is_credential(name.as_str()) {
                credentials.insert(name, value.clone());
            } else {
                credentials.remove(name);
                everywhere.insert(name, value.clone());
            }
        }
        Ok(Request {
            method,
            url,
            headers: everywhere,
            credentials,
            credential_origin: self.origin.clone(),
            body,
            body_replayable,
            secret_fields: &[],
            redirect,
            read,
            init: None,
        })
    }

    /// How a request is tried: the call's retries and timeouts, or the client's. A PUT or PATCH
    /// is sent again only when its connection failed before anything was sent (persistQuery's
    /// PUT answers 409 when sent twice).
    pub fn attempts_for<'a>(
        &self,
        method: &Method,
        policy: &'a RetryPolicy,
        timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
    ) -> Attempts<'a> {
        Attempts {
            policy,
            repeatable: !matches!(*method, Method::PUT | Method::PATCH),
            timeout: timeout.unwrap_or(self.timeout),
            timeout_on_transport_clock: self.timeout_set(timeout),
            connect_timeout: connect_timeout.unwrap_or(self.connect_timeout),
        }
    }

    /// Whether a request's timeout is one the app set (the call's `timeout`, else the client's):
    /// it then runs on the transport's clock, as the retry waits do; the default runs on the real
    /// clock.
    pub(super) fn timeout_set(&self, timeout: Option<Duration>) -> bool {
        timeout.is_some() || self.timeout_configured
    }

    /// Sends `request` (any URL: the client's credentials go to AEM's origin only) through the
    /// transport of streamed answers, and ends with its answer, its body held unread for the
    /// caller: `authFetch` without the cache. Redirects, retries, the timeout (until the answer's
    /// headers) and `max_concurrent_requests` are every request's.
    pub async fn send_streamed(
        &self,
        request: &Request,
        attempts: Attempts<'_>,
    ) -> Result<Streamed> {
        let turn = async { self.permits.acquire().await.ok() };
        let read = |ended: std::result::Result<Answer, HopFailure>| async {
            let answer = ended.map_err(failure_error)?;
            Ok(Streamed {
                status: answer.incoming.status().as_u16(),
                url: answer.url.as_str().to_owned(),
                redirected: answer.redirected,
                credentialed: answer.credentialed,
                attempts: 0,
                body: answer.incoming.into_held(),
            })
        };
        let (mut streamed, attempts) = send::send(
            &self.app_transport,
            request,
            attempts,
            turn,
            read,
            |after| Error::Timeout { after },
        )
        .await?;
        streamed.attempts = attempts;
        Ok(streamed)
    }

    /// PUTs `range` of a file to `url` (a part of an upload, to a pre-signed URL of the blob
    /// store), its bytes read from disk as they are sent, by every request's rules: the client's
    /// credentials only on AEM's origin (none, then, for the blob store), redirects, retries (a
    /// PUT of a file range can be sent again: it is read anew), the timeout. Through the app's
    /// transport with `through_app`. Resolves with the status, the requests sent and the body
    /// (up to 64 KiB: the blob store's error).
    pub async fn put_file(
        &self,
        url: Url,
        headers: &HeaderMap,
        range: FileRange,
        through_app: bool,
        timeout: Option<Duration>,
    ) -> Result<FilePut> {
        const ERROR_BODY_BYTES: u64 = 64 * 1024;
        let transport = if through_app {
            &self.app_transport
        } else {
            &self.transport
        };
        let request = self.request_to(
            Method::PUT,
            Target::Absolute(url),
            headers,
            None,
            Some(Body::File(range)),
            true,
            RedirectMode::Follow,
            BodyRead::UpTo(ERROR_BODY_BYTES),
        )?;
        let mut attempts = self.attempts_for(&Method::PUT, &self.retry, timeout, None);
        attempts.repeatable = true;
        let turn = async { self.permits.acquire().await.ok() };
        let read = |ended: std::result::Result<Answer, HopFailure>| async {
            let answer = ended.map_err(failure_error)?;
            let status = answer.incoming.status().as_u16();
            let body = match answer.incoming.read_body(ERROR_BODY_BYTES).await {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => String::new(),
            };
            Ok(FilePut {
                status,
                attempts: 0,
                body,
            })
        };
        let (mut put, attempts) = send::send(transport, &request, attempts, turn, read, |after| {
            Error::Timeout { after }
        })
        .await?;
        put.attempts = attempts;
        Ok(put)
    }

    /// Sends a request and returns its answer and, for a 200 from AEM's origin, how long
    /// `Cache-Control` lets it be reused.
    pub(super) async fn fetch(
        &self,
        request: &AemRequest,
        headers: &HeaderMap,
        conditional: bool,
    ) -> Result<Fetched> {
        let transport = self.transport_of(request);
        let url = self.target(&request.endpoint, transport)?;
        let policy = request.retry.unwrap_or(self.retry);
        let attempts = self.attempts_for(
            &request.method,
            &policy,
            request.timeout,
            request.connect_timeout,
        );
        let outgoing = self.request_to(
            request.method.clone(),
            url,
            headers,
            request.token.as_ref(),
            request.body.clone().map(Body::Text),
            true,
            RedirectMode::Follow,
            if request.raw {
                BodyRead::Hold
            } else {
                BodyRead::UpTo(self.max_body_bytes)
            },
        )?;
        // Waiting for a turn counts towards the timeout; the semaphore is never closed.
        let turn = async { self.permits.acquire().await.ok() };
        let read = |ended: std::result::Result<Answer, HopFailure>| async {
            match ended {
                Ok(answer) => self.read(answer, conditional, request.raw).await,
                Err(failure) => Err(failure_error(failure)),
            }
        };
        let (mut fetched, attempts) =
            send::send(transport, &outgoing, attempts, turn, read, |after| {
                Error::Timeout { after }
            })
            .await?;
        fetched.attempts = attempts;
        Ok(fetched)
    }

    /// Reads an answer: its body checked, and its caching headers when the cache is on and AEM's
    /// own origin answered. A 304 is an answer only to a `conditional` request (the cache's
    /// validators); to any other it is an error. A GraphQL body that may be stored is checked in
    /// full (JSON, no `errors`), so that nothing unchecked is kept; any other is checked as far as
    /// it may hold `errors` ([`response::decode_owned`]). An error of an answer from another
    /// origin says which one answered.
    async fn read(&self, answer: Answer, conditional: bool, raw: bool) -> Result<Fetched> {
        let Answer {
            incoming,
            url,
            credentialed,
            ..
        } = answer;
        let status = incoming.status().as_u16();
        let http_version = incoming.http_version();
        let cache_headers =
            (credentialed && self.cache.is_some() && (status == 200 || status == 304))
                .then(|| CacheHeaders::of(incoming.headers()));
        let fetched = |body, cache_headers, held| Fetched {
            body,
            status,
            attempts: 0,
            http_version,
            cache_headers,
            held,
        };
        if status == 304 && conditional {
            return Ok(fetched(String::new(), cache_headers, None));
        }
        let elsewhere = |error: Error| {
            if credentialed {
                error
            } else {
                Error::Elsewhere {
                    url: redact_url(url.as_str()),
                    source: Box::new(error),
                }
            }
        };
        if raw {
            let read = raw_answer::read(incoming, url.as_str(), self.max_body_bytes)
                .await
                .map_err(elsewhere)?;
            let cache_headers = cache_headers.filter(|_| read.storable);
            return Ok(fetched(read.envelope, cache_headers, read.held));
        }
        let request_id = ["x-request-id", "x-vhost-request-id", "x-amz-cf-id"]
            .iter()
            .find_map(|name| incoming.headers().get(*name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = incoming
            .read_body(self.max_body_bytes)
            .await
            .map_err(elsewhere)?;
        let body = response::decode_owned(status, request_id, body, cache_headers.is_some())
            .map_err(elsewhere)?;
        Ok(fetched(body, cache_headers, None))
    }

    /// What carries `request`: the app's transport for a raw answer (any AEM API: its body
    /// streams to its caller) and for a request through the app's, else the client's. Its clock
    /// is the request's: its retries, its timeout and its waits in the cache.
    pub(super) fn transport_of(&self, request: &AemRequest) -> &Transport {
        if request.raw || request.through_app {
            &self.app_transport
        } else {
            &self.transport
        }
    }

    /// Where a request to `endpoint` through `transport` goes: an absolute URL, or through a
    /// `fetch` a path from the root when the service URL is one (Adobe's default `/`), as Adobe's
    /// client sends it.
    fn target(&self, endpoint: &str, transport: &Transport) -> Result<Target> {
        match self.url(endpoint) {
            Ok(url) => Ok(Target::Absolute(url)),
            Err(_)
                if matches!(transport, Transport::Fetch(_))
                    && self.service_url.starts_with('/')
                    && !self.service_url.starts_with("//") =>
            {
                Ok(Target::Relative(format!("{}{endpoint}", self.service_url)))
            }
            Err(error) => Err(error),
        }
    }

    /// The absolute URL of `endpoint`, or why it cannot be sent, as Adobe's client finds it: a
    /// text that is no URL at all is `Invalid URL/path` (its check before fetching), a path from
    /// the root or a scheme other than HTTP(S) is what node-fetch refuses.
    fn url(&self, endpoint: &str) -> Result<Url> {
        let full = format!("{}{endpoint}", self.service_url);
        match Url::parse(&full) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
            Ok(_) => Err(Error::Unsendable("Only HTTP(S) protocols are supported")),
            Err(_) if full.starts_with('/') => {
                Err(Error::Unsendable("Only absolute URLs are supported"))
            }
            Err(_) => Err(Error::InvalidUrl(without_userinfo(&full))),
        }
    }
}
/// The error of a request that ended without an answer.
pub fn failure_error(failure: HopFailure) -> Error {
    match failure {
        HopFailure::Transport(TransportError::Fetch(failure))
            if failure.kind == FetchFailureKind::Answer =>
        {
            Error::FetchAnswer {
                reason: failure.message,
            }
        }
        HopFailure::Transport(source) => Error::Request { source },
        HopFailure::Redirect(refusal) => Error::Redirected {
            status: refusal.status,
            reason: refusal.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn client(config: ClientConfig) -> Result<AemClient> {
        AemClient::new(config)
    }

    #[test]
    fn normalizes_service_url_and_endpoint() {
        let c = client(ClientConfig {
            service_url: "https://publish.example".into(),
            endpoint: "/content/graphql/global/endpoint.json".into(),
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(c.service_url(), "https://publish.example/");
        assert_eq!(c.endpoint(), "content/graphql/global/endpoint.json");
        assert_eq!(
            c.url(&c.persisted_query("a/b", &[("x", "1")]).endpoint)
                .unwrap()
                .as_str(),
            "https://publish.example/graphql/execute.json/a/b%3Bx%3D1;"
        );
    }

    #[test]
    fn refuses_headers_with_crlf_without_echoing_values() {
        let err = client(ClientConfig {
            service_url: "https://h".into(),
            headers: vec![("X-Evil".into(), "a\r\nInjected: secret-value".into())],
            ..ClientConfig::default()
        })
        .unwrap_err();
        assert_eq!(err.code().as_str(), "INVALID_PARAM");
        assert!(err.to_string().contains("X-Evil"));
        assert!(!err.to_string().contains("secret-value"));
        let err = client(ClientConfig {
            service_url: "https://h".into(),
            auth: Some(Auth::Bearer(Secret::new("tok\nen-SECRET"))),
            ..ClientConfig::default()
        })
        .unwrap_err();
        assert!(!err.to_string().contains("SECRET"));
    }

    #[test]
    fn an_empty_endpoint_means_persisted_queries_only() {
        let c = client(ClientConfig {
            service_url: "https://h".into(),
            endpoint: String::new(),
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(c.query("{}".into()).unwrap_err().to_string(), NO_ENDPOINT);
        let c = client(ClientConfig {
            service_url: "https://h".into(),
            endpoint: "/content/graphql/global/endpoint.json".into(),
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(
            c.query("{}".into()).unwrap().endpoint,
            "content/graphql/global/endpoint.json"
        );
    }

    #[test]
    fn user_info_in_the_service_url_is_refused_without_showing_it() {
        for url in [
            "https://admin:Pa55/w0rd#x@host/",
            "https://admin:Pa55w0rd@host/",
        ] {
            let err = client(ClientConfig {
                service_url: url.into(),
                ..ClientConfig::default()
            })
            .unwrap_err();
            assert_eq!(err.code().as_str(), "INVALID_PARAM");
            let message = err.to_string();
            assert!(message.contains("https://***@host/"), "{message}");
            assert!(!message.contains("Pa55"), "{message}");
        }
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let config = ClientConfig {
            service_url: "https://publish.example".into(),
            auth: Some(Auth::Basic {
                user: "admin".into(),
                password: Secret::new("basic-SECRET"),
            }),
            headers: vec![
                ("Authorization".into(), "Bearer header-SECRET".into()),
                ("X-Api-Key".into(), "key-SECRET".into()),
            ],
            proxy: Some("http://user:proxy-SECRET@127.0.0.1:3128".into()),
            ..ClientConfig::default()
        };
        let mut request = client(ClientConfig {
            service_url: "https://publish.example".into(),
            ..ClientConfig::default()
        })
        .unwrap()
        .persisted_query("a/b", &[("x", "1")]);
        request.headers = vec![("Authorization".into(), "Bearer call-SECRET".into())];
        let aem = client(ClientConfig {
            proxy: None,
            ..config.clone()
        })
        .unwrap();
        for debug in [
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{request:?}"),
            format!("{aem:?}"),
        ] {
            assert!(!debug.contains("SECRET"), "{debug}");
            assert!(
                !debug.contains("YWRtaW46"),
                "no Basic credentials either: {debug}"
            );
        }
        assert!(format!("{config:?}").contains("\"X-Api-Key\": \"[redacted]\""));
    }

    #[test]
    fn a_url_is_refused_at_call_time_as_adobes_client_refuses_it() {
        let refusal = |service_url: &str| {
            client(ClientConfig {
                service_url: service_url.into(),
                ..ClientConfig::default()
            })
            .unwrap()
            .url("graphql/list.json")
            .unwrap_err()
        };
        let relative = refusal("/");
        assert_eq!(relative.code().as_str(), "REQUEST_ERROR");
        assert_eq!(relative.to_string(), "Only absolute URLs are supported");
        let ftp = refusal("ftp://aem.example");
        assert_eq!(ftp.to_string(), "Only HTTP(S) protocols are supported");
        let none = refusal("not a url");
        assert_eq!(none.code().as_str(), "INVALID_PARAM");
        assert_eq!(
            none.to_string(),
            "Invalid URL/path: not a url/graphql/list.json"
        );
    }
}
