//! `NativeClient`: the long-lived AEM client behind `AEMHeadless`.

use std::collections::HashMap;
use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi_derive::napi;
use reqwest::{Method, Url};
use tokio_util::sync::CancellationToken;

use super::error::to_js_error;
use super::fetch::FetchTransport;
use super::local;
use super::runtime;
use super::text::{JsText, js_text};
use super::trace::trace_headers;
use super::trust::TrustOptions;
use std::time::Duration;

use super::cache_store::CacheStore;
use crate::aem::client::{AemClient, ClientConfig, Response, StaleReason};
use crate::aem::request::{AemRequest, Auth, ManagedToken, parse_headers};
use crate::cache::local::CacheConfig;
use crate::cache::policy::StaleDefaults;
use crate::cache::shared::{SharedCache, SharedCacheConfig};
use crate::cache::tags::Selector;
use crate::error::Error;
use crate::http::file_body::FileRange;
use crate::http::redirect::RedirectMode;
use crate::http::retry::{self, RetryPolicy};
use crate::http::transport::HTTP_VERSIONS;
use crate::http::transport::{Body, BodyRead, Target};
use crate::secret::Secret;

/// The configuration `index.js` passes after applying Adobe's defaults.
#[napi(object)]
pub struct NativeClientConfig {
    /// The AEM host, e.g. `https://publish-p123-e456.adobeaemcloud.com`.
    pub service_url: String,
    /// The GraphQL endpoint for ad-hoc queries.
    pub endpoint: String,
    /// A Bearer token, or a `[user, password]` pair for Basic auth.
    pub auth: Option<Either<String, Vec<String>>>,
    /// Headers sent with every request.
    pub headers: Option<HashMap<String, String>>,
    /// The TLS trust, from Node's inputs.
    pub trust: Option<TrustOptions>,
    /// How failed requests are retried.
    pub retries: Option<RetryOptions>,
    /// The longest a request may take, retries included, in milliseconds. Default 30000.
    pub timeout_ms: Option<f64>,
    /// The longest a connection may take to open, in milliseconds. Default 10000.
    pub connect_timeout_ms: Option<f64>,
    /// The largest response body accepted, in bytes. Default 64 MiB.
    pub max_response_bytes: Option<f64>,
    /// A proxy URL for every request; without it `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply.
    pub proxy: Option<String>,
    /// How many requests may be in flight at once; more wait their turn. Default 256.
    pub max_concurrent_requests: Option<u32>,
    /// Keep persisted-query GET responses for as long as their `Cache-Control` allows.
    pub cache: Option<CacheOptions>,
    /// Let identical persisted-query GETs in flight at the same time share one request.
    pub coalesce: Option<bool>,
}

/// Bounds of the response cache; unset fields keep their defaults.
#[napi(object)]
pub struct CacheOptions {
    /// The most responses kept. Default 1000.
    pub max_entries: Option<u32>,
    /// The most bytes kept, keys and bodies together. Default 64 MiB.
    pub max_bytes: Option<f64>,
    /// Seconds a stale answer is served while it is revalidated, for answers that carry no
    /// `stale-while-revalidate`. Default 0.
    pub stale_while_revalidate: Option<f64>,
    /// Seconds a stale answer is served when AEM fails, for answers that carry no
    /// `stale-if-error`. Default 0.
    pub stale_if_error: Option<f64>,
    /// With a store: the longest a store call may take, in milliseconds. Default 250.
    pub store_timeout_ms: Option<f64>,
    /// With a store: the largest body shared, in bytes. Default 1 MiB.
    pub max_store_bytes: Option<f64>,
    /// The Content Fragment models each persisted query (`conf/name`) lists, for answers whose
    /// list fields are aliased; models are otherwise found in the answers.
    pub models: Option<HashMap<String, Vec<String>>>,
}

fn shared_cache_config(options: &CacheOptions) -> SharedCacheConfig {
    let defaults = SharedCacheConfig::default();
    SharedCacheConfig {
        timeout: millis(options.store_timeout_ms).unwrap_or(defaults.timeout),
        max_bytes: options
            .max_store_bytes
            .filter(|b| b.is_finite() && *b >= 0.0)
            .map_or(defaults.max_bytes, |b| b as usize),
    }
}

