//! What an answer's headers say about reusing it (RFC 9111, RFC 5861): how long it is fresh,
//! how long it may be served stale while it is revalidated or while AEM fails, and how to
//! revalidate it.
//!
//! This cache sits in an app, behind Adobe's CDN, and serves the users of one backend. It takes
//! the lifetime AEM gives clients, `Cache-Control: max-age`, not the CDN's (`s-maxage`, or
//! `Surrogate-Control: max-age`), which the CDN in front of AEM already applies: counting it here
//! as well would stack the two. It never stores what is marked `private` or `no-store`.
//!
//! The stale windows come from `Cache-Control`, else from `Surrogate-Control` (where Adobe's table
//! puts them for persisted queries, and where a CDN may have consumed them before the answer
//! arrives), else from the client's own defaults. `no-cache`, `must-revalidate` and
//! `proxy-revalidate` forbid serving the answer stale.

use std::time::Duration;

use reqwest::header::{AGE, CACHE_CONTROL, ETAG, HeaderMap, HeaderName, LAST_MODIFIED, VARY};

/// `Surrogate-Control`, the CDN's `Cache-Control`.
pub const SURROGATE_CONTROL: HeaderName = HeaderName::from_static("surrogate-control");

/// The largest delta-seconds value counted (RFC 9111 §1.2.2): a larger one, or one too large to
/// represent, counts as 2^31 seconds (about 68 years), so that no later sum overflows.
pub const MAX_DELTA_SECONDS: u64 = 1 << 31;

/// A delta-seconds value (RFC 9111 §1.2.2: one or more digits, nothing else), capped at
/// [`MAX_DELTA_SECONDS`]; `None` when it is not one.
pub fn delta_seconds(text: &str) -> Option<Duration> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds = digits
        .parse::<u64>()
        .map_or(MAX_DELTA_SECONDS, |seconds| seconds.min(MAX_DELTA_SECONDS));
    Some(Duration::from_secs(seconds))
}

/// Stale windows for answers that carry none: the client's `staleWhileRevalidate` and
/// `staleIfError` options, zero unless set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaleDefaults {
    /// How long a stale answer is served while one request revalidates it.
    pub while_revalidate: Duration,
    /// How long a stale answer is served when AEM fails (5xx, no connection, a timeout).
    pub if_error: Duration,
}

/// How an answer may be reused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReusePolicy {
    /// How long it is fresh from now: `max-age` less `Age`; zero when it must be revalidated
    /// before any use (`no-cache`, no `max-age`).
    pub fresh_for: Duration,
    /// How long after `fresh_for` it may be served while it is revalidated in the background.
    pub stale_while_revalidate: Duration,
    /// How long after `fresh_for` it may be served when AEM fails.
    pub stale_if_error: Duration,
    /// The validators a revalidation sends back (`If-None-Match`, `If-Modified-Since`).
    pub validators: Validators,
    /// The directives it came with, for a 304 to update (RFC 9111 §4.3.4).
    pub directives: Directives,
}

/// The caching directives of a stored answer, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// `Cache-Control`, its values joined.
    pub cache_control: Option<String>,
    /// `Surrogate-Control`, its values joined.
    pub surrogate_control: Option<String>,
}

/// What an answer's headers say about caching it: its directives, validators, `Age` and
/// whether it has `Vary: *`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheHeaders {
    /// `Cache-Control` and `Surrogate-Control`.
    pub directives: Directives,
    /// `ETag` and `Last-Modified`.
    pub validators: Validators,
    /// `Age`.
    pub age: Duration,
    /// `Vary: *`: never reusable.
    pub vary_any: bool,
}

