//! An opt-in, in-memory cache of persisted-query responses, bounded in entries and bytes and
//! evicted least recently used first. An entry is served fresh while its [`ReusePolicy`] says so;
//! after that it is served stale within its `stale-while-revalidate` window (while one request
//! revalidates it) or its `stale-if-error` window (when AEM fails), and revalidated with its
//! validators. An entry with validators is kept until evicted, to be revalidated; one without is
//! dropped once every window has passed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lru::LruCache;
use tokio::time::Instant;

use crate::cache::policy::{self, CacheHeaders, ReusePolicy, Validators};
use crate::cache::tags::{Selector, Tags};

/// The bounds of a [`ResponseCache`], and the stale windows of answers that carry none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// The most responses kept. Default 1,000.
    pub max_entries: usize,
    /// The most bytes kept, keys and bodies together. Default 64 MiB.
    pub max_bytes: usize,
    /// Stale windows for answers that carry none (opt-in; zero by default).
    pub stale_defaults: crate::cache::policy::StaleDefaults,
    /// The Content Fragment models the app declared per persisted query (`conf/name`), for
    /// answers whose list fields are aliased (see [`crate::cache::tags`]).
    pub declared_models: HashMap<String, Vec<String>>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_entries: 1_000,
            max_bytes: 64 * 1024 * 1024,
            stale_defaults: crate::cache::policy::StaleDefaults::default(),
            declared_models: HashMap::new(),
        }
    }
}

struct Entry {
    body: Arc<str>,
    /// The persisted query (`conf/name`) it answers, if it is one.
    query: Option<Box<str>>,
    /// What it is about (the paths in it, its models and query), found at the first invalidation
    /// that looks at it: a request never pays for the scan.
    tags: Option<Tags>,
    /// The policy it was stored or last revalidated with; a 304 without directives keeps it.
    policy: ReusePolicy,
    fresh_until: Instant,
    bytes: usize,
    /// Whether a background revalidation of it is under way.
    revalidating: bool,
    /// Since when its content has been what it is, as far as this cache has seen, in epoch
    /// milliseconds; 0 when not known ([`ResponseCache::put_since`]).
    since: u64,
    /// When it was last marked stale by an invalidation: a 304 to a request sent before then
    /// does not make it fresh again ([`ResponseCache::refresh`]).
    invalidated_at: Option<Instant>,
}