fn cache_config(options: &CacheOptions) -> CacheConfig {
    let defaults = CacheConfig::default();
    let seconds = |value: Option<f64>| millis(value.map(|s| s * 1000.0)).unwrap_or_default();
    CacheConfig {
        stale_defaults: StaleDefaults {
            while_revalidate: seconds(options.stale_while_revalidate),
            if_error: seconds(options.stale_if_error),
        },
        max_entries: options.max_entries.map_or(defaults.max_entries, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        }),
        max_bytes: options
            .max_bytes
            .filter(|b| b.is_finite() && *b >= 0.0)
            .map_or(defaults.max_bytes, |b| b as usize),
        declared_models: options.models.clone().unwrap_or_default(),
    }
}

/// Retry settings; unset fields keep their defaults.
#[napi(object)]
pub struct RetryOptions {
    /// Retries after the first attempt. Default 3.
    pub max_retries: Option<u32>,
    /// The backoff ceiling of the first retry, in milliseconds; it doubles each retry. Default 100.
    pub initial_delay_ms: Option<f64>,
    /// The largest backoff ceiling, in milliseconds. Default 5000.
    pub max_delay_ms: Option<f64>,
}

/// A request of `authFetch`, as `NativeClient#authFetch` takes it.
#[napi(object)]
pub struct StreamedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// The request's own headers, names and values in turn (`X-Api-Key` and the managed token
    /// among them go to AEM's origin only).
    pub headers: Vec<String>,
    /// A text body.
    pub body: Option<String>,
    /// The id of a body the JavaScript side holds (a stream, a `Blob`, `FormData`).
    pub body_id: Option<u32>,
    /// The id of fetch options the JavaScript side holds for the request (fields of `init` that no
    /// rule of the core is about: `keepalive`, an undici `dispatcher`, …).
    pub init_id: Option<u32>,
    /// Whether the body can be sent again (a retry, a 307); a text can.
    pub replayable: bool,
    /// fetch's `redirect`: `follow` (the default), `manual` or `error`.
    pub redirect: Option<String>,
    /// The longest the answer's headers may take, retries included, in milliseconds.
    pub timeout_ms: Option<f64>,
    /// Retries for this request.
    pub retries: Option<RetryOptions>,
    /// The client's managed token, for AEM's origin only (unless `headers` hold an
    /// `Authorization`).
    pub token: Option<String>,
}

/// How a request of `authFetch` ended.
#[napi(object)]
pub struct StreamedAnswer {
    /// The id the stream transport holds the answer under; none through the native client.
    pub id: Option<u32>,
    /// The answer's status.
    pub status: u32,
    /// The URL that answered.
    pub url: String,
    /// Whether redirects led there.
    pub redirected: bool,
    /// Whether the client's credentials went there (it is on AEM's origin, as every hop before).
    pub credentialed: bool,
    /// Requests sent, retries and redirects included.
    pub attempts: u32,
}

/// Per-call settings over the client's.
#[napi(object)]
pub struct CallOptions {
    /// Retries for this call.
    pub retries: Option<RetryOptions>,
    /// The timeout of this call, in milliseconds.
    pub timeout_ms: Option<f64>,
    /// The connect timeout of this call, in milliseconds.
    pub connect_timeout_ms: Option<f64>,
    /// An answer of any AEM API: resolve with `{"type", "etag", "text"}` as it came, not a
    /// GraphQL body (`request()`'s cached GETs).
    pub raw: Option<bool>,
}

/// How an answer came, packed into one number so that it crosses into JavaScript without an
/// object, whose properties cost more to make than the rest of the answer:
/// - bits 0–9: the HTTP status;
/// - bits 10–24: the attempts, retries included (0 when the cache answered fresh; at most
///   32,767);
/// - bit 25: with bit 31, the stale reason: 0 stale-while-revalidate, 1 stale-if-error;
/// - bit 26: whether the response cache answered;
/// - bits 27–29: the HTTP version, 1 + its index in [`HTTP_VERSIONS`], or 0 without one;
/// - bit 30: whether another call's request answered this one (coalesced);
/// - bit 31: whether the cache's answer was stale.
fn outcome_code(response: &Response) -> u32 {
    let version = response.http_version.map_or(0, |version| {
        HTTP_VERSIONS
            .iter()
            .position(|known| *known == version)
            .map_or(0, |index| index as u32 + 1)
    });
    u32::from(response.status).min(0x3ff)
        | (response.attempts.min(0x7fff) << 10)
        | (u32::from(response.stale == Some(StaleReason::IfError)) << 25)
        | (u32::from(response.stale.is_some()) << 31)
        | (u32::from(response.cached) << 26)
        | (version << 27)
        | (u32::from(response.coalesced) << 30)
}