impl CacheHeaders {
    /// The caching headers of an answer.
    pub fn of(headers: &HeaderMap) -> Self {
        let joined = |name: &HeaderName| {
            let values: Vec<&str> = headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        };
        let text = |name: HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            directives: Directives {
                cache_control: joined(&CACHE_CONTROL),
                surrogate_control: joined(&SURROGATE_CONTROL),
            },
            validators: Validators {
                etag: text(ETAG),
                last_modified: text(LAST_MODIFIED),
            },
            age: headers
                .get(AGE)
                .and_then(|v| v.to_str().ok())
                .and_then(delta_seconds)
                .unwrap_or(Duration::ZERO),
            vary_any: headers.get_all(VARY).iter().any(|v| {
                v.to_str()
                    .map_or(true, |v| v.split(',').any(|f| f.trim() == "*"))
            }),
        }
    }

    /// The stored answer's caching headers as a 304 updates them (RFC 9111 §4.3.4): each one the
    /// 304 carries replaces the stored one; the others stay.
    pub fn updated_by(stored: &ReusePolicy, not_modified: &CacheHeaders) -> Self {
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        Self {
            directives: Directives {
                cache_control: pick(
                    &not_modified.directives.cache_control,
                    &stored.directives.cache_control,
                ),
                surrogate_control: pick(
                    &not_modified.directives.surrogate_control,
                    &stored.directives.surrogate_control,
                ),
            },
            validators: Validators {
                etag: pick(&not_modified.validators.etag, &stored.validators.etag),
                last_modified: pick(
                    &not_modified.validators.last_modified,
                    &stored.validators.last_modified,
                ),
            },
            age: not_modified.age,
            vary_any: not_modified.vary_any,
        }
    }
}

/// An answer's validators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag`, as sent.
    pub etag: Option<String>,
    /// `Last-Modified`, as sent.
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is anything to revalidate with.
    pub fn any(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }
}

impl ReusePolicy {
    /// The policy of the same answer `age` later: less fresh time, and once it is stale, less
    /// of each stale window.
    pub fn aged(self, age: Duration) -> Self {
        let past_fresh = age.saturating_sub(self.fresh_for);
        Self {
            fresh_for: self.fresh_for.saturating_sub(age),
            stale_while_revalidate: self.stale_while_revalidate.saturating_sub(past_fresh),
            stale_if_error: self.stale_if_error.saturating_sub(past_fresh),
            validators: self.validators,
            directives: self.directives,
        }
    }

    /// How long the answer is worth keeping: fresh, then stale for the longer window; an answer
    /// with validators is kept at least as long as it is fresh, to be revalidated.
    pub fn keep_for(&self) -> Duration {
        self.fresh_for
            .saturating_add(self.stale_while_revalidate.max(self.stale_if_error))
    }
}

/// The directives of one header, by name (lower case), with their arguments.
struct Parsed(Vec<(String, Option<String>)>);

impl Parsed {
    fn of(value: Option<&str>) -> Self {
        let mut directives = Vec::new();
        if let Some(text) = value {
            for directive in text.split(',') {
                let (name, argument) = match directive.split_once('=') {
                    Some((name, argument)) => (
                        name.trim(),
                        Some(argument.trim().trim_matches('"').to_owned()),
                    ),
                    None => (directive.trim(), None),
                };
                if !name.is_empty() {
                    directives.push((name.to_ascii_lowercase(), argument));
                }
            }
        }
        Self(directives)
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(each, _)| each == name)
    }

    /// A delta-seconds directive, capped at [`MAX_DELTA_SECONDS`]: `Some(0)` when present but
    /// malformed (RFC 9111 §1.2.2 has a malformed value count as stale), `None` when absent.
    fn seconds(&self, name: &str) -> Option<Duration> {
        self.0
            .iter()
            .find(|(each, _)| each == name)
            .map(|(_, argument)| {
                argument
                    .as_deref()
                    .and_then(delta_seconds)
                    .unwrap_or(Duration::ZERO)
            })
    }

    /// The first of `names` that is present, as [`Parsed::seconds`] reads it.
    fn seconds_of(&self, names: &[&str]) -> Option<Duration> {
        names.iter().find_map(|name| self.seconds(name))
    }
}

