//! The answer to a raw request (`AemRequest::raw`: any AEM API, not GraphQL) as it came: its
//! status, its headers and its text, in one JSON envelope. The response cache keeps the envelope
//! like any body; the JavaScript side turns it back into a fetch `Response` (`authFetch`) or a
//! parsed result (`request()`).
//!
//! ```json
//! {"status": 200, "url": "https://…/final", "headers": [["content-type", "application/json"], ["etag", "\"v1\""]], "text": "{…}"}
//! ```
//!
//! `url` is the URL that answered, after any redirects.
//!
//! A body that is not text (an image, a PDF) is not read: through a `fetch` transport it is held
//! for the caller, unread, and the envelope says under which id (`"held": 7`); through the native
//! client, and for a text that is not UTF-8 or over the limit, the envelope says `"unread": true`,
//! and the caller sends the request through a transport that streams it.

use reqwest::header::{CONTENT_TYPE, HeaderMap, SET_COOKIE};
use serde_json::json;

use crate::error::{Error, Result};
use crate::http::transport::{Handover, Incoming, ReadOrKept};

/// Headers an envelope leaves out: those of one connection (RFC 9110 §7.6.1), and the body's
/// framing and coding (the text is whole and decoded).
const LEFT_OUT: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
    "content-encoding",
];

/// A raw answer read: its envelope as JSON text, and whether a cache may keep it.
#[derive(Debug)]
pub struct RawAnswer {
    /// The envelope.
    pub envelope: String,
    /// Whether the envelope stands for the whole answer (its body was read) and holds nothing
    /// of one user's: an answer that sets a cookie goes to its caller only (a cache that serves
    /// many users of one backend keeps none, RFC 9111 §3.5 and §7.3).
    pub storable: bool,
    /// A body that is not text, held unread by the `fetch` transport for the caller.
    pub held: Option<Handover>,
}

/// Reads `response`, the answer of `url`, into its envelope, its body as text up to `limit`
/// bytes. A 2xx is the answer; any other status is [`Error::Answered`] with the envelope, so that
/// retries, the 401 refresh and `stale-if-error` see the status as they see every request's.
pub async fn read(response: Incoming, url: &str, limit: u64) -> Result<RawAnswer> {
    let status = response.status().as_u16();
    let ok = (200..300).contains(&status);
    let headers = headers_of(response.headers());
    let sets_cookie = response.headers().contains_key(SET_COOKIE);
    let response_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let mut held = None;
    let text = if is_text(response.headers()) {
        match response.read_or_keep(limit).await? {
            ReadOrKept::Read(body) => String::from_utf8(body).ok(),
            // Over the limit: not kept here, but still its caller's answer, whole.
            ReadOrKept::Kept(body) => {
                held = Some(body).filter(|_| ok).map(Handover::new);
                None
            }
            ReadOrKept::TooLarge => None,
        }
    } else {
        // A 2xx binary goes to its caller as it streams, through the fetch that holds it.
        held = response.into_held().filter(|_| ok).map(Handover::new);
        None
    };
    // What says it is JSON is kept only if it is: `request()` would refuse it from the cache on
    // every later call, as it refused it now.
    let claims_json = essence_of(response_type.as_deref()).is_some_and(|essence| is_json(&essence));
    let storable = text
        .as_deref()
        .is_some_and(|text| !claims_json || is_json_text(text))
        && !sets_cookie;
    let mut envelope = json!({ "status": status, "url": url, "headers": headers });
    match (text, &held) {
        (Some(text), _) => envelope["text"] = json!(text),
        (None, Some(held)) => envelope["held"] = json!(held.id()),
        (None, None) => envelope["unread"] = json!(true),
    }
    if ok {
        Ok(RawAnswer {
            envelope: envelope.to_string(),
            storable,
            held,
        })
    } else {
        Err(Error::Answered { status, envelope })
    }
}

/// The headers an envelope keeps, as name–value pairs in the order they came (a name that comes
/// twice stays twice).
fn headers_of(headers: &HeaderMap) -> Vec<[String; 2]> {
    headers
        .iter()
        .filter(|(name, _)| !LEFT_OUT.contains(&name.as_str()))
        .map(|(name, value)| {
            [
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ]
        })
        .collect()
}

/// A `Content-Type`'s essence (`type/subtype`, lower case, no parameters).
fn essence_of(content_type: Option<&str>) -> Option<String> {
    content_type.map(|value| {
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    })
}

/// Whether an essence is JSON, as `request()` parses it: `application/json`, or a `+json` type.
fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// Whether a text is JSON.
fn is_json_text(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text.trim_start_matches('\u{FEFF}')).is_ok()
}

/// Whether a body is read as text: no `Content-Type`, `text/*`, or a JSON, XML, JavaScript,
/// form or GraphQL type (with their `+json`, `+xml` suffixes).
fn is_text(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = essence_of(Some(value)).unwrap_or_default();
    essence.is_empty()
        || essence.starts_with("text/")
        || [
            "json",
            "xml",
            "javascript",
            "x-www-form-urlencoded",
            "graphql",
        ]
        .iter()
        .any(|kind| {
            let subtype = essence.split_once('/').map_or("", |(_, subtype)| subtype);
            subtype == *kind || subtype.ends_with(&format!("+{kind}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn with_type(kind: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(kind).unwrap());
        headers
    }

    #[test]
    fn text_types_are_read_and_binaries_are_not() {
        assert!(is_text(&HeaderMap::new()));
        for kind in [
            "application/json",
            "application/problem+json; charset=utf-8",
            "Application/JSON",
            "text/html",
            "application/xml",
            "image/svg+xml",
            "application/javascript",
            "application/graphql-response+json",
            "application/x-www-form-urlencoded",
            "application/vnd.adobe.cfm.fragment.v1+json",
        ] {
            assert!(is_text(&with_type(kind)), "{kind}");
        }
        for kind in [
            "image/png",
            "application/pdf",
            "application/octet-stream",
            "video/mp4",
            "application/jsonx",
            "application/zip",
        ] {
            assert!(!is_text(&with_type(kind)), "{kind}");
        }
    }

    #[test]
    fn what_claims_to_be_json_is_json() {
        for json in [
            "application/json",
            "application/problem+json; charset=utf-8",
        ] {
            assert!(is_json(&essence_of(Some(json)).unwrap()), "{json}");
        }
        for other in ["text/plain", "application/jsonx", "text/html"] {
            assert!(!is_json(&essence_of(Some(other)).unwrap()), "{other}");
        }
        assert!(is_json_text("\u{FEFF}{\"a\": 1}"));
        assert!(!is_json_text("[not json]"));
    }

    #[test]
    fn connection_headers_are_left_out() {
        let mut headers = with_type("application/json");
        for (name, value) in [
            ("etag", "\"v1\""),
            ("set-cookie", "session=1"),
            ("connection", "keep-alive"),
            ("content-length", "12"),
            ("content-encoding", "gzip"),
            ("link", "</a>; rel=next"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        headers.append("link", HeaderValue::from_static("</b>; rel=prev"));
        let kept = headers_of(&headers);
        let names: Vec<&str> = kept.iter().map(|[name, _]| name.as_str()).collect();
        assert_eq!(
            names,
            ["content-type", "etag", "set-cookie", "link", "link"]
        );
        assert_eq!(kept[4][1], "</b>; rel=prev");
    }
}