/// Milliseconds as a duration; `None` for values that are negative, not finite or too large.
pub(crate) fn millis(ms: Option<f64>) -> Option<Duration> {
    ms.and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
}

fn retry_policy(base: RetryPolicy, options: Option<RetryOptions>) -> RetryPolicy {
    let Some(options) = options else { return base };
    RetryPolicy {
        max_retries: options.max_retries.unwrap_or(base.max_retries),
        initial_delay: millis(options.initial_delay_ms).unwrap_or(base.initial_delay),
        max_delay: millis(options.max_delay_ms).unwrap_or(base.max_delay),
        ..base
    }
}

/// One AEM client: an HTTP connection pool and the configured host, auth and headers.
#[napi]
pub struct NativeClient {
    inner: Arc<AemClient>,
}

#[napi]
impl NativeClient {
    /// Builds the client; fails with `INVALID_PARAM` for bad headers, auth or `ca`. With
    /// `transport`, requests go through that `fetch` instead of the native HTTP client; with
    /// `store` (and `cache`), the response cache is shared with other processes through it;
    /// `stream` carries the requests whose answers stream to their callers (`authFetch`, raw GETs
    /// through the cache).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        config: NativeClientConfig,
        transport: Option<&FetchTransport>,
        store: Option<&CacheStore>,
        stream: Option<&FetchTransport>,
    ) -> napi::Result<Self> {
        let shared_cache = match (store, &config.cache) {
            (Some(store), Some(options)) => Some(Arc::new(SharedCache::new(
                store.store(),
                shared_cache_config(options),
            ))),
            _ => None,
        };
        let auth = match config.auth {
            None => None,
            Some(Either::A(token)) => Some(Auth::Bearer(Secret::new(token))),
            Some(Either::B(pair)) => Some(basic_auth(pair).map_err(to_js_error)?),
        };
        let retry = retry_policy(RetryPolicy::default(), config.retries);
        let core = ClientConfig {
            service_url: config.service_url,
            endpoint: config.endpoint,
            auth,
            headers: config.headers.unwrap_or_default().into_iter().collect(),
            trust: config.trust.into(),
            retry,
            timeout: millis(config.timeout_ms),
            connect_timeout: millis(config.connect_timeout_ms),
            max_body_bytes: config
                .max_response_bytes
                .filter(|b| b.is_finite() && *b >= 0.0)
                .map(|b| b as u64),
            proxy: config.proxy,
            max_concurrent_requests: config
                .max_concurrent_requests
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            cache: config.cache.as_ref().map(cache_config),
            coalesce: config.coalesce.unwrap_or(false),
            transport: transport.map(FetchTransport::transport),
            app_transport: stream.map(FetchTransport::transport),
            shared_cache,
        };
        let inner = AemClient::new(core).map_err(to_js_error)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The service URL with its trailing `/`.
    #[napi(getter, catch_unwind)]
    pub fn service_url(&self) -> String {
        self.inner.service_url().to_owned()
    }

    /// The ad-hoc query endpoint without its leading `/`.
    #[napi(getter, catch_unwind)]
    pub fn endpoint(&self) -> String {
        self.inner.endpoint().to_owned()
    }

    /// The largest response body accepted, in bytes (the `maxResponseBytes` in force).
    #[napi(getter, catch_unwind)]
    pub fn max_response_bytes(&self) -> f64 {
        self.inner.max_body_bytes() as f64
    }

    /// Drops every cached response.
    #[napi(catch_unwind)]
    pub fn clear_cache(&self) {
        self.inner.clear_cache();
    }

    /// Invalidates the cached answers `selector` reaches (see `AemClient::invalidate`): marks
    /// them stale, or with `hard` removes them. Resolves with how many answers were reached.
    #[napi(ts_return_type = "Promise<number>", catch_unwind)]
    pub fn invalidate<'env>(
        &self,
        env: &'env Env,
        selector: InvalidateSelector,
        hard: bool,
    ) -> napi::Result<PromiseRaw<'env, u32>> {
        let client = Arc::clone(&self.inner);
        let selector = Selector::from(selector);
        runtime::spawn(env, async move {
            let reached = client.invalidate(&selector, hard).await;
            Ok(u32::try_from(reached).unwrap_or(u32::MAX))
        })
    }

    /// The endpoints (relative to the service URL) of the cached answers `selector` reaches,
    /// each once: the URLs a CDN purge names, before the answers are invalidated.
    #[napi(catch_unwind)]
    pub fn endpoints_reached(&self, selector: InvalidateSelector) -> Vec<String> {
        self.inner.endpoints_reached(&Selector::from(selector))
    }

    /// The relative URL of a persisted query run with GET. `variables` is a flat list of
    /// names and values in text form: `[name1, value1, name2, value2, …]`.
    #[napi(catch_unwind)]
    pub fn persisted_query_path(&self, path: String, variables: Vec<String>) -> String {
        let pairs: Vec<(&str, &str)> = variables
            .chunks(2)
            .map(|pair| (pair[0].as_str(), pair.get(1).map_or("", String::as_str)))
            .collect();
        self.inner.persisted_query(&path, &pairs).endpoint
    }

    /// Sends a request of `authFetch` (any absolute URL, any method, a text body or one the
    /// JavaScript side holds) through the stream transport, by every request's rules (redirects,
    /// credentials for AEM's origin only, retries, the timeout until the answer's headers), and
    /// resolves with how it ended: the answer's body is held by the transport's JavaScript side
    /// under `id`, for the caller to take. Cancelling `cancel` drops the request and rejects.
    #[napi(
        ts_args_type = "request: StreamedRequest, cancel: CancelToken | undefined | null, done: (error: string | null, answer: StreamedAnswer | null) => void",
        catch_unwind
    )]
    pub fn auth_fetch(
        &self,
        env: Env,
        request: StreamedRequest,
        cancel: Option<&CancelToken>,
        done: local::Done<StreamedAnswer>,
    ) -> napi::Result<()> {
        let client = Arc::clone(&self.inner);
        let cancelled = cancel.map(|handle| handle.token.clone());
        let work = async move {
            let method = Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
                .map_err(|_| {
                    Error::InvalidParam(format!("{:?} is not an HTTP method", request.method))
                })
                .map_err(to_js_error)?;
            let url = Url::parse(&request.url)
                .map_err(|_| Error::InvalidParam("the URL is not absolute".to_owned()))
                .map_err(to_js_error)?;
            let headers = headers_of(&request.headers)?;
            let token = request.token.map(|token| ManagedToken {
                token: Secret::new(token),
                identity: None,
            });
            let body = match (request.body, request.body_id) {
                (Some(text), _) => Some(Body::Text(text)),
                (None, Some(id)) => Some(Body::Held(id)),
                (None, None) => None,
            };
            let redirect = match request.redirect.as_deref() {
                Some("manual") => RedirectMode::Manual,
                Some("error") => RedirectMode::Error,
                _ => RedirectMode::Follow,
            };
            let mut outgoing = client
                .request_to(
                    method.clone(),
                    Target::Absolute(url),
                    &headers,
                    token.as_ref(),
                    body,
                    request.replayable,
                    redirect,
                    BodyRead::Hold,
                )
                .map_err(to_js_error)?;
            outgoing.init = request.init_id;
            let policy = request.retries.map_or(client.retry_policy(), |r| {
                retry_policy(client.retry_policy(), Some(r))
            });
            // A request with a non-idempotent method is sent again only when its connection
            // failed before anything was sent, as fetch's callers expect of a POST, unless it
            // carries an `Idempotency-Key` (the IETF's header for a request safe to repeat).
            let mut attempts =
                client.attempts_for(&method, &policy, millis(request.timeout_ms), None);
            attempts.repeatable =
                retry::is_idempotent(&method) || outgoing.headers.contains_key("idempotency-key");
            let streamed = async {
                let streamed = client
                    .send_streamed(&outgoing, attempts)
                    .await
                    .map_err(to_js_error)?;
                Ok(StreamedAnswer {
                    id: streamed.body.map(|held| held.hand_over()),
                    status: u32::from(streamed.status),
                    url: streamed.url,
                    redirected: streamed.redirected,
                    credentialed: streamed.credentialed,
                    attempts: streamed.attempts,
                })
            };
            unless_cancelled(cancelled, streamed).await
        };
        local::spawn_local(&env, work, done)
    }

    /// Sends `method` to `endpoint` (relative to the service URL) and resolves with the JSON
    /// text of the response body. `headers` apply to this request only, over the client's.
    /// Cancelling `cancel` drops the request in flight and rejects with `REQUEST_ERROR`.
    ///
    /// With `trace`, the request's trace context as names and values in turn
    /// (`[name1, value1, …]`, possibly empty), those headers are sent too, over `headers` and
    /// outside the cache key, and it resolves with `[body, outcome]` instead: `outcome` says
    /// how the answer came, packed as `lib/outcome.js` reads it. A list in and a number out,
    /// not objects: making and reading their properties cost a traced call more than the rest
    /// of this binding's work.
    ///
    /// With `token`, the client's managed token goes as `Authorization: Bearer` to AEM's origin
    /// (unless `headers` hold an `Authorization` of the call's own); `identity` says whom it speaks
    /// for (no secret), and the response cache keys its answers by that.
    #[napi(
        ts_return_type = "Promise<string | [string, number]> | string | [string, number]",
        catch_unwind
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is one JavaScript parameter of the binding"
    )]
    pub fn request<'env>(
        &self,
        env: &'env Env,
        method: String,
        endpoint: String,
        body: Option<String>,
        headers: Option<HashMap<String, String>>,
        cancel: Option<&CancelToken>,
        call: Option<CallOptions>,
        trace: Option<Vec<String>>,
        token: Option<String>,
        identity: Option<String>,
    ) -> napi::Result<Either<PromiseRaw<'env, RequestAnswer>, RequestAnswer>> {
        let parts = RequestParts {
            method,
            endpoint,
            body,
            headers,
            call,
            trace,
            token,
            identity,
        };
        match self.request_work(parts, cancel, false)? {
            Answer::Now(answer) => Ok(Either::B(answer)),
            Answer::Later(work) => runtime::spawn(env, work).map(Either::A),
        }
    }

    /// [`NativeClient::request`] through the app's transport (its `fetch`), polled on the
    /// JavaScript thread where that fetch answers: `done(error, value)` is called with the error's
    /// message or the value `request` would resolve with.
    #[napi(
        ts_args_type = "method: string, endpoint: string, body: string | undefined | null, headers: Record<string, string> | undefined | null, cancel: CancelToken | undefined | null, call: CallOptions | undefined | null, trace: Array<string> | undefined | null, token: string | undefined | null, identity: string | undefined | null, done: (error: string | null, value: string | [string, number] | null) => void",
        catch_unwind
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is one JavaScript parameter of the binding"
    )]
    pub fn request_local(
        &self,
        env: Env,
        method: String,
        endpoint: String,
        body: Option<String>,
        headers: Option<HashMap<String, String>>,
        cancel: Option<&CancelToken>,
        call: Option<CallOptions>,
        trace: Option<Vec<String>>,
        token: Option<String>,
        identity: Option<String>,
        done: local::Done<RequestAnswer>,
    ) -> napi::Result<()> {
        let parts = RequestParts {
            method,
            endpoint,
            body,
            headers,
            call,
            trace,
            token,
            identity,
        };
        match self.request_work(parts, cancel, true)? {
            Answer::Now(answer) => local::spawn_local(&env, async { Ok(answer) }, done),
            Answer::Later(work) => local::spawn_local(&env, work, done),
        }
    }

    /// PUTs a range of a file (a part of an upload) by every request's rules, its bytes read
    /// from disk as they are sent, through the native client: see [`AemClient::put_file`].
    /// Cancelling `cancel` drops the request and rejects.
    #[napi(ts_return_type = "Promise<FilePutAnswer>", catch_unwind)]
    pub fn put_file<'env>(
        &self,
        env: &'env Env,
        request: FilePutRequest,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, FilePutAnswer>> {
        runtime::spawn(env, self.put_file_work(request, cancel, false))
    }

    /// [`NativeClient::put_file`] through the app's transport (its `fetch`), polled on the
    /// JavaScript thread: `done(error, answer)`.
    #[napi(
        ts_args_type = "request: FilePutRequest, cancel: CancelToken | undefined | null, done: (error: string | null, answer: FilePutAnswer | null) => void",
        catch_unwind
    )]
    pub fn put_file_local(
        &self,
        env: Env,
        request: FilePutRequest,
        cancel: Option<&CancelToken>,
        done: local::Done<FilePutAnswer>,
    ) -> napi::Result<()> {
        local::spawn_local(&env, self.put_file_work(request, cancel, true), done)
    }

    fn put_file_work(
        &self,
        request: FilePutRequest,
        cancel: Option<&CancelToken>,
        through_app: bool,
    ) -> impl std::future::Future<Output = napi::Result<FilePutAnswer>> + Send + 'static {
        let client = Arc::clone(&self.inner);
        let cancelled = cancel.map(|handle| handle.token.clone());
        async move {
            let url = Url::parse(&request.url)
                .map_err(|_| Error::InvalidParam("the part's URL is not absolute".to_owned()))
                .map_err(to_js_error)?;
            let headers = headers_of(&request.headers)?;
            if !(request.start >= 0.0 && request.len >= 0.0) {
                return Err(to_js_error(Error::InvalidParam(
                    "a part's start and length are whole numbers of bytes".to_owned(),
                )));
            }
            let range = FileRange {
                path: Arc::new(std::path::PathBuf::from(request.path)),
                start: request.start as u64,
                len: request.len as u64,
            };
            let put = async {
                let put = client
                    .put_file(
                        url,
                        &headers,
                        range,
                        through_app,
                        millis(request.timeout_ms),
                    )
                    .await
                    .map_err(to_js_error)?;
                Ok(FilePutAnswer {
                    status: u32::from(put.status),
                    attempts: put.attempts,
                    body: put.body,
                })
            };
            unless_cancelled(cancelled, put).await
        }
    }
}

