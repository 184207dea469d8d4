//! The cache-header parser and the response cache on any headers: nothing panics or overflows,
//! whatever `Cache-Control`, `Surrogate-Control`, `Age`, `ETag` or `Vary` say (huge delta-seconds
//! included), and a stored answer's windows stay within RFC 9111's cap.
#![no_main]

use std::time::Duration;

use aem_headless_rs::cache::local::{CacheConfig, ResponseCache};
use aem_headless_rs::cache::policy::{
    CacheHeaders, MAX_DELTA_SECONDS, StaleDefaults, policy_of, request_bypasses_cache,
};
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// Header lines `name: value`, one per line; the lines before an empty one are the stored
/// answer's, the ones after it a 304's.
fn headers_of(text: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (stored, refreshed) = text.split_once("\n\n").unwrap_or((text, ""));
    let defaults = StaleDefaults {
        while_revalidate: Duration::from_secs(u64::from(data.first().copied().unwrap_or(0))),
        if_error: Duration::from_secs(u64::from(data.last().copied().unwrap_or(0))),
    };
    let stored = CacheHeaders::of(&headers_of(stored));
    let cap = Duration::from_secs(MAX_DELTA_SECONDS);
    if let Some(policy) = policy_of(&stored, defaults) {
        assert!(policy.fresh_for <= cap && policy.stale_while_revalidate <= cap);
        assert!(policy.stale_if_error <= cap.max(defaults.if_error));
        let _ = policy.keep_for();
        let _ = policy.clone().aged(Duration::MAX);
        let cache = ResponseCache::new(CacheConfig::default());
        cache.put("k".to_owned(), "body".into(), policy, Default::default());
        let _ = cache.lookup("k");
        let not_modified = CacheHeaders::of(&headers_of(refreshed));
        let _ = cache.refresh("k", &not_modified, tokio::time::Instant::now());
        let _ = cache.lookup("k");
    }
    for line in text.lines() {
        if let Some((name, value)) = line.split_once(':') {
            let _ = request_bypasses_cache(name, value);
        }
    }
});
