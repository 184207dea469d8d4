//! The AEM GraphQL client: one pooled HTTP client, the configured service URL, endpoint, auth
//! and headers, shared by every call.

use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE,
    IF_NONE_MATCH,
};
use reqwest::{Method, Url};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::aem::paths::{self, normalize_endpoint, normalize_service_url};
use crate::aem::raw_answer;
use crate::aem::response;
use crate::cache::coalesce::Coalescer;
use crate::cache::local::{CacheConfig, Lookup, Refreshed, ResponseCache, StaleEntry};
use crate::cache::policy::{self, CacheHeaders, Validators};
use crate::cache::shared::{Lease, SharedCache};
use crate::error::{Error, Result};
use crate::http::failure::{FetchFailureKind, TransportError};
use crate::http::headers::TRACE_CONTEXT_HEADERS;
use crate::http::pool::{DEFAULT_CONNECT_TIMEOUT, HttpConfig, client_for};
use crate::http::retry::{Attempts, RetryPolicy, send_with_retries};
use crate::http::tls::Trust;
use crate::http::transport::{Incoming, Outgoing, Target, Transport};
use crate::http::url::{holds_userinfo, without_userinfo};
use crate::secret::Secret;

/// How requests to AEM are authorized.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)`, for a local AEM SDK author.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: Secret,
    },
}

impl Auth {
    /// The `Authorization` value: `Bearer <token>`, or Basic over ISO-8859-1 bytes as `btoa` makes it.
    pub(crate) fn header_value(&self) -> Result<HeaderValue> {
        use base64::Engine as _;
        let text = match self {
            Self::Bearer(token) => format!("Bearer {}", token.expose()),
            Self::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(latin1(&format!("{user}:{}", password.expose()))?)
            ),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            Error::InvalidParam(
                "auth contains characters that cannot be sent in a header (CR, LF or control characters)"
                    .to_owned(),
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// `text` as ISO-8859-1 bytes, one per character, as `btoa` (which Adobe's client encodes Basic
/// credentials with) takes it: `ä` is the byte 0xE4, not UTF-8's two bytes. A character past
/// U+00FF cannot be sent that way (`btoa` throws), so it is an `INVALID_PARAM` that names no
/// character of the secret.
fn latin1(text: &str) -> Result<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| {
            Error::InvalidParam(
                "auth: a Basic user name or password can only hold characters up to U+00FF (ISO-8859-1), as btoa and Adobe's client take them".to_owned(),
            )
        })
}

/// Why `query` refuses when the endpoint is empty.
pub const NO_ENDPOINT: &str = "this client has no GraphQL endpoint (it was built with endpoint: ''), so it runs persisted queries only";

/// Validates header names and values; an `Authorization` value is marked sensitive. A later
/// header replaces an earlier one of the same name. Errors name the header, never its value.
pub(crate) fn parse_headers<'a>(
    headers: impl IntoIterator<Item = &'a (String, String)>,
) -> Result<HeaderMap> {
    let headers = headers.into_iter();
    let mut map = HeaderMap::with_capacity(headers.size_hint().0);
    for (name, value) in headers {
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::InvalidParam(format!("headers: {name:?} is not a valid header name"))
        })?;
        let mut header_value = HeaderValue::from_str(value).map_err(|_| {
            Error::InvalidParam(format!(
                "headers: the value of {name:?} contains characters that cannot be sent (CR, LF or control characters)"
            ))
        })?;
        if header_name == AUTHORIZATION {
            header_value.set_sensitive(true);
        }
        map.insert(header_name, header_value);
    }
    Ok(map)
}

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
            .field("shared_cache", shared_cache)
            .finish()
    }
}

/// Header names with their values left out, for `Debug`: any of them may be a credential.
struct RedactedHeaders<'a>(&'a [(String, String)]);

impl std::fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "[redacted]")))
            .finish()
    }
}

/// The default bound on requests in flight per client.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 256;