/// A part of an upload, as `NativeClient#putFile` takes it.
#[napi(object)]
pub struct FilePutRequest {
    /// The absolute URL (a pre-signed URL of the blob store).
    pub url: String,
    /// The request's own headers, names and values in turn.
    pub headers: Vec<String>,
    /// The file the part is read from.
    pub path: String,
    /// The part's first byte in the file.
    pub start: f64,
    /// The part's length.
    pub len: f64,
    /// The longest the answer's headers may take, retries included, in milliseconds.
    pub timeout_ms: Option<f64>,
}

/// How a part's PUT ended.
#[napi(object)]
pub struct FilePutAnswer {
    /// The last answer's status.
    pub status: u32,
    /// The requests sent.
    pub attempts: u32,
    /// The last answer's body, up to 64 KiB (the blob store's error).
    pub body: String,
}

/// The JavaScript arguments of one request, as `request` and `requestLocal` take them.
struct RequestParts {
    method: String,
    endpoint: String,
    body: Option<String>,
    headers: Option<HashMap<String, String>>,
    call: Option<CallOptions>,
    trace: Option<Vec<String>>,
    token: Option<String>,
    identity: Option<String>,
}

/// What an invalidation reaches: answers holding any of `paths` (GraphQL `_path` values), a
/// path under any of `prefixes`, answers of any of `queries` (`conf/name`), or with `all`
/// every answer.
#[napi(object)]
pub struct InvalidateSelector {
    /// Exact `_path` values.
    pub paths: Option<Vec<String>>,
    /// Path prefixes: `/content/dam/site/en/` reaches every path under it.
    pub prefixes: Option<Vec<String>>,
    /// Content Fragment models, by path or name: the answers that list them.
    pub models: Option<Vec<String>>,
    /// Persisted queries, `conf/name`.
    pub queries: Option<Vec<String>>,
    /// Every answer.
    pub all: Option<bool>,
    /// Only the answers whose content (`ETag`, or body) has not changed since this time, in
    /// epoch milliseconds.
    pub unchanged_since: Option<f64>,
}

