//! Adobe IMS: the JWT exchange (`/ims/exchange/jwt`) and OAuth Server-to-Server
//! (`/ims/token/v3`), whose `expires_in` come in different units.

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde_json::Value;

use crate::auth::credentials::{OAuthCredentials, ServiceCredentials};
use crate::auth::jwt::{DEFAULT_JWT_LIFETIME, ServiceClaims};
use crate::error::{Error, ImsRefusal, Result};
use crate::http::pool::DEFAULT_CONNECT_TIMEOUT;
use crate::http::redact::Secrets;
use crate::http::redirect::RedirectMode;
use crate::http::retry::RetryPolicy;
use crate::http::send::{Answer, Attempts, HopFailure, Request, send};
use crate::http::transport::{Body, BodyRead, Incoming, Target, Transport};
use crate::http::url::{holds_userinfo, without_userinfo};
use crate::secret::Secret;

/// The longest a token request to IMS may take, retries included.
pub const IMS_TIMEOUT: Duration = Duration::from_secs(30);

/// How hard one token request tries: its retries (connection errors, 429 and 5xx, with backoff
/// and `Retry-After`) and the time all of them may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImsLimits {
    /// Retries after the first attempt. Default 3.
    pub retries: u32,
    /// The longest the request may take, retries included. Default [`IMS_TIMEOUT`].
    pub timeout: Duration,
}

impl Default for ImsLimits {
    fn default() -> Self {
        Self {
            retries: RetryPolicy::default().max_retries,
            timeout: IMS_TIMEOUT,
        }
    }
}

/// The largest IMS response accepted: a token response is well under 10 KB.
const IMS_MAX_BODY_BYTES: u64 = 1024 * 1024;

/// The path of the JWT exchange.
pub const JWT_EXCHANGE_PATH: &str = "/ims/exchange/jwt";

/// The path of OAuth Server-to-Server's `client_credentials` grant.
pub const CLIENT_CREDENTIALS_PATH: &str = "/ims/token/v3";

/// How an exchange at IMS went, for tracing: the final status, the attempts made and the HTTP
/// version of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    /// The HTTP status of IMS's answer.
    pub status: u16,
    /// Attempts made, retries included.
    pub attempts: u32,
    /// `1.1` or `2`; unknown through an app's `fetch`.
    pub http_version: Option<&'static str>,
}

/// An access token as IMS returns it.
#[derive(Debug, Clone)]
pub struct ImsToken {
    /// `token_type`, e.g. `bearer`.
    pub token_type: String,
    /// `access_token`.
    pub access_token: Secret,
    /// `expires_in`, unchanged: **milliseconds** from the JWT exchange, **seconds** from
    /// `/ims/token/v3`.
    pub expires_in: u64,
    /// `expires_in` as a duration, whatever its unit was.
    pub lifetime: Duration,
    /// The whole response body as IMS sent it (JSON text; it holds the token).
    pub raw: Secret,
    /// How the exchange went.
    pub exchange: Exchange,
}

/// The unit of an IMS endpoint's `expires_in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpiresIn {
    /// `/ims/exchange/jwt`.
    Milliseconds,
    /// `/ims/token/v3`.
    Seconds,
}

/// The base URL of an IMS endpoint: `host[:port]` becomes `https://host[:port]`; an
/// `https://` URL is kept. Plain `http://` is refused, since the exchange carries the client
/// secret, unless `allow_insecure_http` (for a local test IMS). A user name or password is
/// refused, and never shown in a message.
pub fn ims_base_url(ims_endpoint: &str, allow_insecure_http: bool) -> Result<String> {
    let endpoint = ims_endpoint.trim().trim_end_matches('/');
    let url = if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("https://{endpoint}")
    };
    if holds_userinfo(&url) {
        return Err(Error::InvalidParam(
            "imsEndpoint must not hold a user name or password".to_owned(),
        ));
    }
    let shown = without_userinfo(endpoint);
    if url.starts_with("http://") && !allow_insecure_http {
        return Err(Error::InvalidParam(format!(
            "imsEndpoint {shown} is plain http: the token request carries the client secret; use https, or allowInsecureHttp for a local test server"
        )));
    }
    if !url.starts_with("https://") && !url.starts_with("http://") {
        return Err(Error::InvalidParam(format!(
            "imsEndpoint must be a host name or an https:// URL, not {shown}"
        )));
    }
    match reqwest::Url::parse(&url) {
        Ok(parsed) if parsed.host_str().is_some() && parsed.path() == "/" => Ok(url),
        _ => Err(Error::InvalidParam(format!(
            "imsEndpoint is not a valid host name: {shown}"
        ))),
    }
}

/// The IMS host as it appears in JWT claims: the endpoint without scheme.
pub fn ims_host(ims_endpoint: &str) -> &str {
    let endpoint = ims_endpoint.trim().trim_end_matches('/');
    endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .unwrap_or(endpoint)
}