/// Whether a request header keeps the call away from stored answers: its own validators or
/// preconditions (`If-None-Match`, `If-Modified-Since`, `If-Match`, `If-Unmodified-Since`,
/// `If-Range`: the call wants AEM's answer to them, as fetch has it), or a request that asks for no
/// stored answer (`Cache-Control: no-cache`, `no-store` or `max-age=0`, `Pragma: no-cache`; RFC
/// 9111 §5.2.1). Such a call goes to AEM and leaves the cache as it is.
pub fn request_bypasses_cache(name: &str, value: &str) -> bool {
    const PRECONDITIONS: [&str; 5] = [
        "if-none-match",
        "if-modified-since",
        "if-match",
        "if-unmodified-since",
        "if-range",
    ];
    if PRECONDITIONS
        .iter()
        .any(|each| name.eq_ignore_ascii_case(each))
    {
        return true;
    }
    let directives = || Parsed::of(Some(value));
    if name.eq_ignore_ascii_case("cache-control") {
        let parsed = directives();
        return parsed.has("no-cache")
            || parsed.has("no-store")
            || parsed.seconds("max-age") == Some(Duration::ZERO);
    }
    name.eq_ignore_ascii_case("pragma") && directives().has("no-cache")
}

/// How a 200 answer with these headers may be reused, or `None` when it must not be stored:
/// `private` or `no-store`, `Vary: *`, or nothing that makes it reusable (no freshness, no stale
/// window, no validator).
pub fn reuse_policy(headers: &HeaderMap, defaults: StaleDefaults) -> Option<ReusePolicy> {
    policy_of(&CacheHeaders::of(headers), defaults)
}