impl From<InvalidateSelector> for Selector {
    fn from(selector: InvalidateSelector) -> Self {
        Self {
            paths: selector.paths.unwrap_or_default(),
            prefixes: selector.prefixes.unwrap_or_default(),
            models: selector.models.unwrap_or_default(),
            queries: selector.queries.unwrap_or_default(),
            all: selector.all.unwrap_or(false),
            // Checked in JavaScript (lib/options.js): finite and not negative.
            unchanged_since: selector.unchanged_since.map(|time| time.max(0.0) as u64),
        }
    }
}

/// What a request resolves with: the body, or with tracing or logging on, the body and its
/// outcome code.
pub type RequestAnswer = Either<JsText, (JsText, u32)>;

/// One request's answer: at once, when the local cache holds a fresh one (no thread, no promise
/// to settle), else the work that gets it.
enum Answer<F> {
    Now(RequestAnswer),
    Later(F),
}

impl NativeClient {
    /// The answer of one request: through the app's transport with `through_app` (always as
    /// work, polled where the app's `fetch` answers).
    fn request_work(
        &self,
        parts: RequestParts,
        cancel: Option<&CancelToken>,
        through_app: bool,
    ) -> napi::Result<Answer<impl Future<Output = napi::Result<RequestAnswer>> + use<>>> {
        let RequestParts {
            method,
            endpoint,
            body,
            headers,
            call,
            trace,
            token,
            identity,
        } = parts;
        let client = Arc::clone(&self.inner);
        let (retry, timeout, connect_timeout, raw) = match call {
            None => (None, None, None, false),
            Some(call) => (
                call.retries
                    .map(|r| retry_policy(client.retry_policy(), Some(r))),
                millis(call.timeout_ms),
                millis(call.connect_timeout_ms),
                call.raw.unwrap_or(false),
            ),
        };
        let token = token.map(|token| ManagedToken {
            token: Secret::new(token),
            identity,
        });
        let traced = trace.is_some();
        let trace_headers = trace_headers(trace)?;
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| Error::InvalidParam(format!("{method:?} is not an HTTP method")))
            .map_err(to_js_error)?;
        let request = AemRequest {
            method,
            endpoint,
            body,
            headers: headers.unwrap_or_default().into_iter().collect(),
            trace_headers,
            retry,
            timeout,
            connect_timeout,
            token,
            raw,
            through_app,
        };
        let answer = move |response: Response| {
            if traced {
                let outcome = outcome_code(&response);
                Either::B((js_text(response.body), outcome))
            } else {
                Either::A(js_text(response.body))
            }
        };
        if !through_app && let Some(response) = client.fresh_answer(&request) {
            return Ok(Answer::Now(answer(response)));
        }
        let cancelled = cancel.map(|handle| handle.token.clone());
        Ok(Answer::Later(async move {
            let response = async {
                let response = client.send(request).await.map_err(to_js_error)?;
                // A raw answer's held body is the caller's from here (its envelope names it).
                if let Some(held) = &response.held {
                    held.hand_over();
                }
                Ok(answer(response))
            };
            unless_cancelled(cancelled, response).await
        }))
    }
}

