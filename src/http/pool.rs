//! The native HTTP client: pooled, HTTP/2 by ALPN, compressed, trusting what Node would trust,
//! one per TLS and proxy configuration in the process.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use reqwest::Client;

use super::tls::{self, Trust};
use super::url::without_userinfo;
use crate::error::{Error, Result};

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("aem-headless-rs/", env!("CARGO_PKG_VERSION"));

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the HTTP client is built: every input of the TLS trust decision, and the proxy. Headers
/// and the connect timeout are not part of it: they go with each request, so that clients with
/// other headers, auth or connect timeouts share one connection pool. `Debug` shows the proxy
/// without its user name and password, and no PEM.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct HttpConfig {
    /// Which certificates are trusted, and whether any is checked.
    pub trust: Trust,
    /// A proxy for every request (`http://[user:password@]host:port`). Without it,
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` apply, as with curl.
    pub proxy: Option<String>,
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { trust, proxy } = self;
        f.debug_struct("HttpConfig")
            .field("trust", trust)
            .field("proxy", &proxy.as_deref().map(without_userinfo))
            .finish()
    }
}

/// The proxy of `config`, checked: a URL that does not parse is an error that shows no password.
fn proxy_of(config: &HttpConfig) -> Result<Option<reqwest::Proxy>> {
    config
        .proxy
        .as_deref()
        .map(|proxy| {
            reqwest::Proxy::all(proxy).map_err(|_| {
                Error::InvalidParam(format!(
                    "proxy is not a valid proxy URL: {}",
                    without_userinfo(proxy)
                ))
            })
        })
        .transpose()
}

/// The environment variables reqwest reads for its proxies when a client is built without one.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Whether a client built now without a proxy of its own would take one from the environment.
fn proxies_in_environment() -> bool {
    PROXY_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// Builds a client. TLS trust is as Node.js decides it (see [`crate::http::tls`]): `config.trust`'s
/// roots, verified unless it says not to. Without `config.proxy`, the proxy variables apply as
/// they are now.
pub fn build_client(config: &HttpConfig) -> Result<Client> {
    build_with(config, true)
}

/// [`build_client`]; without `environment`, no proxy variable is read (there was none when the
/// client was asked for).
fn build_with(config: &HttpConfig, environment: bool) -> Result<Client> {
    let certificates = tls::anchors_of(&config.trust.roots).map_err(Error::InvalidParam)?;
    let mut builder = Client::builder();
    if let Some(proxy) = proxy_of(config)? {
        builder = builder.proxy(proxy);
    } else if !environment {
        builder = builder.no_proxy();
    }
    builder
        .user_agent(USER_AGENT)
        .tls_backend_preconfigured(
            tls::client_config(certificates, config.trust.verify).map_err(|err| {
                Error::InvalidParam(format!("cannot set up TLS with these certificates: {err}"))
            })?,
        )
        .pool_idle_timeout(Duration::from_secs(60))
        // One hop per request: the request loop follows redirects by the one rule of every
        // transport (super::redirect).
        .redirect(reqwest::redirect::Policy::none())
        .connector_layer(ConnectTimeoutLayer)
        .build()
        .map_err(|err| Error::InvalidParam(format!("cannot build the HTTP client: {err}")))
}

/// The process-wide HTTP client of one configuration, checked when it is asked for and built at
/// its first request: building an AEM client sets up no TLS and parses none of Node's 140-odd
/// default roots (a few milliseconds), as Node's own agents load theirs at the first connection.
/// (A `ca` option is parsed when it is checked, and again at the build.) The proxy variables are
/// read when it is asked for, as before: when one is set, the client is built then; when none is,
/// it is built to read none. Clones share the one client and its connection pool.
#[derive(Clone)]
pub struct SharedClient(Arc<LazyClient>);

struct LazyClient {
    config: HttpConfig,
    client: OnceLock<std::result::Result<Client, String>>,
}

impl SharedClient {
    /// A client for `config`: what can be wrong with the configuration (a proxy URL, a `ca`
    /// that is not PEM, an unknown root set) is an error now.
    fn new(config: &HttpConfig) -> Result<Self> {
        proxy_of(config)?;
        tls::check_roots(&config.trust.roots).map_err(Error::InvalidParam)?;
        let shared = Self(Arc::new(LazyClient {
            config: config.clone(),
            client: OnceLock::new(),
        }));
        if config.proxy.is_none() && proxies_in_environment() {
            let built = build_with(config, true);
            let failure = built.as_ref().err().map(ToString::to_string);
            let _ = shared
                .0
                .client
                .set(built.map_err(|error| error.to_string()));
            if let Some(message) = failure {
                return Err(Error::InvalidParam(message));
            }
        }
        Ok(shared)
    }

    /// The HTTP client, built at the first call.
    pub fn client(&self) -> Result<&Client> {
        self.0
            .client
            .get_or_init(|| build_with(&self.0.config, false).map_err(|error| error.to_string()))
            .as_ref()
            .map_err(|message| Error::InvalidParam(message.clone()))
    }
}

/// How many differently configured clients [`client_for`] keeps; past that it starts afresh
/// (clients in use stay alive with their users).
pub const MAX_SHARED_CLIENTS: usize = 16;

/// The process-wide client for `config`: every AEM client and token request with the same trust
/// and proxy shares its connection pool, and the client is built (Node's roots parsed) once per
/// configuration, at its first request.
pub fn client_for(config: &HttpConfig) -> Result<SharedClient> {
    static CLIENTS: OnceLock<Mutex<HashMap<HttpConfig, SharedClient>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Mutex::default);
    let lock = || clients.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(client) = lock().get(config) {
        return Ok(client.clone());
    }
    // Checked outside the lock: parsing a `ca` does not hold up other configurations.
    let client = SharedClient::new(config)?;
    let mut clients = lock();
    if clients.len() >= MAX_SHARED_CLIENTS {
        clients.clear();
    }
    Ok(clients.entry(config.clone()).or_insert(client).clone())
}

tokio::task_local! {
    /// The connect timeout of the request being sent on this task.
    static CONNECT_TIMEOUT: Duration;
}

/// Runs `send` (a request's `send()` future) with `limit` as the connect timeout of any
/// connection it opens: the timeout goes with the request, so one pool serves every value.
pub async fn with_connect_timeout<F: Future>(limit: Duration, send: F) -> F::Output {
    CONNECT_TIMEOUT.scope(limit, send).await
}

/// The connector layer that bounds opening a connection (TCP, proxy and TLS) by the connect
/// timeout of the request that asked for it ([`DEFAULT_CONNECT_TIMEOUT`] outside
/// [`with_connect_timeout`]). The pool starts connecting from within that request's task, so
/// the value is read there.
#[derive(Debug, Clone, Copy)]
struct ConnectTimeoutLayer;

impl<S> tower_layer::Layer<S> for ConnectTimeoutLayer {
    type Service = ConnectTimeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConnectTimeout { inner }
    }
}

#[derive(Debug, Clone)]
struct ConnectTimeout<S> {
    inner: S,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, R> tower_service::Service<R> for ConnectTimeout<S>
where
    S: tower_service::Service<R, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let limit = CONNECT_TIMEOUT
            .try_with(|limit| *limit)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let connecting = self.inner.call(request);
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(result) => result,
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connect timed out after {} ms", limit.as_millis()),
                )) as BoxError),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_ca_is_a_clear_error() {
        let err = build_client(&HttpConfig {
            trust: Trust {
                roots: tls::Roots::Pem("not a certificate".into()),
                verify: true,
            },
            ..HttpConfig::default()
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "ca is not a PEM bundle of CA certificates");
    }

    #[test]
    fn proxy_urls_are_checked_without_showing_credentials() {
        let err = build_client(&HttpConfig {
            proxy: Some("http://user:hunter2@[bad".into()),
            ..HttpConfig::default()
        })
        .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        build_client(&HttpConfig {
            proxy: Some("http://user:pw@127.0.0.1:3128".into()),
            ..HttpConfig::default()
        })
        .unwrap();
        assert_eq!(without_userinfo("http://u:p@h:1"), "http://***@h:1");
        assert_eq!(without_userinfo("http://h:1"), "http://h:1");
        assert_eq!(without_userinfo("user:hunter2@[bad"), "***@[bad");
        assert_eq!(
            without_userinfo("https://admin:Pa55/w0rd#x@host/"),
            "https://***@host/"
        );
    }

    #[test]
    fn debug_hides_proxy_credentials() {
        let config = HttpConfig {
            proxy: Some("http://user:proxy-SECRET@127.0.0.1:3128".into()),
            ..HttpConfig::default()
        };
        let debug = format!("{config:?}");
        assert!(!debug.contains("proxy-SECRET"), "{debug}");
        assert!(debug.contains("http://***@127.0.0.1:3128"), "{debug}");
    }

    #[test]
    fn builds_with_no_roots_and_unverified() {
        build_client(&HttpConfig::default()).unwrap();
        build_client(&HttpConfig {
            trust: Trust {
                roots: tls::Roots::None,
                verify: false,
            },
            ..HttpConfig::default()
        })
        .unwrap();
    }

    #[test]
    fn clients_are_shared_per_configuration_and_bounded() {
        for n in 0..(MAX_SHARED_CLIENTS + 2) {
            client_for(&HttpConfig {
                proxy: Some(format!("http://127.0.0.1:{}", 3000 + n)),
                ..HttpConfig::default()
            })
            .unwrap();
        }
        assert!(
            client_for(&HttpConfig {
                trust: Trust {
                    roots: tls::Roots::Pem("not a certificate".into()),
                    verify: true,
                },
                ..HttpConfig::default()
            })
            .is_err()
        );
    }

    #[tokio::test]
    async fn the_connect_timeout_goes_with_the_request() {
        // A listener that never answers: the TLS handshake hangs.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shared = client_for(&HttpConfig::default()).unwrap();
        let client = shared.client().unwrap();
        let error = with_connect_timeout(
            Duration::from_millis(200),
            client.get(format!("https://{address}/")).send(),
        )
        .await
        .unwrap_err();
        assert!(error.is_connect() && error.is_timeout(), "{error:?}");
        assert!(format!("{error:?}").contains("after 200 ms"), "{error:?}");
    }
}
