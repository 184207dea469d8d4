//! The key identical requests share in the response cache and when coalesced, and who is asking:
//! one rule for persisted queries and raw GETs (`authFetch`, `request()`), local and shared.
//!
//! Who is asking comes from what the call says, never from which header happens to be present.
//! Answers for the managed token (keyed by whom it speaks for) and answers for a literal
//! `Authorization` value (the client's `auth`, or the call's own header) live in separate key
//! spaces: each is a digest over its own domain name, so no header value can name the managed
//! token's entries, whatever it holds.

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap};

use super::request::AemRequest;
use crate::cache::policy;
use crate::http::headers;

/// The prefix of persisted-query endpoints, the GraphQL requests that may be cached and coalesced.
pub const PERSISTED_QUERY_PREFIX: &str = "graphql/execute.json/";

/// The key spaces of identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// A literal `Authorization` value: the client's `auth`, or a call's own header.
    Authorization,
    /// The managed token, by the identity its provider gives (no secret).
    ManagedIdentity,
    /// The managed token, by the token itself, when its provider gives no identity.
    ManagedToken,
}

impl Speaker {
    fn domain(self) -> &'static [u8] {
        match self {
            Self::Authorization => b"authorization",
            Self::ManagedIdentity => b"managed-identity",
            Self::ManagedToken => b"managed-token",
        }
    }
}

/// Who is asking, as keys name it: a digest of `value` in the key space of `speaker`, so that keys
/// tell identities apart without holding a secret.
pub fn identity_key(speaker: Speaker, value: &[u8]) -> String {
    use base64::Engine as _;
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    context.update(speaker.domain());
    context.update(&[0]);
    context.update(value);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(context.finish().as_ref())
}

/// The key that identical GETs share for caching and coalescing: a persisted query or a raw GET,
/// its endpoint, who is asking, and the call's other headers (names lower-cased, sorted), every
/// field prefixed with its length so that no two different header sets give one key. The trace
/// context is left out: `trace_headers`, and the trace context headers a caller sets among its
/// headers. `client_identity` is the client's own `auth`'s ([`identity_key`], or empty). `None` for
/// other requests, and for a call whose headers keep it away from stored answers
/// ([`policy::request_bypasses_cache`]).
pub fn key_of(request: &AemRequest, client_identity: &str) -> Option<String> {
    if request.method != Method::GET
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
        if name.eq_ignore_ascii_case(AUTHORIZATION.as_str()) {
            identity = Some(identity_key(Speaker::Authorization, value.as_bytes()));
        } else if !headers::is_trace_context(name) {
            // Each call's own trace context is not part of what the answer depends on.
            others.push((name.to_ascii_lowercase(), value));
        }
    }
    let identity = identity.or_else(|| {
        request
            .token
            .as_ref()
            .map(|managed| match &managed.identity {
                Some(identity) => identity_key(Speaker::ManagedIdentity, identity.as_bytes()),
                None => identity_key(Speaker::ManagedToken, managed.token.expose().as_bytes()),
            })
    });
    let identity = identity.as_deref().unwrap_or(client_identity);
    others.sort_unstable();
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