/// A cancellation handle for one request, fired from an `AbortSignal`'s `abort` event.
#[napi]
pub struct CancelToken {
    token: CancellationToken,
}

#[napi]
impl CancelToken {
    /// A handle that has not fired.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self {
            token: CancellationToken::new(),
        }
    }

    /// Cancels the request this handle was given to; later calls do nothing.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

fn basic_auth(pair: Vec<String>) -> Result<Auth, Error> {
    match <[String; 2]>::try_from(pair) {
        Ok([user, password]) => Ok(Auth::Basic {
            user,
            password: Secret::new(password),
        }),
        Err(_) => Err(Error::InvalidParam(
            "auth must be a token string or a [user, password] pair".to_owned(),
        )),
    }
}

/// The wait in milliseconds a `Retry-After` value asks for (delay-seconds or an HTTP date), or
/// `null` when it is neither: the one reading of the header, for the polling of long operations.
#[napi(catch_unwind)]
pub fn retry_after_ms(value: String) -> Option<f64> {
    retry::retry_after_value(&value, std::time::SystemTime::now())
        .map(|wait| wait.as_secs_f64() * 1000.0)
}

/// The core's full check of a 2xx answer's text (`response::decode`), for a text that `JSON.parse`
/// refused after the core passed it on unparsed (see `response::decode_owned`): throws its error,
/// `RESPONSE_ERROR` with the parser's reason.
#[napi(catch_unwind)]
pub fn check_answer(status: u16, text: String) -> napi::Result<()> {
    crate::aem::response::decode(status, None, text.as_bytes())
        .map(drop)
        .map_err(to_js_error)
}