/// The default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default response body limit.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// One request to AEM, relative to the service URL. `Debug` shows no header value.
#[derive(Clone)]
pub struct AemRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path relative to the service URL, e.g. `graphql/execute.json/wknd/q`.
    pub endpoint: String,
    /// The body, if any (JSON or query text).
    pub body: Option<String>,
    /// Headers for this request only, over the client's (an `Authorization` here replaces the
    /// client's auth).
    pub headers: Vec<(String, String)>,
    /// The trace context of this request (`traceparent`, `tracestate`, or whatever else the
    /// app's propagator writes), sent over `headers`. It differs from call to call, so the
    /// response cache and coalescing leave it out of their key.
    pub trace_headers: Vec<(String, String)>,
    /// Retries for this request instead of the client's.
    pub retry: Option<RetryPolicy>,
    /// A timeout for this request instead of the client's.
    pub timeout: Option<Duration>,
    /// A connect timeout for this request instead of the client's.
    pub connect_timeout: Option<Duration>,
    /// Whom this request's `Authorization` speaks for, when it is a managed token (the
    /// credentials' identity, no secret): cached answers are then keyed by it, the same in every
    /// process and across token renewals, instead of by a digest of the token.
    pub identity: Option<String>,
    /// An answer of any AEM API, not a GraphQL one: a 2xx body is not checked as GraphQL but
    /// handed back as it came, in a JSON envelope `{"type", "etag", "text"}` (`"binary": true`
    /// instead of `text` for a body that is not UTF-8, which is then not cached). With the cache
    /// on, such GETs are cached like persisted queries.
    pub raw: bool,
}

impl std::fmt::Debug for AemRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            method,
            endpoint,
            body,
            headers,
            trace_headers,
            retry,
            timeout,
            connect_timeout,
            identity,
            raw,
        } = self;
        f.debug_struct("AemRequest")
            .field("method", method)
            .field("endpoint", endpoint)
            .field("body", body)
            .field("headers", &RedactedHeaders(headers))
            .field("trace_headers", &RedactedHeaders(trace_headers))
            .field("retry", retry)
            .field("timeout", timeout)
            .field("connect_timeout", connect_timeout)
            .field("identity", identity)
            .field("raw", raw)
            .finish()
    }
}

/// A client for AEM's GraphQL APIs. `Debug` shows its settings, not its headers or auth.
pub struct AemClient {
    transport: Transport,
    /// The connect timeout of a call that sets none.
    connect_timeout: Duration,
    /// Headers of every request: `Content-Type`, the auth and the configured headers.
    headers: HeaderMap,
    service_url: String,
    endpoint: String,
    retry: RetryPolicy,
    timeout: Duration,
    max_body_bytes: u64,
    permits: Semaphore,
    cache: Option<ResponseCache>,
    /// The store the cache shares with other processes, if any, scoped to this client.
    shared: Option<Arc<SharedCache>>,
    /// When `clear_cache` last ran, in epoch milliseconds: older shared entries are not taken.
    cleared_at: AtomicU64,
    coalescer: Option<Coalescer<SharedOutcome>>,
    /// Who the client's own `Authorization` speaks for, in cache and coalescing keys.
    identity: String,
}

impl std::fmt::Debug for AemClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AemClient")
            .field("service_url", &self.service_url)
            .field("endpoint", &self.endpoint)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
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
struct SharedBody {
    body: Arc<str>,
    status: u16,
    attempts: u32,
    http_version: Option<&'static str>,
    /// Whether the body is the cache's, revalidated by a 304.
    revalidated: bool,
}

/// The outcome of a request that callers share: a body, or the error.
type SharedOutcome = std::result::Result<SharedBody, Arc<Error>>;

/// What [`AemClient::fetch`] got: the answer, and with the cache on, for a 200 or 304, its
/// caching headers.
struct Fetched {
    body: String,
    status: u16,
    attempts: u32,
    http_version: Option<&'static str>,
    cache_headers: Option<CacheHeaders>,
}

/// A background revalidation under way; dropped (done, failed or cancelled), it ends.
struct RevalidationClaim {
    client: Arc<AemClient>,
    key: String,
}

impl Drop for RevalidationClaim {
    fn drop(&mut self) {
        if let Some(cache) = &self.client.cache {
            cache.end_revalidation(&self.key);
        }
    }
}

/// A held lease of the shared store, given back when dropped: however the fetch under it
/// ends (an answer, an error, an abort).
struct LeaseRelease {
    shared: Arc<SharedCache>,
    lease: Lease,
}

