//! Turns an AEM response into the JSON text of its body, or into the error Adobe's client would
//! raise for it, keeping everything AEM said.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// How much of a body that is not JSON an error quotes.
const EXCERPT_CHARS: usize = 200;

/// The fields of a GraphQL response object that decide success; everything else is skipped
/// without being built.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    errors: Option<&'a RawValue>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

/// Checks a response and returns its body as JSON text.
///
/// - non-2xx with a JSON body: [`Error::Api`] with the whole body;
/// - non-2xx without one (an empty 401, an HTML error page): [`Error::HttpStatus`];
/// - 2xx that is not JSON: [`Error::NotJson`];
/// - 2xx with truthy GraphQL `errors`: [`Error::GraphQl`] with the errors and any partial `data`.
pub fn decode(status: u16, request_id: Option<String>, body: &[u8]) -> Result<String> {
    check(status, request_id, body).map(|start| {
        // `check` validated `body[start..]` as UTF-8.
        String::from_utf8_lossy(&body[start..]).into_owned()
    })
}

/// [`decode`] of a body the caller owns, for a caller that parses the text itself (the JavaScript
/// side does, with `JSON.parse`): the text is the body's own buffer, not a copy, and its UTF-8 is
/// validated once.
///
/// Unless `full`, a 2xx text is parsed in full only when it may hold GraphQL `errors`, or may not
/// be JSON. A text that is bracketed as one JSON object or array and in which neither `"errors"`
/// nor a `\u` escape appears cannot have a member named `errors`: it is passed on as it is, and
/// the caller's parse is its syntax check ([`decode`] then gives the error of a text the caller
/// refuses). The full parse of a persisted query's answer was about a twentieth of the client's
/// CPU per call. With `full` (an answer about to be stored, which must be known to be JSON before
/// anyone else is served it) the text is always parsed.
pub fn decode_owned(
    status: u16,
    request_id: Option<String>,
    body: Vec<u8>,
    full: bool,
) -> Result<String> {
    if !(200..300).contains(&status) {
        return Err(refusal(status, request_id, without_bom(&body)));
    }
    let mut text = String::from_utf8(body).map_err(|err| Error::NotJson {
        status,
        reason: err.utf8_error().to_string(),
        text: String::from_utf8_lossy(err.as_bytes()).into_owned(),
    })?;
    let start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    if full || !cannot_hold_errors(&text[start..]) {
        check_text(status, &text[start..])?;
    }
    text.drain(..start);
    Ok(text)
}

/// Whether a stored body is one this client would have stored: a raw answer's envelope that is
/// JSON, or a GraphQL body that is JSON without `errors` (for entries of a shared store, which
/// other processes wrote).
pub fn is_storable(body: &str, raw: bool) -> bool {
    if raw {
        serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok()
    } else {
        check_text(200, body).is_ok()
    }
}

/// Whether a text bracketed as one JSON object or array cannot have a top-level `errors`
/// member: the name is spelled neither plainly nor with `\u` escapes anywhere in it.
fn cannot_hold_errors(text: &str) -> bool {
    let trimmed = text.trim_matches([' ', '\t', '\n', '\r']);
    let bracketed = (trimmed.starts_with('{') && trimmed.ends_with('}'))
        || (trimmed.starts_with('[') && trimmed.ends_with(']'));
    bracketed
        && memchr::memmem::find(trimmed.as_bytes(), b"\"errors\"").is_none()
        && memchr::memmem::find(trimmed.as_bytes(), b"\\u").is_none()
}

/// The checks of [`decode`]; on success, where the JSON text starts (after any UTF-8 BOM).
fn check(status: u16, request_id: Option<String>, body: &[u8]) -> Result<usize> {
    let json = without_bom(body);
    if !(200..300).contains(&status) {
        return Err(refusal(status, request_id, json));
    }
    let text = std::str::from_utf8(json).map_err(|err| Error::NotJson {
        status,
        reason: err.to_string(),
        text: String::from_utf8_lossy(json).into_owned(),
    })?;
    check_text(status, text)?;
    Ok(body.len() - json.len())
}

/// A body without its UTF-8 byte order mark.
fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// The error of a non-2xx answer: [`Error::Api`] with its JSON body, else [`Error::HttpStatus`].
fn refusal(status: u16, request_id: Option<String>, body: &[u8]) -> Error {
    match serde_json::from_slice::<Value>(body) {
        Ok(json) => Error::Api {
            status,
            body: json,
            request_id,
        },
        Err(_) => Error::HttpStatus {
            status,
            excerpt: excerpt(body),
            text: String::from_utf8_lossy(body).into_owned(),
            request_id,
        },
    }
}

/// The checks of a 2xx answer's text (without its BOM): JSON, and no truthy GraphQL `errors`.
fn check_text(status: u16, text: &str) -> Result<()> {
    let not_json = |reason: String| Error::NotJson {
        status,
        reason,
        text: text.to_owned(),
    };
    if text.trim_start().starts_with('{') {
        let envelope: Envelope<'_> =
            serde_json::from_str(text).map_err(|err| not_json(err.to_string()))?;
        if let Some(errors) = envelope.errors.filter(|raw| is_truthy(raw.get())) {
            let parse = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).ok();
            return Err(Error::GraphQl {
                status,
                errors: parse(errors).unwrap_or(Value::Null),
                data: envelope.data.and_then(parse),
            });
        }
    } else {
        serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map_err(|err| not_json(err.to_string()))?;
    }
    Ok(())
}