/// The HTTP versions an outcome code's version field indexes, from 1 (`lib/outcome.js`).
#[napi(catch_unwind)]
pub fn http_versions() -> Vec<&'static str> {
    HTTP_VERSIONS.to_vec()
}

/// `message` without the secrets of the request headers `headers` (names and values in turn):
/// every value but the plain ones (`Content-Type`, `Content-Length`, `Accept`, `User-Agent`), and
/// the credential after `Bearer ` or `Basic `, as the core takes them out of every request's
/// failures: for the error a JavaScript `fetch` threw (nock quotes a request it does not know
/// whole, `Authorization` included).
#[napi(catch_unwind)]
pub fn redact_secrets(message: String, headers: Vec<String>) -> String {
    let pairs = headers
        .chunks(2)
        .map(|pair| (pair[0].as_str(), pair.get(1).map_or("", String::as_str)));
    crate::http::redact::Secrets::of_pairs(pairs).redact(&message)
}

/// `url` as it may be shown in a message, a log line or a span: any user name and password
/// replaced by `***` (also when it does not parse), and the values of signature and credential
/// query parameters (`sig`, `X-Amz-Signature`, …) by `REDACTED`. The one redaction of URLs.
#[napi(catch_unwind)]
pub fn redact_url(url: String) -> String {
    crate::http::redact::redact_url(&url)
}