impl Drop for LeaseRelease {
    fn drop(&mut self) {
        if !matches!(self.lease, Lease::Held(_)) {
            return;
        }
        let (shared, lease) = (Arc::clone(&self.shared), self.lease);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { shared.release(lease).await });
        }
    }
}

/// An answer from the cache: `attempts` made to AEM for it (a stale-if-error answer's), and why
/// it was served stale, if it was.
fn from_cache(body: &str, attempts: u32, stale: Option<StaleReason>) -> Response {
    Response {
        body: body.to_owned(),
        status: 200,
        attempts,
        cached: true,
        coalesced: false,
        http_version: None,
        stale,
    }
}

/// How often a process that waits for another's answer looks in the shared store.
const SHARED_POLL: Duration = Duration::from_millis(50);
/// The longest a lease of the shared store lasts: a holder that dies holds up the others no
/// longer than this.
const MAX_LEASE: Duration = Duration::from_secs(10);

/// The prefix of persisted-query endpoints, the requests that may be cached and coalesced.
const PERSISTED_QUERY_PREFIX: &str = "graphql/execute.json/";

/// Appends `field` to a key as `<length in bytes>:<field>`.
fn push_field(key: &mut String, field: &str) {
    use std::fmt::Write as _;
    let _ = write!(key, "{}:{field}", field.len());
}

/// What a client's answers depend on besides a request's key: its service URL and its own
/// headers but `Authorization` (names lower-cased, sorted), for the shared store's keys.
fn scope_of(service_url: &str, headers: &HeaderMap) -> String {
    let mut pairs: Vec<(&str, &[u8])> = headers
        .iter()
        .filter(|(name, _)| **name != AUTHORIZATION)
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    pairs.sort_unstable();
    let mut scope = String::new();
    push_field(&mut scope, service_url);
    for (name, value) in pairs {
        push_field(&mut scope, name);
        push_field(&mut scope, &String::from_utf8_lossy(value));
    }
    scope
}