/// Now, in epoch milliseconds.
pub fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `at` plus `wait`, or as late as can be told apart (far beyond any delta-seconds value, which
/// is capped at 68 years): no sum of a stored answer's times overflows, whatever its headers said.
fn after(at: Instant, wait: Duration) -> Instant {
    at.checked_add(wait)
        .or_else(|| at.checked_add(FAR))
        .unwrap_or(at)
}

/// Further than any window of a stored answer (more than 4 × 2^31 seconds).
const FAR: Duration = Duration::from_secs(1 << 34);

impl Entry {
    fn revalidate_until(&self) -> Instant {
        after(self.fresh_until, self.policy.stale_while_revalidate)
    }

    fn error_until(&self) -> Instant {
        after(self.fresh_until, self.policy.stale_if_error)
    }

    /// Whether `other` holds the same content: the same `ETag` (compared weakly: a CDN may weaken
    /// it), or the same body.
    fn same_content(&self, other: &Entry) -> bool {
        let opaque = |etag: &str| etag.strip_prefix("W/").unwrap_or(etag).to_owned();
        match (&self.policy.validators.etag, &other.policy.validators.etag) {
            (Some(held), Some(new)) if opaque(held) == opaque(new) => true,
            _ => self.body == other.body,
        }
    }

    /// Whether the entry is of no more use at `now`: every window passed, nothing to revalidate with.
    fn spent(&self, now: Instant) -> bool {
        !self.policy.validators.any() && now >= self.revalidate_until() && now >= self.error_until()
    }
}

struct Entries {
    lru: LruCache<String, Entry>,
    bytes: usize,
}

/// A stale entry: its body and validators, and which of its windows are open.
#[derive(Debug, Clone)]
pub struct StaleEntry {
    /// The stored body.
    pub body: Arc<str>,
    /// What a revalidation sends back.
    pub validators: Validators,
    /// Within `stale-while-revalidate`: serve it now, revalidate in the background.
    pub while_revalidate: bool,
    /// Within `stale-if-error`: serve it if AEM fails.
    pub if_error: bool,
}

/// What a 304 made of a stored entry.
#[derive(Debug, Clone)]
pub enum Refreshed {
    /// Fresh again: its body, new policy, and since when its content has been what it is.
    Renewed(Arc<str>, ReusePolicy, u64),
    /// Removed, as the updated headers forbid storing it: its body answers this once.
    Forbidden(Arc<str>),
    /// Left stale: an invalidation came after the request was sent, so the 304 may predate the
    /// change it announced. Its body answers this once.
    Superseded(Arc<str>),
}

/// What the cache holds for a key.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// A fresh body.
    Fresh(Arc<str>),
    /// A stale entry, to revalidate or to serve within its windows.
    Stale(StaleEntry),
    /// Nothing.
    Miss,
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
                ..config
            },
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    /// The stale windows of answers that carry none.
    pub fn stale_defaults(&self) -> crate::cache::policy::StaleDefaults {
        self.config.stale_defaults
    }

    /// What is stored under `key`: fresh, stale (with its open windows), or nothing. An entry
    /// of no more use is dropped.
    pub fn lookup(&self, key: &str) -> Lookup {
        let now = Instant::now();
        let mut entries = self.lock();
        let found = match entries.lru.get(key) {
            None => return Lookup::Miss,
            Some(entry) if now < entry.fresh_until => {
                return Lookup::Fresh(Arc::clone(&entry.body));
            }
            Some(entry) if entry.spent(now) => None,
            Some(entry) => Some(StaleEntry {
                body: Arc::clone(&entry.body),
                validators: entry.policy.validators.clone(),
                while_revalidate: now < entry.revalidate_until(),
                if_error: now < entry.error_until(),
            }),
        };
        if found.is_none()
            && let Some(spent) = entries.lru.pop(key)
        {
            entries.bytes -= spent.bytes;
        }
        found.map_or(Lookup::Miss, Lookup::Stale)
    }

    /// The body stored under `key` while it is fresh (a [`ResponseCache::lookup`] that only
    /// takes fresh entries).
    pub fn get(&self, key: &str) -> Option<Arc<str>> {
        match self.lookup(key) {
            Lookup::Fresh(body) => Some(body),
            _ => None,
        }
    }

    /// Claims the background revalidation of `key`: false when one is under way already (or
    /// the entry is gone). [`ResponseCache::end_revalidation`] ends it.
    pub fn begin_revalidation(&self, key: &str) -> bool {
        let mut entries = self.lock();
        match entries.lru.peek_mut(key) {
            Some(entry) if !entry.revalidating => {
                entry.revalidating = true;
                true
            }
            _ => false,
        }
    }

    /// Ends the background revalidation of `key`.
    pub fn end_revalidation(&self, key: &str) {
        if let Some(entry) = self.lock().lru.peek_mut(key) {
            entry.revalidating = false;
        }
    }

    /// Stores `body`, an answer of the persisted query `query` (if it is one), under `key` as
    /// `policy` says, evicting the least recently used entries to stay within the bounds. A
    /// body larger than `max_bytes` is not stored. (Its tags, found later, are copies of parts
    /// of it and are not counted.) Since when its content has been what it is is found as
    /// [`ResponseCache::put_since`] finds it without a time of the store's.
    pub fn put(&self, key: String, body: Arc<str>, policy: ReusePolicy, query: Option<&str>) {
        self.put_since(key, body, policy, query, None);
    }

    /// [`ResponseCache::put`], and since when the content has been what it is: `since` when it
    /// is known (an entry of the shared store says it); else, with an entry held, its time when
    /// the content is the same (the same `ETag`, weak or strong, or the same body) and now when
    /// it changed; else 0, not known: an answer fetched with nothing to compare it with may be
    /// old content (fetched while a publication was being replicated), and an invalidation's
    /// `unchanged_since` reaches it. Returns that time (epoch milliseconds).
    pub fn put_since(
        &self,
        key: String,
        body: Arc<str>,
        policy: ReusePolicy,
        query: Option<&str>,
        since: Option<u64>,
    ) -> u64 {
        let bytes = key.len() + body.len() + query.map_or(0, str::len);
        if bytes > self.config.max_bytes {
            return since.unwrap_or(0);
        }
        let mut entry = Entry {
            body,
            query: query.map(Box::from),
            tags: None,
            fresh_until: after(Instant::now(), policy.fresh_for),
            policy,
            bytes,
            revalidating: false,
            since: 0,
            invalidated_at: None,
        };
        let mut entries = self.lock();
        let held = entries.lru.peek(&key);
        entry.since = since.unwrap_or_else(|| match held {
            Some(old) if old.same_content(&entry) => old.since,
            Some(_) => epoch_ms(),
            None => 0,
        });
        if entry.spent(Instant::now()) && entry.fresh_until <= Instant::now() {
            return entry.since;
        }
        // A revalidation under way stays claimed across the new entry.
        entry.revalidating = held.is_some_and(|old| old.revalidating);
        let since = entry.since;
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
        since
    }

    /// After a 304 to a request sent at `sent_at`: the stored headers as the 304 updates them
    /// decide (RFC 9111 §4.3.4). The entry is fresh again under them, or, when they forbid
    /// storing it, removed (its body still answers this once); it stays stale when an
    /// invalidation marked it after `sent_at`. `None` when the entry is gone.
    pub fn refresh(
        &self,
        key: &str,
        not_modified: &CacheHeaders,
        sent_at: Instant,
    ) -> Option<Refreshed> {
        let mut entries = self.lock();
        let entry = entries.lru.get_mut(key)?;
        let body = Arc::clone(&entry.body);
        if entry.invalidated_at.is_some_and(|at| at > sent_at) {
            return Some(Refreshed::Superseded(body));
        }
        let updated = CacheHeaders::updated_by(&entry.policy, not_modified);
        match policy::policy_of(&updated, self.config.stale_defaults) {
            Some(renewed) => {
                entry.fresh_until = after(Instant::now(), renewed.fresh_for);
                entry.policy = renewed.clone();
                Some(Refreshed::Renewed(body, renewed, entry.since))
            }
            None => {
                if let Some(removed) = entries.lru.pop(key) {
                    entries.bytes -= removed.bytes;
                }
                Some(Refreshed::Forbidden(body))
            }
        }
    }

    /// Removes the entry under `key`: AEM said it is gone or may not be stored.
    pub fn remove(&self, key: &str) {
        let mut entries = self.lock();
        if let Some(removed) = entries.lru.pop(key) {
            entries.bytes -= removed.bytes;
        }
    }

    /// Marks the entries `selector` reaches stale, or with `hard` removes them, and returns
    /// their keys. A stale entry is served within its stale windows, counted from now, and
    /// revalidated with its validators; one with neither is dropped at its next lookup.
    pub fn invalidate(&self, selector: &Selector, hard: bool) -> Vec<String> {
        let now = Instant::now();
        let mut entries = self.lock();
        let reached = self.reached_in(&mut entries, selector);
        for key in &reached {
            if hard {
                if let Some(removed) = entries.lru.pop(key) {
                    entries.bytes -= removed.bytes;
                }
            } else if let Some(entry) = entries.lru.peek_mut(key) {
                entry.fresh_until = entry.fresh_until.min(now);
                entry.invalidated_at = Some(now);
            }
        }
        reached
    }

    /// The keys of the entries `selector` reaches, changing nothing (but their tags, found).
    pub fn reached(&self, selector: &Selector) -> Vec<String> {
        self.reached_in(&mut self.lock(), selector)
    }

    /// The keys of the entries `selector` reaches; each entry's tags are found the first time,
    /// from its body, its query and the models the app declared for that query.
    fn reached_in(&self, entries: &mut Entries, selector: &Selector) -> Vec<String> {
        let declared = &self.config.declared_models;
        entries
            .lru
            .iter_mut()
            .filter_map(|(key, entry)| {
                if selector
                    .unchanged_since
                    .is_some_and(|time| entry.since > time)
                {
                    return None;
                }
                let Entry {
                    body, query, tags, ..
                } = entry;
                let tags = tags.get_or_insert_with(|| {
                    let models = query
                        .as_deref()
                        .and_then(|query| declared.get(query))
                        .map_or(&[][..], Vec::as_slice);
                    Tags::of(body, query.as_deref(), models)
                });
                tags.matches(selector).then(|| key.clone())
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A policy fresh for `ttl`, with no stale window and no validator.
    fn fresh(ttl: Duration) -> ReusePolicy {
        ReusePolicy {
            fresh_for: ttl,
            ..ReusePolicy::default()
        }
    }

    fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    #[test]
    fn entries_expire() {
        let cache = ResponseCache::new(CacheConfig::default());
        cache.put("k".into(), "body".into(), fresh(secs(60)), None);
        assert_eq!(cache.get("k").as_deref(), Some("body"));
        cache.put(
            "gone".into(),
            "body".into(),
            fresh(Duration::from_nanos(1)),
            None,
        );
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(cache.get("gone"), None);
        assert!(matches!(cache.lookup("gone"), Lookup::Miss));
        assert_eq!(cache.usage(), (1, 5));
        cache.put("zero".into(), "body".into(), fresh(Duration::ZERO), None);
        assert_eq!(cache.get("zero"), None);
    }

    #[test]
    fn invalidations_mark_what_they_reach_stale_or_remove_it() {
        let cache = ResponseCache::new(CacheConfig::default());
        let mut windows = fresh(secs(60));
        windows.stale_while_revalidate = secs(30);
        let body_a = r#"{"data":{"x":{"_path":"/content/dam/s/en/a"}}}"#;
        let body_b = r#"{"data":{"noteList":{"items":[{"_path":"/content/dam/s/fr/b"}]}}}"#;
        cache.put("a".into(), body_a.into(), windows.clone(), Some("s/one"));
        cache.put("b".into(), body_b.into(), windows.clone(), Some("s/two"));
        let by_model = Selector {
            models: vec!["/conf/s/settings/dam/cfm/models/note".into()],
            ..Selector::default()
        };
        assert_eq!(cache.reached(&by_model), ["b"]);
        let by_path = Selector {
            paths: vec!["/content/dam/s/en/a".into()],
            ..Selector::default()
        };
        assert_eq!(cache.reached(&by_path), ["a"]);
        assert_eq!(cache.invalidate(&by_path, false), ["a"]);
        // Soft: stale now, within its stale-while-revalidate window; the other untouched.
        assert!(matches!(
            cache.lookup("a"),
            Lookup::Stale(StaleEntry {
                while_revalidate: true,
                ..
            })
        ));
        assert_eq!(cache.get("b").as_deref(), Some(body_b));
        let by_query = Selector {
            queries: vec!["s/two".into()],
            ..Selector::default()
        };
        assert_eq!(cache.invalidate(&by_query, true), ["b"]);
        assert!(matches!(cache.lookup("b"), Lookup::Miss));
        let nothing = Selector {
            prefixes: vec!["/content/dam/other/".into()],
            ..Selector::default()
        };
        assert!(cache.invalidate(&nothing, true).is_empty());
        let all = Selector {
            all: true,
            ..Selector::default()
        };
        assert_eq!(cache.invalidate(&all, true), ["a"]);
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn no_time_a_policy_holds_overflows() {
        let cache = ResponseCache::new(CacheConfig::default());
        let most = ReusePolicy {
            fresh_for: Duration::MAX,
            stale_while_revalidate: Duration::MAX,
            stale_if_error: Duration::MAX,
            ..ReusePolicy::default()
        };
        cache.put("k".into(), "body".into(), most.clone(), None);
        assert_eq!(cache.get("k").as_deref(), Some("body"));
        let stale = ReusePolicy {
            fresh_for: Duration::ZERO,
            ..most
        };
        cache.put("s".into(), "body".into(), stale, None);
        assert!(matches!(
            cache.lookup("s"),
            Lookup::Stale(StaleEntry {
                while_revalidate: true,
                if_error: true,
                ..
            })
        ));
        let huge = CacheHeaders::of(&{
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::CACHE_CONTROL,
                reqwest::header::HeaderValue::from_static(
                    "max-age=9223372036854775807, stale-if-error=9223372036854775807",
                ),
            );
            headers
        });
        assert!(cache.refresh("s", &huge, Instant::now()).is_some());
        assert_eq!(cache.get("s").as_deref(), Some("body"));
    }

    #[test]
    fn stale_windows_and_validators() {
        let cache = ResponseCache::new(CacheConfig::default());
        let policy = ReusePolicy {
            fresh_for: Duration::ZERO,
            stale_while_revalidate: Duration::from_millis(50),
            stale_if_error: secs(60),
            ..ReusePolicy::default()
        };
        cache.put("k".into(), "body".into(), policy, None);
        let Lookup::Stale(stale) = cache.lookup("k") else {
            panic!("stale")
        };
        assert!(stale.while_revalidate && stale.if_error);
        std::thread::sleep(Duration::from_millis(60));
        let Lookup::Stale(stale) = cache.lookup("k") else {
            panic!("stale")
        };
        assert!(!stale.while_revalidate && stale.if_error);

        let validated = ReusePolicy {
            validators: Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            },
            ..ReusePolicy::default()
        };
        cache.put("v".into(), "body".into(), validated, None);
        let Lookup::Stale(stale) = cache.lookup("v") else {
            panic!("kept to be revalidated")
        };
        assert!(!stale.while_revalidate && !stale.if_error);
        assert_eq!(stale.validators.etag.as_deref(), Some("\"v1\""));
        let mut not_modified = CacheHeaders::default();
        not_modified.directives.cache_control = Some("max-age=60".into());
        let Some(Refreshed::Renewed(body, renewed, _)) =
            cache.refresh("v", &not_modified, Instant::now())
        else {
            panic!("renewed")
        };
        assert_eq!(&*body, "body");
        assert_eq!(renewed.validators.etag.as_deref(), Some("\"v1\""), "kept");
        assert_eq!(cache.get("v").as_deref(), Some("body"), "fresh after a 304");
        assert!(
            cache
                .refresh("none", &not_modified, Instant::now())
                .is_none()
        );
        not_modified.directives.cache_control = Some("no-store".into());
        assert!(matches!(
            cache.refresh("v", &not_modified, Instant::now()),
            Some(Refreshed::Forbidden(_))
        ));
        assert!(matches!(cache.lookup("v"), Lookup::Miss), "removed");
    }

    #[test]
    fn content_since_survives_revalidation_and_the_same_etag() {
        let cache = ResponseCache::new(CacheConfig::default());
        let tagged = |etag: Option<&str>| ReusePolicy {
            fresh_for: secs(60),
            validators: Validators {
                etag: etag.map(str::to_owned),
                last_modified: None,
            },
            ..ReusePolicy::default()
        };
        let old = cache.put_since(
            "e".into(),
            "v1".into(),
            tagged(Some("\"1\"")),
            None,
            Some(100),
        );
        assert_eq!(old, 100, "as the store said");
        // The same ETag again, weakened by a CDN (a 200 to an unconditional request): as old.
        let same = cache.put_since("e".into(), "v1".into(), tagged(Some("W/\"1\"")), None, None);
        assert_eq!(same, 100);
        let mut not_modified = CacheHeaders::default();
        not_modified.directives.cache_control = Some("max-age=60".into());
        assert!(matches!(
            cache.refresh("e", &not_modified, Instant::now()),
            Some(Refreshed::Renewed(_, _, 100))
        ));
        // A 304 to a request sent before an invalidation leaves the entry stale.
        let sent_at = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let by_path_e = Selector {
            all: true,
            unchanged_since: Some(150),
            ..Selector::default()
        };
        assert_eq!(cache.invalidate(&by_path_e, false), ["e"]);
        assert!(matches!(
            cache.refresh("e", &not_modified, sent_at),
            Some(Refreshed::Superseded(_))
        ));
        assert!(cache.get("e").is_none(), "still stale");
        assert!(matches!(
            cache.refresh("e", &not_modified, Instant::now()),
            Some(Refreshed::Renewed(_, _, 100))
        ));
        // Without ETags the bodies compare.
        cache.put_since("b".into(), "same".into(), tagged(None), None, Some(200));
        assert_eq!(
            cache.put_since("b".into(), "same".into(), tagged(None), None, None),
            200
        );
        cache.put_since("c".into(), "x".into(), tagged(None), None, Some(300));

        let since_250 = Selector {
            all: true,
            unchanged_since: Some(250),
            ..Selector::default()
        };
        let mut reached = cache.invalidate(&since_250, false);
        reached.sort();
        assert_eq!(reached, ["b", "e"], "c changed after 250");
        assert!(cache.get("c").is_some() && cache.get("e").is_none());

        // A new ETag is new content; the same body under another ETag is not.
        let changed = cache.put_since("e".into(), "v2".into(), tagged(Some("\"2\"")), None, None);
        assert!(changed > 300);
        assert_eq!(cache.invalidate(&since_250, false), ["b"]);
        assert!(cache.get("e").is_some());
        let retagged = cache.put_since("e".into(), "v2".into(), tagged(Some("\"3\"")), None, None);
        assert_eq!(retagged, changed);
        // Nothing held to compare with: not known (0), so every `unchanged_since` reaches it.
        assert_eq!(
            cache.put_since("new".into(), "x".into(), tagged(None), None, None),
            0
        );
        assert!(
            cache
                .invalidate(&since_250, false)
                .contains(&"new".to_owned())
        );
    }

    #[test]
    fn one_background_revalidation_per_key() {
        let cache = ResponseCache::new(CacheConfig::default());
        cache.put("k".into(), "body".into(), fresh(secs(60)), None);
        assert!(cache.begin_revalidation("k"));
        cache.put("k".into(), "newer".into(), fresh(secs(60)), None);
        assert!(
            !cache.begin_revalidation("k"),
            "still claimed across a new entry"
        );
        cache.end_revalidation("k");
        assert!(cache.begin_revalidation("k"));
        assert!(!cache.begin_revalidation("missing"));
    }

    #[test]
    fn bounds_evict_least_recently_used() {
        let bounded = |max_entries, max_bytes| {
            ResponseCache::new(CacheConfig {
                max_entries,
                max_bytes,
                ..CacheConfig::default()
            })
        };
        let cache = bounded(2, 1_000);
        let ttl = secs(60);
        cache.put("a".into(), "1".into(), fresh(ttl), None);
        cache.put("b".into(), "2".into(), fresh(ttl), None);
        assert!(cache.get("a").is_some());
        cache.put("c".into(), "3".into(), fresh(ttl), None);
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());

        let cache = bounded(100, 10);
        cache.put("a".into(), "1234".into(), fresh(ttl), None);
        cache.put("b".into(), "1234".into(), fresh(ttl), None);
        assert_eq!(cache.usage(), (2, 10));
        cache.put("c".into(), "1234".into(), fresh(ttl), None);
        assert_eq!(cache.usage(), (2, 10));
        assert!(cache.get("a").is_none());
        cache.put("huge".into(), "12345678901".into(), fresh(ttl), None);
        assert!(cache.get("huge").is_none(), "larger than max_bytes");
        cache.put("b".into(), "12".into(), fresh(ttl), None);
        assert_eq!(
            cache.usage(),
            (2, 8),
            "a replaced entry gives its bytes back"
        );
        cache.clear();
        assert_eq!(cache.usage(), (0, 0));
    }
}
