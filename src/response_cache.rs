//! An opt-in, in-memory cache of persisted-query responses, bounded in entries and bytes and
//! evicted least recently used first. A response is stored only for as long as its
//! `Cache-Control: max-age` (less its `Age`) allows, and never when it is an error or is marked
//! `private`, `no-store` or `no-cache`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lru::LruCache;
use reqwest::header::{AGE, CACHE_CONTROL, HeaderMap, VARY};
use tokio::time::Instant;

/// The bounds of a [`ResponseCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// The most responses kept. Default 1,000.
    pub max_entries: usize,
    /// The most bytes kept, keys and bodies together. Default 64 MiB.
    pub max_bytes: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_entries: 1_000,
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

struct Entry {
    body: Arc<str>,
    expires: Instant,
    bytes: usize,
}

struct Entries {
    lru: LruCache<String, Entry>,
    bytes: usize,
}

/// A cache of response bodies by request key (see `AemClient`: the URL, the identity behind
/// the `Authorization` header, and the call's other headers).
pub struct ResponseCache {
    config: CacheConfig,
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ResponseCache {
    /// An empty cache with these bounds; a bound of 0 is taken as 1. Nothing is allocated
    /// up front: a large `max_entries` costs memory only as entries arrive.
    pub fn new(config: CacheConfig) -> Self {
        Self {
            config: CacheConfig {
                max_entries: config.max_entries.max(1),
                max_bytes: config.max_bytes.max(1),
            },
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    /// The body stored under `key`, if it is still fresh; a stale entry is dropped.
    pub fn get(&self, key: &str) -> Option<Arc<str>> {
        let mut entries = self.lock();
        let fresh = match entries.lru.get(key) {
            None => return None,
            Some(entry) => (entry.expires > Instant::now()).then(|| Arc::clone(&entry.body)),
        };
        if fresh.is_none()
            && let Some(stale) = entries.lru.pop(key)
        {
            entries.bytes -= stale.bytes;
        }
        fresh
    }

    /// Stores `body` under `key` for `ttl`, evicting the least recently used entries to stay
    /// within the bounds. A body larger than `max_bytes` is not stored.
    pub fn put(&self, key: String, body: Arc<str>, ttl: Duration) {
        let bytes = key.len() + body.len();
        if bytes > self.config.max_bytes || ttl.is_zero() {
            return;
        }
        let entry = Entry {
            body,
            expires: Instant::now() + ttl,
            bytes,
        };
        let mut entries = self.lock();
        if let Some((_, replaced)) = entries.lru.push(key, entry) {
            entries.bytes -= replaced.bytes;
        }
        entries.bytes += bytes;
        while entries.bytes > self.config.max_bytes || entries.lru.len() > self.config.max_entries {
            match entries.lru.pop_lru() {
                Some((_, evicted)) => entries.bytes -= evicted.bytes,
                None => break,
            }
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.lru.clear();
        entries.bytes = 0;
    }

    /// How many entries and bytes are held.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.lru.len(), entries.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long a response may be served from the cache: its `max-age` less its `Age`, or `None`
/// when it must not be stored (no `max-age`; `private`, `no-store` or `no-cache`; `Vary: *`;
/// already stale).
pub fn freshness(headers: &HeaderMap) -> Option<Duration> {
    let mut max_age = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let text = value.to_str().ok()?;
        for directive in text.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if ["private", "no-store", "no-cache"]
                .iter()
                .any(|blocked| name.eq_ignore_ascii_case(blocked))
            {
                return None;
            }
            if name.eq_ignore_ascii_case("max-age") {
                // A malformed max-age makes the response stale (RFC 9111 §4.2.1).
                max_age = Some(argument.and_then(|a| a.parse::<u64>().ok()).unwrap_or(0));
            }
        }
    }
    let vary_any = headers.get_all(VARY).iter().any(|v| {
        v.to_str()
            .map_or(true, |v| v.split(',').any(|f| f.trim() == "*"))
    });
    if vary_any {
        return None;
    }
    let age = headers
        .get(AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let left = max_age?.checked_sub(age).filter(|left| *left > 0)?;
    Some(Duration::from_secs(left))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn freshness_is_max_age_less_age() {
        let secs = |pairs: &[(&str, &str)]| freshness(&headers(pairs)).map(|d| d.as_secs());
        assert_eq!(secs(&[("cache-control", "max-age=60")]), Some(60));
        assert_eq!(
            secs(&[("cache-control", "public, max-age=\"60\""), ("age", "20")]),
            Some(40)
        );
        assert_eq!(
            secs(&[("cache-control", "MAX-AGE=60, s-maxage=7200")]),
            Some(60)
        );
        assert_eq!(
            secs(&[("cache-control", "max-age=60"), ("age", "60")]),
            None
        );
        assert_eq!(
            secs(&[("cache-control", "max-age=60"), ("age", "90")]),
            None
        );
        assert_eq!(secs(&[("cache-control", "max-age=abc")]), None);
        assert_eq!(secs(&[]), None);
        assert_eq!(secs(&[("cache-control", "s-maxage=60")]), None);
        for blocked in ["private", "no-store", "no-cache", "No-Store"] {
            let value = format!("max-age=60, {blocked}");
            assert_eq!(secs(&[("cache-control", &value)]), None, "{blocked}");
        }
        assert_eq!(
            secs(&[
                ("cache-control", "max-age=60"),
                ("cache-control", "private")
            ]),
            None
        );
        assert_eq!(
            secs(&[("cache-control", "max-age=60"), ("vary", "Origin, *")]),
            None
        );
        assert_eq!(
            secs(&[("cache-control", "max-age=60"), ("vary", "Accept-Encoding")]),
            Some(60)
        );
    }

    #[test]
    fn entries_expire() {
        let cache = ResponseCache::new(CacheConfig::default());
        cache.put("k".into(), "body".into(), Duration::from_secs(60));
        assert_eq!(cache.get("k").as_deref(), Some("body"));
        cache.put("gone".into(), "body".into(), Duration::from_nanos(1));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(cache.get("gone"), None);
        assert_eq!(cache.usage(), (1, 5));
        cache.put("zero".into(), "body".into(), Duration::ZERO);
        assert_eq!(cache.get("zero"), None);
    }

    #[test]
    fn bounds_evict_least_recently_used() {
        let cache = ResponseCache::new(CacheConfig {
            max_entries: 2,
            max_bytes: 1_000,
        });
        let ttl = Duration::from_secs(60);
        cache.put("a".into(), "1".into(), ttl);
        cache.put("b".into(), "2".into(), ttl);
        assert!(cache.get("a").is_some());
        cache.put("c".into(), "3".into(), ttl);
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());

        let cache = ResponseCache::new(CacheConfig {
            max_entries: 100,
            max_bytes: 10,
        });
        cache.put("a".into(), "1234".into(), ttl);
        cache.put("b".into(), "1234".into(), ttl);
        assert_eq!(cache.usage(), (2, 10));
        cache.put("c".into(), "1234".into(), ttl);
        assert_eq!(cache.usage(), (2, 10));
        assert!(cache.get("a").is_none());
        cache.put("huge".into(), "12345678901".into(), ttl);
        assert!(cache.get("huge").is_none(), "larger than max_bytes");
        cache.put("b".into(), "12".into(), ttl);
        assert_eq!(
            cache.usage(),
            (2, 8),
            "a replaced entry gives its bytes back"
        );
        cache.clear();
        assert_eq!(cache.usage(), (0, 0));
    }
}
