//! What no message, log line or span may hold, and the one place it is taken out: the secrets of
//! a request (its header values, the credential after `Bearer `/`Basic `, a form's secret fields)
//! and the secrets of a URL (user info, signature and credential query values).

use reqwest::header::HeaderMap;

use super::headers;
use super::url::without_userinfo;

/// Query parameters whose values are credentials: the HTTP semantic conventions' list (AWS's
/// `AWSAccessKeyId` and `Signature`, Azure's `sig`, Google's `X-Goog-Signature`) and AWS SigV4's
/// and Google's V4 signing fields, and an OAuth `access_token`. Matched without regard to case.
pub const SECRET_QUERY_NAMES: [&str; 9] = [
    "AWSAccessKeyId",
    "Signature",
    "sig",
    "X-Goog-Signature",
    "X-Goog-Credential",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "access_token",
];

/// What a redacted value is replaced with, as the semantic conventions spell it.
pub const REDACTED: &str = "REDACTED";

/// `url` as it may be shown: any user name and password replaced by `***`, and the values of
/// [`SECRET_QUERY_NAMES`] by `REDACTED`. Anything else (the path, other query values, the
/// fragment) is kept as it is. A text that is not a URL is treated the same way.
pub fn redact_url(url: &str) -> String {
    let url = without_userinfo(url);
    let Some(question) = url.find('?') else {
        return url;
    };
    let hash = url[question..].find('#').map(|at| question + at);
    let query = &url[question + 1..hash.unwrap_or(url.len())];
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..=question]);
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, _)) if is_secret_query_name(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
    }
    if let Some(hash) = hash {
        out.push_str(&url[hash..]);
    }
    out
}

/// Whether a query parameter's value is a credential (its name percent-decoded, any case).
fn is_secret_query_name(name: &str) -> bool {
    let decoded = form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(decoded, _)| decoded.into_owned())
        .unwrap_or_default();
    SECRET_QUERY_NAMES
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(&decoded))
}

/// The texts of one request that no message may hold, longest first.
#[derive(Default)]
pub struct Secrets(Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} texts)", self.0.len())
    }
}

impl Secrets {
    /// The secrets of a request: every header value but the plain ones (an `Authorization`, a
    /// `Cookie` with AEM's `login-token`, an `X-Api-Key`, an app's own header), the credential
    /// after `Bearer ` or `Basic `, and the values of the form fields named in `secret_fields`
    /// (`client_secret`, `jwt_token` at IMS), raw and encoded.
    pub fn of(headers: &HeaderMap, body: Option<&str>, secret_fields: &[&str]) -> Self {
        let mut secrets = header_secrets(
            headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_bytes())),
        );
        if let (false, Some(body)) = (secret_fields.is_empty(), body) {
            for field in body.split('&') {
                let Some((name, encoded)) = field.split_once('=') else {
                    continue;
                };
                if secret_fields.contains(&name) {
                    secrets.push(encoded.to_owned());
                    secrets.extend(
                        form_urlencoded::parse(field.as_bytes()).map(|(_, v)| v.into_owned()),
                    );
                }
            }
        }
        Self::ordered(secrets)
    }

    /// The secrets of request headers given as name–value pairs (a JavaScript request's).
    pub fn of_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        Self::ordered(header_secrets(
            pairs.map(|(name, value)| (name, value.as_bytes())),
        ))
    }

    /// Secrets longest first, so that a credential inside a longer secret goes with it. A value
    /// of a few characters (a test's `auth: 'tok'`) would hide ordinary words, and hides nothing.
    fn ordered(mut secrets: Vec<String>) -> Self {
        secrets.retain(|secret| secret.len() >= 4);
        secrets.sort_unstable_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        Self(secrets)
    }

    /// `message` with every secret replaced by `[redacted]`.
    pub fn redact(&self, message: &str) -> String {
        let mut text = message.to_owned();
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }
}

/// The secrets among request headers: every value but those of the plain headers, and the
/// credential after a scheme (`Bearer `, `Basic `).
fn header_secrets<'a>(headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<String> {
    let mut secrets = Vec::new();
    for (name, value) in headers {
        if headers::is_plain(name) {
            continue;
        }
        let text = String::from_utf8_lossy(value).into_owned();
        if let Some((_, credential)) = text.split_once(' ') {
            secrets.push(credential.trim().to_owned());
        }
        secrets.push(text);
    }
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

    #[test]
    fn messages_lose_auth_and_secret_form_values() {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_static("Bearer token-SECRET-123");
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            "cookie",
            HeaderValue::from_static("login-token=cookie-SECRET"),
        );
        headers.insert("x-api-key", HeaderValue::from_static("key-SECRET-9"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let secrets = Secrets::of(
            &headers,
            Some("grant_type=client_credentials&client_secret=p8e-a%2Bb%3Dc-SECRET"),
            &["client_secret"],
        );
        let message = secrets.redact(
            "No match for GET {authorization: 'Bearer token-SECRET-123', cookie: 'login-token=cookie-SECRET', x-api-key: 'key-SECRET-9', content-type: 'application/json'} body grant_type=client_credentials&client_secret=p8e-a%2Bb%3Dc-SECRET or p8e-a+b=c-SECRET; token-SECRET-123",
        );
        assert!(!message.contains("SECRET"), "{message}");
        assert!(message.contains("client_credentials"), "{message}");
        assert!(message.contains("application/json"), "{message}");
        assert!(!format!("{secrets:?}").contains("SECRET"));
    }

    #[test]
    fn urls_lose_user_info_and_signatures_only() {
        assert_eq!(
            redact_url("https://blob.example/c/a.bin?sv=2024&sig=abc%2Bdef&se=1#part"),
            "https://blob.example/c/a.bin?sv=2024&sig=REDACTED&se=1#part"
        );
        assert_eq!(
            redact_url(
                "https://s3.example/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261207&X-Amz-Signature=f00&x-amz-security-token=t0k&X-Amz-Expires=60"
            ),
            "https://s3.example/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&x-amz-security-token=REDACTED&X-Amz-Expires=60"
        );
        assert_eq!(
            redact_url("https://u:p@h/x?Signature=1&AWSAccessKeyId=2&q=sig"),
            "https://***@h/x?Signature=REDACTED&AWSAccessKeyId=REDACTED&q=sig"
        );
        assert_eq!(
            redact_url("/graphql/execute.json/a/b%3Bx%3D1;"),
            "/graphql/execute.json/a/b%3Bx%3D1;"
        );
        assert_eq!(redact_url("https://h/?sig"), "https://h/?sig");
        assert_eq!(
            redact_url("https://h/?%73ig=1"),
            "https://h/?%73ig=REDACTED"
        );
    }
}
