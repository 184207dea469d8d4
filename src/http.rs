//! The HTTP client: pooled, HTTP/2 by ALPN, compressed, trusting what Node would trust.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use reqwest::Client;

use crate::error::{Error, Result};
use crate::tls::{self, Trust};

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

/// Builds a client. TLS trust is as Node.js decides it (see [`crate::tls`]): `config.trust`'s
/// roots, verified unless it says not to.
pub fn build_client(config: &HttpConfig) -> Result<Client> {
    let certificates = tls::anchors_of(&config.trust.roots).map_err(Error::InvalidParam)?;
    let mut builder = Client::builder();
    if let Some(proxy) = &config.proxy {
        let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
            Error::InvalidParam(format!(
                "proxy is not a valid proxy URL: {}",
                without_userinfo(proxy)
            ))
        })?;
        builder = builder.proxy(proxy);
    }
    builder
        .user_agent(USER_AGENT)
        .tls_backend_preconfigured(
            tls::client_config(certificates, config.trust.verify).map_err(|err| {
                Error::InvalidParam(format!("cannot set up TLS with these certificates: {err}"))
            })?,
        )
        .pool_idle_timeout(Duration::from_secs(60))
        .redirect(same_origin_redirects())
        .connector_layer(ConnectTimeoutLayer)
        .build()
        .map_err(|err| Error::InvalidParam(format!("cannot build the HTTP client: {err}")))
}

/// Redirects within one origin are followed (at most 10); one to another origin is the answer.
/// reqwest drops only `Authorization`, `Cookie` and the like on the way to another origin, not
/// `X-Api-Key` or an app's own headers: so nothing of the request goes there at all.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let leaves = attempt
            .previous()
            .last()
            .is_some_and(|previous| previous.origin() != attempt.url().origin());
        if leaves {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// How many differently configured clients [`client_for`] keeps; past that it starts afresh
/// (clients in use stay alive with their users).
pub const MAX_SHARED_CLIENTS: usize = 16;

/// The process-wide client for `config`, built on first use: every AEM client and token request
/// with the same trust and proxy shares its connection pool, and building a client (parsing
/// Node's roots takes milliseconds) happens once per configuration.
pub fn client_for(config: &HttpConfig) -> Result<Client> {
    static CLIENTS: OnceLock<Mutex<HashMap<HttpConfig, Client>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Mutex::default);
    let lock = || clients.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(client) = lock().get(config) {
        return Ok(client.clone());
    }
    // Built outside the lock: a slow build does not hold up other configurations.
    let client = build_client(config)?;
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

/// Reads a response body, refusing more than `limit` bytes (after decompression) while it
/// streams, before it is all buffered.
pub async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>> {
    let status = response.status().as_u16();
    let too_large = || Error::BodyTooLarge { status, limit };
    let length = response.content_length();
    if length.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // Content-Length is a hint (it counts compressed bytes); it saves the regrowing of the
    // buffer for the usual uncompressed answer. At most 1 MiB is reserved up front.
    let reserve = length.map_or(0, |length| length.min(1024 * 1024));
    let mut body = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|source| Error::Request {
        source: crate::transport::TransportError::Native(source),
    })? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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

/// Request headers that carry the trace context (W3C `traceparent`, `tracestate`, `baggage`):
/// they differ from call to call, so the response cache and coalescing ignore them.
pub const TRACE_CONTEXT_HEADERS: [&str; 3] = ["traceparent", "tracestate", "baggage"];

/// Whether `url` holds a user name or password: as a URL parses it, or as [`has_userinfo`]
/// finds it in one that does not parse. A value without a scheme (an `imsEndpoint` host) is
/// read as `https://` followed by it. The one check of `serviceURL` and `imsEndpoint`.
pub fn holds_userinfo(url: &str) -> bool {
    let url = if url.contains("://") {
        std::borrow::Cow::Borrowed(url.trim())
    } else {
        std::borrow::Cow::Owned(format!("https://{}", url.trim()))
    };
    reqwest::Url::parse(&url)
        .is_ok_and(|parsed| !parsed.username().is_empty() || parsed.password().is_some())
        || has_userinfo(&url)
}

/// Whether a URL holds user info (`user[:password]@`) in its authority, even when it does not
/// parse: a password with an unencoded `/`, `?` or `#` (`https://admin:pa/ss@host/`) ends the
/// authority early, leaving a `host:port` whose port is not a number, followed by an `@`.
pub fn has_userinfo(url: &str) -> bool {
    let Some(scheme_end) = url.find("://") else {
        return false;
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('@') {
        return true;
    }
    let not_a_port = !authority.starts_with('[')
        && authority
            .split_once(':')
            .is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()) || port.is_empty());
    not_a_port && rest[authority_end..].contains('@')
}

/// A URL with anything before its last `@` (after the scheme, if any) replaced by `***`, so
/// that no `user:password` shows in a message.
pub fn without_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |scheme| scheme + 3);
    match url.rfind('@') {
        Some(at) if at >= start => format!("{}***{}", &url[..start], &url[at..]),
        _ => url.to_owned(),
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
    fn holds_userinfo_reads_hosts_without_a_scheme_too() {
        for with in [
            "admin:pw@ims.example",
            "https://admin:pw@ims.example",
            "user@h:443",
            "https://a:b%2F@h/",
        ] {
            assert!(holds_userinfo(with), "{with}");
        }
        for without in [
            "ims-na1.adobelogin.com",
            "https://ims.example:8443",
            "127.0.0.1:4443",
            "/",
        ] {
            assert!(!holds_userinfo(without), "{without}");
        }
    }

    #[test]
    fn finds_user_info_even_in_urls_that_do_not_parse() {
        for with in [
            "https://admin:Pa55/w0rd#x@host/",
            "https://admin:pa?ss@host",
            "https://admin:#x@host",
            "https://admin:/pw@host",
            "https://user@host/",
            "https://u:p@host:4502/",
        ] {
            assert!(has_userinfo(with), "{with}");
        }
        for without in [
            "https://host/",
            "https://host:4502/content/dam/a@b.png",
            "https://[::1]:4502/a@b",
            "https://host/a:b@c",
            "http://localhost:4502",
            "/",
            "not a url",
        ] {
            assert!(!has_userinfo(without), "{without}");
        }
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
        let client = client_for(&HttpConfig::default()).unwrap();
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