/// [`reuse_policy`] of caching headers already read (an answer's, or a stored one's as a 304
/// updates them).
pub fn policy_of(headers: &CacheHeaders, defaults: StaleDefaults) -> Option<ReusePolicy> {
    let control = Parsed::of(headers.directives.cache_control.as_deref());
    if control.has("private") || control.has("no-store") || headers.vary_any {
        return None;
    }
    let surrogate = Parsed::of(headers.directives.surrogate_control.as_deref());
    let window = |names: &[&str], default: Duration| {
        control
            .seconds_of(names)
            .or_else(|| surrogate.seconds_of(names))
            .unwrap_or(default)
    };
    let no_stale = ["no-cache", "must-revalidate", "proxy-revalidate"]
        .iter()
        .any(|name| control.has(name));
    let max_age = if control.has("no-cache") {
        Duration::ZERO
    } else {
        control.seconds("max-age").unwrap_or(Duration::ZERO)
    };
    let (stale_while_revalidate, stale_if_error) = if no_stale {
        (Duration::ZERO, Duration::ZERO)
    } else {
        (
            window(&["stale-while-revalidate"], defaults.while_revalidate),
            // Adobe's Content Fragment Delivery pages spell it `stale-on-error`.
            window(&["stale-if-error", "stale-on-error"], defaults.if_error),
        )
    };
    // The stale windows start when the answer became stale: an old `Age` uses them up too.
    let policy = ReusePolicy {
        fresh_for: max_age,
        stale_while_revalidate,
        stale_if_error,
        validators: headers.validators.clone(),
        directives: headers.directives.clone(),
    }
    .aged(headers.age);
    (!policy.keep_for().is_zero() || policy.validators.any()).then_some(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn policy(pairs: &[(&str, &str)]) -> Option<ReusePolicy> {
        reuse_policy(&headers(pairs), StaleDefaults::default())
    }

    fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    #[test]
    fn freshness_is_max_age_less_age_not_the_cdn_lifetime() {
        let fresh = |pairs: &[(&str, &str)]| policy(pairs).map(|p| p.fresh_for.as_secs());
        assert_eq!(fresh(&[("cache-control", "max-age=60")]), Some(60));
        assert_eq!(
            fresh(&[("cache-control", "public, max-age=\"60\""), ("age", "20")]),
            Some(40)
        );
        assert_eq!(
            fresh(&[("cache-control", "MAX-AGE=60, s-maxage=7200")]),
            Some(60)
        );
        assert_eq!(
            fresh(&[
                ("cache-control", "max-age=60"),
                ("surrogate-control", "max-age=7200")
            ]),
            Some(60)
        );
        assert_eq!(
            fresh(&[("cache-control", "max-age=60"), ("age", "90")]),
            None
        );
        assert_eq!(fresh(&[("cache-control", "max-age=abc")]), None);
        assert_eq!(fresh(&[]), None);
        assert_eq!(fresh(&[("cache-control", "s-maxage=60")]), None);
    }

    #[test]
    fn private_no_store_and_vary_star_are_not_stored() {
        for blocked in ["private", "no-store", "No-Store"] {
            let value = format!("max-age=60, {blocked}");
            assert_eq!(policy(&[("cache-control", &value)]), None, "{blocked}");
        }
        assert_eq!(
            policy(&[
                ("cache-control", "max-age=60"),
                ("cache-control", "private")
            ]),
            None
        );
        assert_eq!(
            policy(&[("cache-control", "max-age=60"), ("vary", "Origin, *")]),
            None
        );
        assert!(policy(&[("cache-control", "max-age=60"), ("vary", "Accept-Encoding")]).is_some());
    }

    #[test]
    fn adobes_publish_defaults_take_the_stale_windows_from_surrogate_control() {
        let publish = policy(&[
            ("cache-control", "max-age=60"),
            (
                "surrogate-control",
                "max-age=7200, stale-while-revalidate=86400, stale-if-error=86400",
            ),
            ("etag", "\"abc\""),
        ])
        .unwrap();
        assert_eq!(publish.fresh_for, secs(60));
        assert_eq!(publish.stale_while_revalidate, secs(86400));
        assert_eq!(publish.stale_if_error, secs(86400));
        assert_eq!(publish.validators.etag.as_deref(), Some("\"abc\""));
        // Cache-Control's own windows win over Surrogate-Control's.
        let own = policy(&[
            (
                "cache-control",
                "max-age=1, stale-while-revalidate=30, stale-if-error=120",
            ),
            ("surrogate-control", "stale-while-revalidate=5"),
        ])
        .unwrap();
        assert_eq!(own.stale_while_revalidate, secs(30));
        assert_eq!(own.stale_if_error, secs(120));
    }

    #[test]
    fn defaults_apply_only_to_answers_without_windows() {
        let defaults = StaleDefaults {
            while_revalidate: secs(10),
            if_error: secs(600),
        };
        let none = reuse_policy(&headers(&[("cache-control", "max-age=60")]), defaults).unwrap();
        assert_eq!(
            (none.stale_while_revalidate, none.stale_if_error),
            (secs(10), secs(600))
        );
        let own = reuse_policy(
            &headers(&[("cache-control", "max-age=60, stale-if-error=5")]),
            defaults,
        )
        .unwrap();
        assert_eq!(
            (own.stale_while_revalidate, own.stale_if_error),
            (secs(10), secs(5))
        );
    }

    #[test]
    fn revalidation_directives_forbid_stale_and_no_cache_is_never_fresh() {
        for directive in ["no-cache", "must-revalidate", "proxy-revalidate"] {
            let value = format!("max-age=60, stale-if-error=600, {directive}");
            let p = policy(&[("cache-control", &value), ("etag", "\"v1\"")]).unwrap();
            assert_eq!(p.stale_if_error, Duration::ZERO, "{directive}");
            assert_eq!(p.stale_while_revalidate, Duration::ZERO, "{directive}");
        }
        let no_cache = policy(&[("cache-control", "no-cache"), ("etag", "\"v1\"")]).unwrap();
        assert_eq!(no_cache.fresh_for, Duration::ZERO);
        assert!(
            policy(&[("cache-control", "no-cache")]).is_none(),
            "nothing to revalidate with"
        );
    }

    #[test]
    fn a_304_updates_the_headers_it_carries_and_keeps_the_others() {
        let stored = policy(&[
            ("cache-control", "max-age=60"),
            ("surrogate-control", "stale-if-error=600"),
            ("etag", "\"v1\""),
        ])
        .unwrap();
        let plain = CacheHeaders::of(&headers(&[("etag", "\"v1\"")]));
        let kept = policy_of(
            &CacheHeaders::updated_by(&stored, &plain),
            StaleDefaults::default(),
        )
        .unwrap();
        assert_eq!(kept.stale_if_error, secs(600), "Surrogate-Control kept");
        let forbidding =
            CacheHeaders::of(&headers(&[("cache-control", "max-age=0, must-revalidate")]));
        let strict = policy_of(
            &CacheHeaders::updated_by(&stored, &forbidding),
            StaleDefaults::default(),
        )
        .unwrap();
        assert_eq!(
            (strict.fresh_for, strict.stale_if_error),
            (Duration::ZERO, Duration::ZERO)
        );
        assert_eq!(
            strict.validators.etag.as_deref(),
            Some("\"v1\""),
            "validators kept"
        );
        let no_store = CacheHeaders::of(&headers(&[("cache-control", "no-store")]));
        assert!(
            policy_of(
                &CacheHeaders::updated_by(&stored, &no_store),
                StaleDefaults::default()
            )
            .is_none()
        );
    }

    #[test]
    fn an_old_age_uses_up_the_stale_windows() {
        let p = policy(&[
            ("cache-control", "max-age=60, stale-if-error=100"),
            ("age", "90"),
        ])
        .unwrap();
        assert_eq!(p.fresh_for, Duration::ZERO);
        assert_eq!(p.stale_if_error, secs(70));
    }

    #[test]
    fn a_request_with_its_own_validators_or_no_cache_bypasses_the_cache() {
        for (name, value) in [
            ("If-None-Match", "\"v1\""),
            ("if-modified-since", "Sat, 05 Dec 2026 00:00:00 GMT"),
            ("If-Match", "\"v1\""),
            ("If-Unmodified-Since", "Sat, 05 Dec 2026 00:00:00 GMT"),
            ("If-Range", "\"v1\""),
            ("Cache-Control", "no-cache"),
            ("cache-control", "max-age=0"),
            ("Cache-Control", "No-Store, max-age=60"),
            ("Pragma", "no-cache"),
        ] {
            assert!(request_bypasses_cache(name, value), "{name}: {value}");
        }
        for (name, value) in [
            ("Cache-Control", "max-age=60"),
            ("Cache-Control", "max-stale"),
            ("Pragma", "x"),
            ("Accept", "no-cache"),
        ] {
            assert!(!request_bypasses_cache(name, value), "{name}: {value}");
        }
    }

    #[test]
    fn delta_seconds_are_capped_at_2_to_the_31() {
        let cap = secs(MAX_DELTA_SECONDS);
        for huge in [
            "9223372036854775807",
            "18446744073709551616",
            "99999999999999999999999999",
        ] {
            let p = policy(&[(
                "cache-control",
                &format!("max-age={huge}, stale-while-revalidate={huge}, stale-if-error={huge}"),
            )])
            .unwrap();
            assert_eq!(p.fresh_for, cap, "{huge}");
            assert_eq!(p.stale_while_revalidate, cap);
            assert_eq!(p.keep_for(), cap + cap);
            let aged = policy(&[("cache-control", "max-age=60"), ("age", huge)]);
            assert!(
                aged.is_none(),
                "an Age past every window leaves nothing to keep"
            );
        }
        for malformed in ["-1", "+5", "1e3", "0x10", "", "1 2"] {
            assert_eq!(delta_seconds(malformed), None, "{malformed:?}");
        }
        assert_eq!(delta_seconds(" 42 "), Some(secs(42)));
    }

    #[test]
    fn stale_on_error_counts_as_stale_if_error() {
        // Content Fragment Delivery, as Adobe's page writes it.
        let p = policy(&[(
            "cache-control",
            "max-age=300, s-maxage=3600, stale-while-revalidate=3600, stale-on-error=86400",
        )])
        .unwrap();
        assert_eq!(p.stale_if_error, secs(86_400));
        let both = policy(&[(
            "cache-control",
            "max-age=1, stale-if-error=10, stale-on-error=20",
        )])
        .unwrap();
        assert_eq!(both.stale_if_error, secs(10), "the standard name wins");
        let surrogate = policy(&[
            ("cache-control", "max-age=1"),
            ("surrogate-control", "stale-on-error=30"),
        ])
        .unwrap();
        assert_eq!(surrogate.stale_if_error, secs(30));
    }
}