/// A digest of an `Authorization` value: keys tell identities apart without holding secrets.
fn identity_of(authorization: &[u8]) -> String {
    use base64::Engine as _;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, authorization);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
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
        let mut headers = parse_headers(&config.headers)?;
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(auth) = &config.auth {
            headers.insert(AUTHORIZATION, auth.header_value()?);
        }
        let identity = headers
            .get(AUTHORIZATION)
            .map_or_else(String::new, |value| identity_of(value.as_bytes()));
        let service_url = normalize_service_url(&config.service_url);
        let shared = config
            .shared_cache
            .filter(|_| config.cache.is_some())
            .map(|shared| Arc::new(shared.scoped(scope_of(&service_url, &headers))));
        let transport = match config.transport {
            Some(transport) => transport,
            None => Transport::Native(client_for(&HttpConfig {
                trust: config.trust,
                proxy: config.proxy,
            })?),
        };
        Ok(Self {
            transport,
            connect_timeout: config.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            headers,
            service_url: service_url.clone(),
            endpoint: normalize_endpoint(&config.endpoint).to_owned(),
            retry: config.retry,
            timeout: config.timeout.unwrap_or(DEFAULT_TIMEOUT),
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

    /// Drops every cached response; entries in the shared store from before are not taken again
    /// by this client (other processes clear their own).
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.cache {
            cache.clear();
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.cleared_at.store(now + 1, Ordering::Relaxed);
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
        AemRequest {
            method: Method::GET,
            endpoint: paths::persisted_query_get_path(path, variables),
            body: None,
            headers: Vec::new(),
            trace_headers: Vec::new(),
            retry: None,
            timeout: None,
            connect_timeout: None,
            identity: None,
            raw: false,
        }
    }

    /// An ad-hoc query: POST to the endpoint with `body`, a JSON `{"query", "variables"?}`.
    /// A client configured with an empty endpoint runs no ad-hoc queries (`INVALID_PARAM`).
    pub fn query(&self, body: String) -> Result<AemRequest> {
        if self.endpoint.is_empty() {
            return Err(Error::InvalidParam(NO_ENDPOINT.to_owned()));
        }
        Ok(AemRequest {
            method: Method::POST,
            endpoint: self.endpoint.clone(),
            body: Some(body),
            headers: Vec::new(),
            trace_headers: Vec::new(),
            retry: None,
            timeout: None,
            connect_timeout: None,
            identity: None,
            raw: false,
        })
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

    /// [`AemClient::execute`], with the status, the number of attempts and whether the cache
    /// answered.
    pub async fn send(self: &Arc<Self>, request: AemRequest) -> Result<Response> {
        // Headers are checked before the cache is asked: a bad value is refused, not answered.
        let headers = parse_headers(request.headers.iter().chain(&request.trace_headers))?;
        let Some(key) = self.shared_key(&request) else {
            let fetched = self.fetch(&request, &headers, false).await?;
            return Ok(Response {
                body: fetched.body,
                status: fetched.status,
                attempts: fetched.attempts,
                cached: false,
                coalesced: false,
                http_version: fetched.http_version,
                stale: None,
            });
        };
        let mut lookup = self.cache.as_ref().map_or(Lookup::Miss, |c| c.lookup(&key));
        // What another process put in the shared store, when there is nothing to serve here.
        if !matches!(
            &lookup,
            Lookup::Fresh(_)
                | Lookup::Stale(StaleEntry {
                    while_revalidate: true,
                    ..
                })
        ) && let Some(adopted) = self.adopt_shared(&key).await
        {
            lookup = adopted;
        }
        let stale = match lookup {
            Lookup::Fresh(body) => return Ok(from_cache(&body, 0, None)),
            Lookup::Stale(entry) => Some(entry),
            Lookup::Miss => None,
        };
        if let Some(entry) = stale.as_ref().filter(|entry| entry.while_revalidate) {
            self.revalidate_in_background(&key, &request, &headers, &entry.validators);
            return Ok(from_cache(
                &entry.body,
                0,
                Some(StaleReason::WhileRevalidate),
            ));
        }
        // Set by whichever caller runs the request: with coalescing, maybe another.
        let sent = AtomicBool::new(false);
        let fetch_and_store = || async {
            sent.store(true, Ordering::Relaxed);
            self.fetch_leased(&key, &request, &headers, stale.as_ref(), true)
                .await
                .map_err(Arc::new)
        };
        let outcome = match &self.coalescer {
            None => fetch_and_store().await,
            Some(coalescer) => {
                let timeout = request.timeout.unwrap_or(self.timeout);
                tokio::time::timeout(timeout, coalescer.run(&key, fetch_and_store))
                    .await
                    .unwrap_or_else(|_| Err(Arc::new(Error::Timeout { after: timeout })))
            }
        };
        match outcome {
            Ok(shared) => Ok(Response {
                body: shared.body.to_string(),
                status: shared.status,
                attempts: shared.attempts,
                cached: shared.revalidated,
                coalesced: !sent.load(Ordering::Relaxed),
                http_version: shared.http_version,
                stale: None,
            }),
            // Within stale-if-error, AEM's failure is answered with the stale entry.
            Err(error) if error.is_outage() && stale.as_ref().is_some_and(|e| e.if_error) => {
                let body = stale.as_ref().map_or("", |entry| &*entry.body);
                let attempts = error.details().attempts.unwrap_or(1);
                Ok(from_cache(body, attempts, Some(StaleReason::IfError)))
            }
            Err(error) => Err(Arc::try_unwrap(error).unwrap_or_else(Error::Shared)),
        }
    }

    /// Revalidates `key` in the background, unless a revalidation of it is under way: the
    /// stale-while-revalidate answer does not wait for it.
    fn revalidate_in_background(
        self: &Arc<Self>,
        key: &str,
        request: &AemRequest,
        headers: &HeaderMap,
        validators: &Validators,
    ) {
        let Some(cache) = &self.cache else { return };
        if !cache.begin_revalidation(key) {
            return;
        }
        let claim = RevalidationClaim {
            client: Arc::clone(self),
            key: key.to_owned(),
        };
        let (request, headers) = (request.clone(), headers.clone());
        let stale = StaleEntry {
            body: Arc::from(""),
            validators: validators.clone(),
            while_revalidate: true,
            if_error: false,
        };
        tokio::spawn(async move {
            let RevalidationClaim { client, key } = &claim;
            // Another process may have revalidated it already.
            if let Some(Lookup::Fresh(_)) = client.adopt_shared(key).await {
                return;
            }
            // A failure leaves the stale entry as it is (a 4xx removes it): the next call past
            // the window tries again.
            let _ = client
                .fetch_leased(key, &request, &headers, Some(&stale), false)
                .await;
        });
    }

    /// The shared store's entry for `key`, put in the local cache, as the local cache now has
    /// it; `None` without a store or an entry there (or one stored before `clear_cache`).
    async fn adopt_shared(&self, key: &str) -> Option<Lookup> {
        let (shared, cache) = (self.shared.as_ref()?, self.cache.as_ref()?);
        let (body, policy, stored_at) = shared.read(key).await?;
        if stored_at < self.cleared_at.load(Ordering::Relaxed) {
            return None;
        }
        cache.put(key.to_owned(), body, policy);
        Some(cache.lookup(key))
    }

    /// [`AemClient::fetch_and_store`] by one process at a time: under the shared store's lease
    /// when there is one, given back however the fetch ends. While another process holds it,
    /// this one serves a stale entry within `stale-if-error` at once; else it looks for the
    /// holder's answer in the store, and takes the lease itself once it is free (the holder
    /// stored nothing, failed or died), for half the request's timeout, then asks AEM anyway.
    /// Without `wait` (a
    /// background revalidation), a held lease means nothing to do.
    async fn fetch_leased(
        &self,
        key: &str,
        request: &AemRequest,
        headers: &HeaderMap,
        stale: Option<&StaleEntry>,
        wait: bool,
    ) -> Result<SharedBody> {
        let validators = stale.map(|entry| &entry.validators);
        let Some(shared) = &self.shared else {
            return self
                .fetch_and_store(key, request, headers, validators)
                .await;
        };
        let timeout = request.timeout.unwrap_or(self.timeout);
        // Half the timeout for the holder's answer: the other half for asking AEM itself.
        let deadline = tokio::time::Instant::now() + timeout / 2;
        let lease_for = timeout.min(MAX_LEASE);
        loop {
            match shared.lease(key, lease_for).await {
                Lease::Busy if !wait => return Err(Error::Aborted),
                Lease::Busy if stale.is_some_and(|entry| entry.if_error) => {
                    return Err(Error::Timeout { after: timeout });
                }
                Lease::Busy => {
                    if tokio::time::Instant::now() + SHARED_POLL >= deadline {
                        return self
                            .fetch_and_store(key, request, headers, validators)
                            .await;
                    }
                    tokio::time::sleep(SHARED_POLL).await;
                    if let Some(Lookup::Fresh(body)) = self.adopt_shared(key).await {
                        return Ok(SharedBody {
                            body,
                            status: 200,
                            attempts: 0,
                            http_version: None,
                            revalidated: true,
                        });
                    }
                }
                lease => {
                    let _release = LeaseRelease {
                        shared: Arc::clone(shared),
                        lease,
                    };
                    return self
                        .fetch_and_store(key, request, headers, validators)
                        .await;
                }
            }
        }
    }

    /// Sends the request (with the cache's `validators`, conditionally) and stores what comes
    /// back: a 200 as the new entry, a 304 as the stored entry the 304 renews. A 200 that may not
    /// be stored, and a 403, 404 or 410, remove the entry here and in the shared store.
    async fn fetch_and_store(
        &self,
        key: &str,
        request: &AemRequest,
        headers: &HeaderMap,
        validators: Option<&Validators>,
    ) -> Result<SharedBody> {
        let conditional = validators.filter(|v| v.any()).map(|validators| {
            let mut with = headers.clone();
            for (name, value) in [
                (IF_NONE_MATCH, &validators.etag),
                (IF_MODIFIED_SINCE, &validators.last_modified),
            ] {
                if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    with.insert(name, value);
                }
            }
            with
        });
        let fetched = match self
            .fetch(
                request,
                conditional.as_ref().unwrap_or(headers),
                conditional.is_some(),
            )
            .await
        {
            Ok(fetched) => fetched,
            Err(error) => {
                if matches!(error.status(), Some(403 | 404 | 410)) {
                    self.forget(key).await;
                }
                return Err(error);
            }
        };
        if fetched.status == 304 {
            let refreshed = match (&self.cache, &fetched.cache_headers) {
                (Some(cache), Some(not_modified)) => cache.refresh(key, not_modified),
                _ => None,
            };
            let body = match refreshed {
                Some(Refreshed::Renewed(body, policy)) => {
                    if let Some(shared) = &self.shared {
                        shared.write(key, &body, &policy).await;
                    }
                    body
                }
                Some(Refreshed::Forbidden(body)) => {
                    if let Some(shared) = &self.shared {
                        shared.forget(key).await;
                    }
                    body
                }
                // Evicted meanwhile: asked again once, unconditionally (a 304 then is an error).
                None => {
                    let fetched = self.fetch(request, headers, false).await?;
                    return Ok(self.store(key, fetched).await);
                }
            };
            return Ok(SharedBody {
                body,
                status: 200,
                attempts: fetched.attempts,
                http_version: fetched.http_version,
                revalidated: true,
            });
        }
        Ok(self.store(key, fetched).await)
    }

    /// Stores a 200 as the entry under `key` (here and in the shared store), or removes the
    /// entry when the answer may not be stored.
    async fn store(&self, key: &str, fetched: Fetched) -> SharedBody {
        let body: Arc<str> = fetched.body.into();
        if let Some(cache) = &self.cache {
            let policy = fetched
                .cache_headers
                .as_ref()
                .and_then(|headers| policy::policy_of(headers, cache.stale_defaults()));
            match policy {
                Some(policy) => {
                    if let Some(shared) = &self.shared {
                        shared.write(key, &body, &policy).await;
                    }
                    cache.put(key.to_owned(), Arc::clone(&body), policy);
                }
                None => self.forget(key).await,
            }
        }
        SharedBody {
            body,
            status: fetched.status,
            attempts: fetched.attempts,
            http_version: fetched.http_version,
            revalidated: false,
        }
    }

    /// Removes the entry under `key`, here and in the shared store.
    async fn forget(&self, key: &str) {
        if let Some(cache) = &self.cache {
            cache.remove(key);
        }
        if let Some(shared) = &self.shared {
            shared.forget(key).await;
        }
    }

    /// The key that identical persisted-query GETs share for caching and coalescing: the
    /// endpoint, a digest of the `Authorization` in force, and the call's other headers (names
    /// lower-cased, sorted), every field prefixed with its length so that no two different
    /// header sets give one key. The trace context is left out: `trace_headers`, and the
    /// [`TRACE_CONTEXT_HEADERS`] a caller sets among its headers. `None` for other requests, for
    /// a call whose headers keep it away from stored answers
    /// ([`policy::request_bypasses_cache`]), or when neither is on.
    fn shared_key(&self, request: &AemRequest) -> Option<String> {
        if (self.cache.is_none() && self.coalescer.is_none())
            || request.method != Method::GET
            || !(request.raw || request.endpoint.starts_with(PERSISTED_QUERY_PREFIX))
        {
            return None;
        }
        let mut identity = None;
        let mut others: Vec<(String, &str)> = Vec::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            if policy::request_bypasses_cache(name, value) {
                return None;
            }
            if name.eq_ignore_ascii_case("authorization") {
                let speaks_for = request.identity.as_deref().unwrap_or(value);
                identity = Some(identity_of(speaks_for.as_bytes()));
            } else if !TRACE_CONTEXT_HEADERS
                .iter()
                .any(|trace| name.eq_ignore_ascii_case(trace))
            {
                // Each call's own trace context is not part of what the answer depends on.
                others.push((name.to_ascii_lowercase(), value));
            }
        }
        others.sort_unstable();
        let identity = identity.as_deref().unwrap_or(&self.identity);
        let mut key = String::with_capacity(request.endpoint.len() + identity.len() + 16);
        // A raw answer's envelope and a GraphQL body of one URL are different entries. The
        // envelope's version is in its name: processes of an older release, sharing a store
        // while a deployment rolls, never read each other's envelopes.
        push_field(
            &mut key,
            if request.raw {
                "raw-answer-2"
            } else {
                "graphql"
            },
        );
        push_field(&mut key, &request.endpoint);
        push_field(&mut key, identity);
        for (name, value) in others {
            push_field(&mut key, &name);
            push_field(&mut key, value);
        }
        Some(key)
    }

    /// Sends a request and returns its answer and, for a 200, how long `Cache-Control` lets it
    /// be reused.
    async fn fetch(
        &self,
        request: &AemRequest,
        headers: &HeaderMap,
        conditional: bool,
    ) -> Result<Fetched> {
        let url = self.target(&request.endpoint)?;
        let policy = request.retry.unwrap_or(self.retry);
        let attempts = Attempts {
            policy: &policy,
            // persistQuery's PUT answers 409 when sent twice: only a failed connection is retried.
            repeatable: !matches!(request.method, Method::PUT | Method::PATCH),
            timeout: request.timeout.unwrap_or(self.timeout),
            connect_timeout: request.connect_timeout.unwrap_or(self.connect_timeout),
        };
        // Waiting for a turn counts towards the timeout; the semaphore is never closed.
        let turn = async { self.permits.acquire().await.ok() };
        // The call's headers over the client's, as one map for every attempt.
        let mut merged = self.headers.clone();
        merged.extend(headers.clone());
        let build = || Outgoing {
            method: request.method.clone(),
            url: url.clone(),
            headers: merged.clone(),
            body: request.body.clone(),
            secret_fields: &[],
        };
        let read = |sent: std::result::Result<Incoming, TransportError>| async {
            match sent {
                Err(TransportError::Fetch(failure)) if failure.kind == FetchFailureKind::Answer => {
                    Err(Error::FetchAnswer {
                        reason: failure.message,
                    })
                }
                Err(source) => Err(Error::Request { source }),
                Ok(response) => self.read(response, conditional, request.raw).await,
            }
        };
        let ((body, status, http_version, cache_headers), attempts) =
            send_with_retries(&self.transport, attempts, turn, build, read, |after| {
                Error::Timeout { after }
            })
            .await?;
        Ok(Fetched {
            body,
            status,
            attempts,
            http_version,
            cache_headers,
        })
    }

    /// Reads an answer: its body checked, and its caching headers when the cache is on. A 304
    /// is an answer only to a `conditional` request (the cache's validators); to any other it is
    /// an error.
    async fn read(
        &self,
        response: Incoming,
        conditional: bool,
        raw: bool,
    ) -> Result<(String, u16, Option<&'static str>, Option<CacheHeaders>)> {
        let status = response.status().as_u16();
        let http_version = response.http_version();
        let cache_headers = (self.cache.is_some() && (status == 200 || status == 304))
            .then(|| CacheHeaders::of(response.headers()));
        if status == 304 && conditional {
            return Ok((String::new(), status, http_version, cache_headers));
        }
        if raw {
            let answer = raw_answer::read(response, self.max_body_bytes).await?;
            let cache_headers = cache_headers.filter(|_| answer.storable);
            return Ok((answer.envelope, status, http_version, cache_headers));
        }
        let request_id = ["x-request-id", "x-vhost-request-id", "x-amz-cf-id"]
            .iter()
            .find_map(|name| response.headers().get(*name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.read_body(self.max_body_bytes).await?;
        let body = response::decode_owned(status, request_id, body)?;
        Ok((body, status, http_version, cache_headers))
    }

    /// Where a request to `endpoint` goes: an absolute URL, or through a `fetch` a path from
    /// the root when the service URL is one (Adobe's default `/`), as Adobe's client sends it.
    fn target(&self, endpoint: &str) -> Result<Target> {
        match self.url(endpoint) {
            Ok(url) => Ok(Target::Absolute(url)),
            Err(_) if self.relative_ok() => {
                Ok(Target::Relative(format!("{}{endpoint}", self.service_url)))
            }
            Err(error) => Err(error),
        }
    }

    /// Whether requests may go to a path from the root: a `fetch` transport and a service URL
    /// such as `/` or `/aem/`.
    fn relative_ok(&self) -> bool {
        matches!(self.transport, Transport::Fetch(_))
            && self.service_url.starts_with('/')
            && !self.service_url.starts_with("//")
    }

    fn url(&self, endpoint: &str) -> Result<Url> {
        let full = format!("{}{endpoint}", self.service_url);
        match Url::parse(&full) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
            _ => Err(Error::InvalidParam(format!(
                "Invalid URL/path: {} (serviceURL must be an absolute http:// or https:// URL)",
                without_userinfo(&full)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn per_call_headers_mark_authorization_sensitive() {
        let headers = parse_headers(&[
            ("Authorization".into(), "Bearer t".into()),
            ("X-Trace".into(), "1".into()),
        ])
        .unwrap();
        assert!(headers[AUTHORIZATION].is_sensitive());
        assert!(!headers["x-trace"].is_sensitive());
    }

    #[test]
    fn basic_auth_is_iso_8859_1_as_btoa_makes_it() {
        let basic = |user: &str, password: &str| {
            Auth::Basic {
                user: user.into(),
                password: Secret::new(password),
            }
            .header_value()
        };
        // btoa('admin:pä:ss') in Node.js.
        assert_eq!(
            basic("admin", "pä:ss").unwrap().to_str().unwrap(),
            "Basic YWRtaW46cOQ6c3M="
        );
        let err = basic("admin", "p€ss-SECRET").unwrap_err();
        assert_eq!(err.code().as_str(), "INVALID_PARAM");
        assert!(!err.to_string().contains("SECRET"));
    }

    /// A client with the response cache on, so that persisted-query GETs have a shared key.
    fn cached_client() -> AemClient {
        client(ClientConfig {
            service_url: "https://h".into(),
            cache: Some(CacheConfig::default()),
            ..ClientConfig::default()
        })
        .unwrap()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn shared_keys_of_different_header_sets_differ() {
        let c = cached_client();
        let key = |headers: &[(&str, &str)]| {
            let mut request = c.persisted_query::<&str, &str>("a/b", &[]);
            request.headers = owned(headers);
            c.shared_key(&request).unwrap()
        };
        assert_ne!(key(&[("a", "1\nb:2")]), key(&[("a", "1"), ("b", "2")]));
        assert_ne!(key(&[("a", "1:x")]), key(&[("a:1", "x")]));
        assert_eq!(
            key(&[("X-A", "1"), ("b", "2")]),
            key(&[("b", "2"), ("x-a", "1")])
        );
    }

    #[test]
    fn shared_keys_leave_out_the_trace_context() {
        let c = cached_client();
        let key = |headers: &[(&str, &str)], trace: &[(&str, &str)]| {
            let mut request = c.persisted_query::<&str, &str>("a/b", &[]);
            request.headers = owned(headers);
            request.trace_headers = owned(trace);
            c.shared_key(&request).unwrap()
        };
        let plain = key(&[("x-a", "1")], &[]);
        // Whatever the app's propagator writes: W3C, B3, Jaeger.
        assert_eq!(
            plain,
            key(
                &[("x-a", "1")],
                &[("traceparent", "00-1-2-01"), ("tracestate", "k=v")]
            )
        );
        assert_eq!(
            plain,
            key(
                &[("x-a", "1")],
                &[("x-b3-traceid", "1"), ("uber-trace-id", "1:2:0:1")]
            )
        );
        assert_eq!(
            plain,
            key(&[("x-a", "1"), ("Traceparent", "00-3-4-01")], &[])
        );
        assert_ne!(plain, key(&[("x-a", "1"), ("x-b3-traceid", "1")], &[]));
    }

    #[test]
    fn trace_headers_are_checked_and_replace_headers_of_the_same_name() {
        let headers = parse_headers(
            [("traceparent".to_owned(), "00-from-caller".to_owned())]
                .iter()
                .chain(&[("Traceparent".to_owned(), "00-from-propagator".to_owned())]),
        )
        .unwrap();
        assert_eq!(headers.len(), 1);
        assert_eq!(headers["traceparent"], "00-from-propagator");
        let err = parse_headers(&owned(&[("tracestate", "a\r\nInjected: x")])).unwrap_err();
        assert_eq!(err.code().as_str(), "INVALID_PARAM");
        assert!(err.to_string().contains("tracestate"));
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
    fn a_relative_service_url_is_an_invalid_param_at_call_time() {
        let c = client(ClientConfig {
            service_url: "/".into(),
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(
            c.url("graphql/list.json").unwrap_err().code().as_str(),
            "INVALID_PARAM"
        );
    }
}
