//! One request to AEM as a call makes it, and how it is authorized: the client's own `auth`, a
//! managed token from the client's token provider, or an `Authorization` of the call's own.

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::http::retry::RetryPolicy;
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
    pub fn header_value(&self) -> Result<HeaderValue> {
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

/// A managed token and whom it speaks for. `Debug` shows whom, never the token.
#[derive(Clone)]
pub struct ManagedToken {
    /// The access token.
    pub token: Secret,
    /// Whom it speaks for (the credentials' identity: IMS, client id and scopes, no secret), when
    /// the token provider says: cached answers are then keyed by it, the same in every process and
    /// across token renewals. Without it, they are keyed by a digest of the token.
    pub identity: Option<String>,
}

impl std::fmt::Debug for ManagedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedToken")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl ManagedToken {
    /// `Authorization: Bearer <token>`, marked sensitive; an error that names no character of it
    /// when the token cannot be sent in a header.
    pub fn header_value(&self) -> Result<HeaderValue> {
        Auth::Bearer(self.token.clone()).header_value()
    }
}

/// Header names with their values left out, for `Debug`: any of them may be a credential.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a [(String, String)]);

impl std::fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "[redacted]")))
            .finish()
    }
}

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
    /// The managed token this request carries, from the client's token provider: sent as
    /// `Authorization: Bearer` to AEM's origin, unless `headers` hold an `Authorization` of the
    /// call's own.
    pub token: Option<ManagedToken>,
    /// An answer of any AEM API, not a GraphQL one: a 2xx body is not checked as GraphQL but
    /// handed back as it came, in a JSON envelope `{"type", "etag", "text"}` (`"binary": true`
    /// instead of `text` for a body that is not UTF-8, which is then not cached). With the cache
    /// on, such GETs are cached like persisted queries.
    pub raw: bool,
    /// Sent through the app's transport (its `fetch`), where its HTTP test doubles see it,
    /// instead of the client's.
    pub through_app: bool,
}

impl AemRequest {
    /// A request with the client's headers, retries, timeouts and auth.
    pub fn new(method: Method, endpoint: String, body: Option<String>) -> Self {
        Self {
            method,
            endpoint,
            body,
            headers: Vec::new(),
            trace_headers: Vec::new(),
            retry: None,
            timeout: None,
            connect_timeout: None,
            token: None,
            raw: false,
            through_app: false,
        }
    }
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
            token,
            raw,
            through_app,
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
            .field("token", token)
            .field("raw", raw)
            .field("through_app", through_app)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let bad = [("tracestate".to_owned(), "a\r\nInjected: x".to_owned())];
        let err = parse_headers(&bad).unwrap_err();
        assert_eq!(err.code().as_str(), "INVALID_PARAM");
        assert!(err.to_string().contains("tracestate"));
    }

    #[test]
    fn a_managed_token_never_shows() {
        let token = ManagedToken {
            token: Secret::new("token-SECRET"),
            identity: Some("oauth|ims|client|scopes".into()),
        };
        assert!(!format!("{token:?}").contains("SECRET"));
        assert!(token.header_value().unwrap().is_sensitive());
    }
}