/// Signs a service JWT and exchanges it at IMS (`/ims/exchange/jwt`) for an access token.
/// `headers` go with the request (the trace context).
pub async fn exchange_jwt(
    http: &Transport,
    credentials: &ServiceCredentials,
    headers: &HeaderMap,
    limits: ImsLimits,
) -> Result<ImsToken> {
    let base = ims_base_url(&credentials.ims_endpoint, credentials.allow_insecure_http)?;
    let jwt = sign_service_jwt(credentials, DEFAULT_JWT_LIFETIME);
    let form = [
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.client_secret.expose()),
        ("jwt_token", jwt.expose()),
    ];
    post_form(
        http,
        &format!("{base}{JWT_EXCHANGE_PATH}"),
        &form,
        ExpiresIn::Milliseconds,
        headers,
        limits,
    )
    .await
}

/// Exchanges OAuth Server-to-Server credentials at IMS (`/ims/token/v3`,
/// `grant_type=client_credentials`) for an access token. `headers` go with the request.
pub async fn exchange_client_credentials(
    http: &Transport,
    credentials: &OAuthCredentials,
    headers: &HeaderMap,
    limits: ImsLimits,
) -> Result<ImsToken> {
    let base = ims_base_url(&credentials.ims_endpoint, credentials.allow_insecure_http)?;
    let scope = credentials.scopes.join(",");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.client_secret.expose()),
        ("scope", scope.as_str()),
    ];
    post_form(
        http,
        &format!("{base}{CLIENT_CREDENTIALS_PATH}"),
        &form,
        ExpiresIn::Seconds,
        headers,
        limits,
    )
    .await
}

/// A service JWT for `credentials`, issued now and valid for `lifetime`.
pub fn sign_service_jwt(credentials: &ServiceCredentials, lifetime: Duration) -> Secret {
    let claims = ServiceClaims {
        org: &credentials.org,
        technical_account_id: &credentials.technical_account_id,
        client_id: &credentials.client_id,
        ims_host: ims_host(&credentials.ims_endpoint),
        metascopes: &credentials.metascopes,
    };
    credentials
        .signer
        .sign(&claims.to_map(SystemTime::now(), lifetime))
}

/// The fields of a token request's form that are secrets.
const SECRET_FIELDS: &[&str] = &["client_secret", "jwt_token"];

async fn post_form(
    http: &Transport,
    url: &str,
    form: &[(&str, &str)],
    unit: ExpiresIn,
    headers: &HeaderMap,
    limits: ImsLimits,
) -> Result<ImsToken> {
    let parsed = Url::parse(url).map_err(|_| {
        Error::InvalidParam(format!(
            "imsEndpoint is not a valid host name: {}",
            without_userinfo(url)
        ))
    })?;
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    // What IMS's answer may quote of the form (a gateway that echoes it) is taken out.
    let secrets = Secrets::of(&HeaderMap::new(), Some(&body), SECRET_FIELDS);
    let mut request_headers = headers.clone();
    request_headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    // IMS is retried like AEM: connection errors, 429 and 5xx, with backoff and Retry-After.
    let policy = RetryPolicy {
        max_retries: limits.retries,
        ..RetryPolicy::default()
    };
    let attempts = Attempts {
        policy: &policy,
        repeatable: true,
        timeout: limits.timeout,
        // Adobe's getToken has no timeout: a test's fake clock does not see this one.
        timeout_on_transport_clock: false,
        connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    };
    // The form is the credential: it goes to IMS's origin only (a redirect elsewhere is an error).
    let request = Request {
        method: Method::POST,
        credential_origin: Some(std::sync::Arc::new(parsed.clone())),
        url: Target::Absolute(parsed),
        headers: request_headers,
        credentials: HeaderMap::new(),
        body: Some(Body::Text(body)),
        body_replayable: true,
        secret_fields: SECRET_FIELDS,
        redirect: RedirectMode::Follow,
        read: BodyRead::UpTo(IMS_MAX_BODY_BYTES),
        init: None,
    };
    let read = |ended: std::result::Result<Answer, HopFailure>| async {
        match ended {
            Ok(answer) => read_token(answer.incoming, unit, &secrets).await,
            Err(HopFailure::Transport(source)) => Err(Error::ImsUnreachable {
                url: url.to_owned(),
                source,
            }),
            Err(HopFailure::Redirect(refusal)) => Err(Error::ImsRedirected {
                status: refusal.status,
                reason: refusal.to_string(),
            }),
        }
    };
    send(
        http,
        &request,
        attempts,
        std::future::ready(()),
        read,
        |after| Error::ImsTimeout { after },
    )
    .await
    .map(|(mut token, attempts)| {
        token.exchange.attempts = attempts;
        token
    })
}