/// What a client's answers depend on besides a request's key, for the shared store's keys: its
/// service URL and its own headers but `Authorization` (names lower-cased, sorted).
pub fn scope_of(service_url: &str, client_headers: &HeaderMap) -> String {
    let mut pairs: Vec<(&str, &[u8])> = client_headers
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

/// The endpoint (the request's URL, relative to the service URL) a key of [`key_of`] is for.
pub fn endpoint_of(key: &str) -> Option<&str> {
    fields(key).nth(1)
}

/// The persisted query (`conf/name`) a key of [`key_of`] is for; `None` for another endpoint.
/// Its name ends where its variables begin: at `;`, or `%3B` as Adobe's clients send it, or `?`.
pub fn persisted_query_of(key: &str) -> Option<&str> {
    let endpoint = endpoint_of(key)?;
    let query = endpoint.strip_prefix(PERSISTED_QUERY_PREFIX)?;
    let query = query.split([';', '?']).next().unwrap_or(query);
    let encoded = query
        .as_bytes()
        .windows(3)
        .position(|three| three.eq_ignore_ascii_case(b"%3B"));
    Some(encoded.map_or(query, |at| &query[..at]))
}

/// The fields of a key, as [`push_field`] wrote them.
fn fields(key: &str) -> impl Iterator<Item = &str> {
    let mut rest = key;
    std::iter::from_fn(move || {
        let (length, after) = rest.split_once(':')?;
        let field = after.get(..length.parse::<usize>().ok()?)?;
        rest = &after[field.len()..];
        Some(field)
    })
}

/// Appends `field` to a key as `<length in bytes>:<field>`.
fn push_field(key: &mut String, field: &str) {
    use std::fmt::Write as _;
    let _ = write!(key, "{}:{field}", field.len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aem::request::ManagedToken;
    use crate::secret::Secret;

    fn request(headers: &[(&str, &str)], trace: &[(&str, &str)]) -> AemRequest {
        let owned = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect()
        };
        AemRequest {
            headers: owned(headers),
            trace_headers: owned(trace),
            ..AemRequest::new(Method::GET, "graphql/execute.json/a/b".into(), None)
        }
    }

    fn key(headers: &[(&str, &str)]) -> String {
        key_of(&request(headers, &[]), "").unwrap()
    }

    #[test]
    fn the_persisted_query_is_read_back_from_a_key() {
        assert_eq!(persisted_query_of(&key(&[("x-a", "1:2")])), Some("a/b"));
        assert_eq!(
            endpoint_of(&key(&[("x-a", "1:2")])),
            Some("graphql/execute.json/a/b")
        );
        let with_variables = AemRequest {
            ..AemRequest::new(
                Method::GET,
                "graphql/execute.json/wknd-shared/adventure-by-slug;slug=bali%3Bx".into(),
                None,
            )
        };
        assert_eq!(
            persisted_query_of(&key_of(&with_variables, "id").unwrap()),
            Some("wknd-shared/adventure-by-slug")
        );
        // As Adobe's clients (and this one) send variables: `;` and `=` percent-encoded.
        for endpoint in [
            "graphql/execute.json/wknd-shared/adventure-by-slug%3Bslug%3Dbali",
            "graphql/execute.json/wknd-shared/adventure-by-slug%3bslug%3dbali",
        ] {
            let request = AemRequest::new(Method::GET, endpoint.into(), None);
            assert_eq!(
                persisted_query_of(&key_of(&request, "id").unwrap()),
                Some("wknd-shared/adventure-by-slug")
            );
        }
        let raw = AemRequest {
            raw: true,
            ..AemRequest::new(Method::GET, "adobe/sites/cf/fragments".into(), None)
        };
        assert_eq!(persisted_query_of(&key_of(&raw, "id").unwrap()), None);
        assert_eq!(persisted_query_of("garbage"), None);
        assert_eq!(persisted_query_of("99:short"), None);
    }

    #[test]
    fn keys_of_different_header_sets_differ() {
        assert_ne!(key(&[("a", "1\nb:2")]), key(&[("a", "1"), ("b", "2")]));
        assert_ne!(key(&[("a", "1:x")]), key(&[("a:1", "x")]));
        assert_eq!(
            key(&[("X-A", "1"), ("b", "2")]),
            key(&[("b", "2"), ("x-a", "1")])
        );
    }

    #[test]
    fn keys_leave_out_the_trace_context() {
        let key = |headers: &[(&str, &str)], trace: &[(&str, &str)]| {
            key_of(&request(headers, trace), "").unwrap()
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
    fn no_header_value_names_the_managed_tokens_entries() {
        let identity = "oauth|https://ims.example|client-id|AdobeID,openid";
        let mut managed = request(&[], &[]);
        managed.token = Some(ManagedToken {
            token: Secret::new("token-1"),
            identity: Some(identity.into()),
        });
        let managed_key = key_of(&managed, "").unwrap();
        // Renewed token, same identity: the same entries.
        managed.token = Some(ManagedToken {
            token: Secret::new("token-2"),
            identity: Some(identity.into()),
        });
        assert_eq!(key_of(&managed, "").unwrap(), managed_key);
        for forged in [
            identity.to_owned(),
            format!("Bearer {identity}"),
            "token-2".to_owned(),
            "Bearer token-2".to_owned(),
        ] {
            assert_ne!(key(&[("Authorization", &forged)]), managed_key, "{forged}");
        }
        // The client's own auth is a literal value too, apart from the managed token.
        assert_ne!(
            key_of(
                &request(&[], &[]),
                &identity_key(Speaker::Authorization, identity.as_bytes())
            )
            .unwrap(),
            managed_key
        );
        // A call's own Authorization wins over the managed token.
        managed.headers = vec![("authorization".into(), "Bearer mine".into())];
        assert_eq!(
            key_of(&managed, "").unwrap(),
            key(&[("Authorization", "Bearer mine")])
        );
        let without_identity = |token: &str| {
            let mut request = request(&[], &[]);
            request.token = Some(ManagedToken {
                token: Secret::new(token),
                identity: None,
            });
            key_of(&request, "").unwrap()
        };
        assert_ne!(without_identity("t-1"), key(&[("Authorization", "t-1")]));
        assert!(!without_identity("t-SECRET").contains("t-SECRET"));
    }

    #[test]
    fn only_gets_of_persisted_queries_or_raw_answers_have_keys() {
        let mut post = request(&[], &[]);
        post.method = Method::POST;
        assert!(key_of(&post, "").is_none());
        let mut other = request(&[], &[]);
        other.endpoint = "content/graphql/global/endpoint.json".into();
        assert!(key_of(&other, "").is_none());
        other.raw = true;
        assert!(key_of(&other, "").is_some());
        assert!(key_of(&request(&[("Cache-Control", "no-cache")], &[]), "").is_none());
    }
}