/// Header names and values in turn (`[name1, value1, …]`), checked.
fn headers_of(list: &[String]) -> napi::Result<reqwest::header::HeaderMap> {
    let pairs: Vec<(String, String)> = list
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    parse_headers(&pairs).map_err(to_js_error)
}

/// `work`, or `REQUEST_ERROR` (aborted) as soon as `cancelled` is cancelled, dropping it.
async fn unless_cancelled<T>(
    cancelled: Option<CancellationToken>,
    work: impl std::future::Future<Output = napi::Result<T>>,
) -> napi::Result<T> {
    match cancelled {
        None => work.await,
        Some(token) => tokio::select! {
            biased;
            () = token.cancelled() => Err(to_js_error(Error::Aborted)),
            result = work => result,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same numbers are read back in `__tests__/tracing-otel.test.js`.
    #[test]
    fn outcome_codes_pack_status_attempts_cache_version_and_coalescing() {
        let response = |status, attempts, cached, http_version| Response {
            body: String::new(),
            status,
            attempts,
            cached,
            coalesced: false,
            http_version,
            stale: None,
            held: None,
        };
        assert_eq!(
            outcome_code(&response(503, 3, false, Some("2"))),
            536_874_487
        );
        assert_eq!(outcome_code(&response(200, 0, true, None)), 67_109_064);
        assert_eq!(
            outcome_code(&response(200, 1, false, Some("1.1"))),
            402_654_408
        );
        assert_eq!(outcome_code(&response(200, 1, false, Some("0.9"))) >> 27, 1);
        assert_eq!(outcome_code(&response(200, 1, false, Some("3"))) >> 27, 5);
        let coalesced = Response {
            coalesced: true,
            ..response(200, 1, false, Some("3"))
        };
        assert_eq!(outcome_code(&coalesced), 1_744_831_688);
        // Out of range: clamped, never spilling into the next field.
        assert_eq!(
            outcome_code(&response(200, 70_000, false, None)) >> 10,
            0x7fff
        );
        let stale = |reason| Response {
            stale: Some(reason),
            ..response(200, 2, true, None)
        };
        assert_eq!(
            outcome_code(&stale(StaleReason::WhileRevalidate)),
            2_214_594_760
        );
        assert_eq!(outcome_code(&stale(StaleReason::IfError)), 2_248_149_192);
    }
}