/// Reads an IMS response: the token, or IMS's refusal.
async fn read_token(response: Incoming, unit: ExpiresIn, secrets: &Secrets) -> Result<ImsToken> {
    let status = response.status().as_u16();
    let http_version = response.http_version();
    let debug_id = response
        .headers()
        .get("x-debug-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .read_body(IMS_MAX_BODY_BYTES)
        .await
        .map_err(|error| Error::ImsMalformed {
            status,
            reason: error.to_string(),
            text: None,
        })?;
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if !(200..300).contains(&status) {
        let field = |name: &str| {
            json.as_ref()
                .and_then(|v| v.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        return Err(Error::ImsRefused(ImsRefusal {
            status,
            error: field("error"),
            error_description: field("error_description"),
            debug_id,
            text: secrets.redact(&String::from_utf8_lossy(&body)),
        }));
    }
    let not_json = json.is_none();
    let mut token = parse_token(status, json, unit).map_err(|error| match error {
        // A body that is not JSON holds no token field: Adobe's getToken reports its syntax error.
        Error::ImsMalformed { status, reason, .. } if not_json => Error::ImsMalformed {
            status,
            reason,
            text: Some(secrets.redact(&String::from_utf8_lossy(&body))),
        },
        other => other,
    })?;
    token.raw = Secret::new(String::from_utf8_lossy(&body).into_owned());
    token.exchange.http_version = http_version;
    Ok(token)
}

/// Reads `{token_type, access_token, expires_in}`. Never quotes the body: it holds a token.
fn parse_token(status: u16, json: Option<Value>, unit: ExpiresIn) -> Result<ImsToken> {
    let malformed = |reason: &str| Error::ImsMalformed {
        status,
        reason: reason.to_owned(),
        text: None,
    };
    let json = json.ok_or_else(|| malformed("not JSON"))?;
    let access_token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed("access_token is missing or not a string"))?;
    let expires_in = json
        .get("expires_in")
        .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
        .filter(|&n| n > 0)
        .ok_or_else(|| malformed("expires_in is missing, not a number, or not positive"))?;
    let token_type = json
        .get("token_type")
        .and_then(Value::as_str)
        .unwrap_or("bearer")
        .to_owned();
    let lifetime = match unit {
        ExpiresIn::Milliseconds => Duration::from_millis(expires_in),
        ExpiresIn::Seconds => Duration::from_secs(expires_in),
    };
    Ok(ImsToken {
        token_type,
        access_token: Secret::new(access_token),
        expires_in,
        lifetime,
        raw: Secret::new(String::new()),
        exchange: Exchange {
            status,
            attempts: 1,
            http_version: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_url_from_host_port_or_url() {
        assert_eq!(
            ims_base_url("ims-na1.adobelogin.com", false).unwrap(),
            "https://ims-na1.adobelogin.com"
        );
        assert_eq!(
            ims_base_url("127.0.0.1:8443", false).unwrap(),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            ims_base_url("https://localhost:9/", false).unwrap(),
            "https://localhost:9"
        );
        assert_eq!(ims_host("https://localhost:9/"), "localhost:9");
        assert_eq!(
            ims_base_url("http://127.0.0.1:9", true).unwrap(),
            "http://127.0.0.1:9"
        );
        assert_eq!(ims_host("http://127.0.0.1:9"), "127.0.0.1:9");
        for bad in ["http://ims", "ftp://x", "", "host/with/path", "a b"] {
            assert_eq!(
                ims_base_url(bad, false).unwrap_err().code().as_str(),
                "INVALID_PARAM",
                "{bad}"
            );
        }
    }

    #[test]
    fn user_info_is_refused_and_never_shown() {
        for bad in [
            "admin:hunter2@ims-na1.adobelogin.com",
            "https://admin:hunter2@ims-na1.adobelogin.com",
            "https://admin:hun/ter2@ims-na1.adobelogin.com",
            "http://admin:hunter2@127.0.0.1:9",
            "ftp://admin:hunter2@ims-na1.adobelogin.com",
        ] {
            for insecure in [false, true] {
                let message = ims_base_url(bad, insecure).unwrap_err().to_string();
                assert!(message.contains("imsEndpoint"), "{message}");
                assert!(!message.contains("hunter2"), "{message}");
                assert!(!message.contains("hun/ter2"), "{message}");
            }
        }
    }

    #[test]
    fn the_two_endpoints_count_expires_in_in_different_units() {
        let body = json!({"token_type":"bearer","access_token":"at","expires_in":86399});
        let v3 = parse_token(200, Some(body.clone()), ExpiresIn::Seconds).unwrap();
        assert_eq!(v3.lifetime, Duration::from_secs(86_399));
        let jwt = parse_token(200, Some(body), ExpiresIn::Milliseconds).unwrap();
        assert_eq!(jwt.lifetime, Duration::from_millis(86_399));
    }

    #[test]
    fn parses_a_token_response_without_quoting_it() {
        let token = parse_token(
            200,
            Some(json!({"token_type":"bearer","access_token":"at","expires_in":86399999})),
            ExpiresIn::Milliseconds,
        )
        .unwrap();
        assert_eq!(token.expires_in, 86_399_999);
        assert_eq!(token.lifetime, Duration::from_millis(86_399_999));
        assert_eq!(token.access_token.expose(), "at");
        let err = parse_token(
            200,
            Some(json!({"access_token":"at-SECRET"})),
            ExpiresIn::Seconds,
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "EXCHANGE_TOKEN_ERROR");
        assert!(!err.to_string().contains("at-SECRET"));
    }
}