/// JavaScript truthiness of a JSON value given as text.
fn is_truthy(raw: &str) -> bool {
    !matches!(raw.trim(), "null" | "false" | "0" | "\"\"" | "-0" | "0.0")
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ok_json_passes_through_unchanged() {
        let body = br#"{"data":{"adventureList":{"items":[]}}}"#;
        assert_eq!(decode(200, None, body).unwrap().as_bytes(), body);
        assert_eq!(decode(200, None, b"[1,2]").unwrap(), "[1,2]");
        assert_eq!(decode(200, None, b"\xEF\xBB\xBF{}").unwrap(), "{}");
        for owned in [&b"\xEF\xBB\xBF{\"a\":\"\xC3\xBC\"}"[..], body, b"[1,2]"] {
            assert_eq!(
                decode_owned(200, None, owned.to_vec(), false).unwrap(),
                decode(200, None, owned).unwrap()
            );
        }
        assert_eq!(
            decode_owned(200, None, b"\xFF{}".to_vec(), false)
                .unwrap_err()
                .code()
                .as_str(),
            "RESPONSE_ERROR"
        );
        assert_eq!(
            decode(200, None, br#"{"errors":null,"data":1}"#).unwrap(),
            r#"{"errors":null,"data":1}"#
        );
    }

    #[test]
    fn graphql_errors_in_a_200_keep_errors_and_partial_data() {
        let body = br#"{"errors":[{"message":"bad field","locations":[{"line":1,"column":3}]}],"data":{"a":null}}"#;
        match decode(200, None, body).unwrap_err() {
            Error::GraphQl {
                status,
                errors,
                data,
            } => {
                assert_eq!(status, 200);
                assert_eq!(
                    errors,
                    json!([{"message":"bad field","locations":[{"line":1,"column":3}]}])
                );
                assert_eq!(data, Some(json!({"a": null})));
            }
            other => panic!("{other:?}"),
        }
        // An empty array is truthy in JavaScript, so Adobe's client rejects it too.
        assert!(matches!(
            decode(200, None, br#"{"errors":[]}"#),
            Err(Error::GraphQl { .. })
        ));
    }

    #[test]
    fn non_2xx_json_is_an_api_error_with_the_whole_body() {
        let body = br#"{"errors":[{"errorType":"ServletError","message":"m","details":"d"}]}"#;
        match decode(404, Some("rid".into()), body).unwrap_err() {
            Error::Api {
                status,
                body,
                request_id,
            } => {
                assert_eq!(status, 404);
                assert_eq!(body["errors"][0]["details"], "d");
                assert_eq!(request_id.as_deref(), Some("rid"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_2xx_without_json_is_a_response_error_with_an_excerpt() {
        let html = format!("<html><body>{}</body></html>", "x".repeat(500));
        match decode(502, None, html.as_bytes()).unwrap_err() {
            Error::HttpStatus {
                status, excerpt, ..
            } => {
                assert_eq!(status, 502);
                assert!(excerpt.starts_with("<html><body>xxx"));
                assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode(401, None, b""),
            Err(Error::HttpStatus { status: 401, .. })
        ));
    }

    #[test]
    fn a_2xx_that_is_not_json_is_a_response_error() {
        for body in [&b"this is not json"[..], b"{\"data\":", b"", b"\xff\xfe"] {
            let err = decode(200, None, body).unwrap_err();
            assert_eq!(err.code().as_str(), "RESPONSE_ERROR", "{body:?}");
        }
    }

    #[test]
    fn an_owned_answer_is_parsed_in_full_only_when_it_may_hold_errors_or_may_not_be_json() {
        let owned = |body: &[u8]| decode_owned(200, None, body.to_vec(), false);
        // Bracketed, no "errors", no \u escape: passed on as it is, for the caller's parse.
        assert_eq!(owned(b"{\"a\": [1, 2,]}").unwrap(), "{\"a\": [1, 2,]}");
        assert_eq!(owned(b"\xEF\xBB\xBF [1] \n").unwrap(), " [1] \n");
        // Everything else gets the full check.
        for body in [
            &br#"{"data":null,"errors":[{"message":"x"}]}"#[..],
            br#"{"data":null,"\u0065rrors":[{"message":"x"}]}"#,
            br#"{"data":null,"err\u006frs":[{"message":"x"}]}"#,
        ] {
            assert!(
                matches!(owned(body), Err(Error::GraphQl { status: 200, .. })),
                "{body:?}"
            );
        }
        for body in [&b"{\"data\": 1"[..], b"<html>{}</html>", b"", b"\"text\"x"] {
            assert!(
                matches!(owned(body), Err(Error::NotJson { status: 200, .. })),
                "{body:?}"
            );
        }
        assert_eq!(
            owned(br#"{"errors": null, "data": 1}"#).unwrap(),
            r#"{"errors": null, "data": 1}"#
        );
        assert_eq!(owned(br#""a string""#).unwrap(), r#""a string""#);
    }

    #[test]
    fn an_answer_about_to_be_stored_is_parsed_in_full() {
        let full = |body: &[u8]| decode_owned(200, None, body.to_vec(), true);
        assert!(matches!(
            full(b"{\"a\": [1, 2,]}"),
            Err(Error::NotJson { .. })
        ));
        assert!(matches!(full(b"[not json]"), Err(Error::NotJson { .. })));
        assert_eq!(full(b"{\"data\":1}").unwrap(), "{\"data\":1}");
        assert!(is_storable(r#"{"data":1}"#, false));
        assert!(!is_storable("[not json]", false));
        assert!(!is_storable(r#"{"errors":[{"message":"x"}]}"#, false));
        assert!(is_storable(
            r#"{"status":200,"headers":[],"text":"[not json]"}"#,
            true
        ));
        assert!(!is_storable(r#"{"status":200"#, true));
    }
}
