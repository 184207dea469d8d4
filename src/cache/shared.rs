//! The response cache that processes share through a store (Redis through `createRedisStore`,
//! or any store of the same shape): entries as JSON under keys that are digests, every store call
//! bounded in time, and a lease so that one process at a time asks AEM for a key.
//!
//! The local cache stays in front: the store is asked only on a local miss (or a stale entry that
//! must be revalidated), and an entry read from it goes into the local cache for the time it has
//! left. A store that is slow, down or answers nonsense is taken as empty: no call fails because
//! of it. Keys are digests of the local cache's keys, and values hold the body, its validators and
//! windows: no token, no header value.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cache::local::epoch_ms;
use crate::cache::policy::{Directives, ReusePolicy, Validators};

/// A future a store call returns.
pub type StoreFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// How a lease request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// This process holds it, under this number, until it is released or runs out.
    Held(u32),
    /// Another process holds it.
    Busy,
    /// The store has no leases, or did not answer: every process goes ahead.
    None,
}

/// A store the processes share, as the binding bridges an app's store to the core.
pub trait CacheStore: Send + Sync {
    /// The value under `key`, or `None` (absent, or the store failed).
    fn get(&self, key: &str) -> StoreFuture<Option<String>>;
    /// Puts `value` under `key` for `ttl`.
    fn set(&self, key: &str, value: String, ttl: Duration) -> StoreFuture<()>;
    /// Asks for the lease of `key` for `ttl`.
    fn lease(&self, key: &str, ttl: Duration) -> StoreFuture<Lease>;
    /// Gives back a held lease.
    fn release(&self, lease: u32) -> StoreFuture<()>;
}

/// The settings of a [`SharedCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedCacheConfig {
    /// The longest a store call may take before it is given up. Default 250 ms.
    pub timeout: Duration,
    /// The largest body shared; larger ones stay local. Default 1 MiB.
    pub max_bytes: usize,
}

impl Default for SharedCacheConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(250),
            max_bytes: 1024 * 1024,
        }
    }
}

/// The prefix of every key the cache puts in a store.
pub const KEY_PREFIX: &str = "aem-headless-rs:response:";

/// How long an entry with validators but no window is kept in the store, to be revalidated.
const VALIDATED_KEEP: Duration = Duration::from_secs(24 * 60 * 60);

/// An entry as the store holds it.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// The format's version.
    v: u8,
    body: String,
    /// When it was stored or last revalidated, in epoch milliseconds.
    at: u64,
    fresh_ms: u64,
    swr_ms: u64,
    sie_ms: u64,
    etag: Option<String>,
    last_modified: Option<String>,
    /// `Cache-Control` and `Surrogate-Control` as sent, for a 304 to update.
    #[serde(default)]
    cc: Option<String>,
    #[serde(default)]
    sc: Option<String>,
    /// Since when the content has been what it is, in epoch milliseconds (0: not known, as in
    /// entries written before it was kept, which then count as the oldest).
    #[serde(default)]
    since: u64,
}

/// What a removed entry is replaced with in the store: readers take it as nothing there.
const TOMBSTONE: &str = "{\"v\":0}";
/// How long a tombstone stays: long enough for every process's next look.
const TOMBSTONE_TTL: Duration = Duration::from_secs(60);

/// A store with its bounds, for one client.
pub struct SharedCache {
    store: Arc<dyn CacheStore>,
    config: SharedCacheConfig,
    /// What the client's answers depend on beyond a request's key: its service URL and its own
    /// headers (but `Authorization`), so that clients of other hosts or headers never share.
    scope: String,
}

impl std::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCache")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl SharedCache {
    /// A shared cache over `store`.
    pub fn new(store: Arc<dyn CacheStore>, config: SharedCacheConfig) -> Self {
        Self {
            store,
            config,
            scope: String::new(),
        }
    }

    /// This cache for a client whose answers also depend on `scope` (its service URL and own
    /// headers).
    pub fn scoped(&self, scope: String) -> Self {
        Self {
            store: Arc::clone(&self.store),
            config: self.config,
            scope,
        }
    }

    /// The store's key for a local cache key: a digest of it and the client's scope, so that
    /// nothing of the request (a header value, an identity) is written to the store.
    pub fn store_key(&self, key: &str) -> String {
        use base64::Engine as _;
        let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        context.update(&(self.scope.len() as u64).to_le_bytes());
        context.update(self.scope.as_bytes());
        context.update(key.as_bytes());
        let digest = context.finish();
        format!(
            "{KEY_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
        )
    }

    /// The entry under `key` with the time it has left, when it was stored and since when its
    /// content has been what it is (both epoch milliseconds), or `None` (absent, removed,
    /// unreadable, or the store too slow).
    pub async fn read(&self, key: &str) -> Option<(Arc<str>, ReusePolicy, u64, u64)> {
        let text = tokio::time::timeout(self.config.timeout, self.store.get(&self.store_key(key)))
            .await
            .ok()??;
        let stored: Stored = serde_json::from_str(&text).ok()?;
        if stored.v != 1 {
            return None;
        }
        let age = Duration::from_millis(epoch_ms().saturating_sub(stored.at));
        let policy = ReusePolicy {
            fresh_for: Duration::from_millis(stored.fresh_ms),
            stale_while_revalidate: Duration::from_millis(stored.swr_ms),
            stale_if_error: Duration::from_millis(stored.sie_ms),
            validators: Validators {
                etag: stored.etag,
                last_modified: stored.last_modified,
            },
            directives: Directives {
                cache_control: stored.cc,
                surrogate_control: stored.sc,
            },
        }
        .aged(age);
        Some((stored.body.into(), policy, stored.at, stored.since))
    }

    /// Puts `body`, content unchanged since `since` (epoch milliseconds), under `key` for as
    /// long as `policy` keeps it; nothing for a body over the size cap. A store that fails or is
    /// slow is given up on.
    pub async fn write(&self, key: &str, body: &str, policy: &ReusePolicy, since: u64) {
        if body.len() > self.config.max_bytes {
            return;
        }
        let keep = match policy.keep_for() {
            keep if !keep.is_zero() => keep,
            _ if policy.validators.any() => VALIDATED_KEEP,
            _ => return,
        };
        let stored = Stored {
            v: 1,
            body: body.to_owned(),
            at: epoch_ms(),
            fresh_ms: ms(policy.fresh_for),
            swr_ms: ms(policy.stale_while_revalidate),
            sie_ms: ms(policy.stale_if_error),
            etag: policy.validators.etag.clone(),
            last_modified: policy.validators.last_modified.clone(),
            cc: policy.directives.cache_control.clone(),
            sc: policy.directives.surrogate_control.clone(),
            since,
        };
        let Ok(text) = serde_json::to_string(&stored) else {
            return;
        };
        let set = self.store.set(&self.store_key(key), text, keep);
        let _ = tokio::time::timeout(self.config.timeout, set).await;
    }

    /// Replaces the entry under `key` with a tombstone (the store has no delete): AEM said it is
    /// gone, or may not be stored.
    pub async fn forget(&self, key: &str) {
        let set = self
            .store
            .set(&self.store_key(key), TOMBSTONE.to_owned(), TOMBSTONE_TTL);
        let _ = tokio::time::timeout(self.config.timeout, set).await;
    }

    /// Asks for the lease of `key` for `ttl`, under a key of its own (a store may keep leases
    /// among its values); a store that does not answer in time gives none.
    pub async fn lease(&self, key: &str, ttl: Duration) -> Lease {
        let lease = self
            .store
            .lease(&format!("{}:lease", self.store_key(key)), ttl);
        tokio::time::timeout(self.config.timeout, lease)
            .await
            .unwrap_or(Lease::None)
    }

    /// Gives a held lease back.
    pub async fn release(&self, lease: Lease) {
        if let Lease::Held(id) = lease {
            let _ = tokio::time::timeout(self.config.timeout, self.store.release(id)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A store in memory, as a test double of Redis.
    #[derive(Default)]
    struct Memory {
        values: Mutex<HashMap<String, String>>,
        leased: Mutex<Option<String>>,
        slow: bool,
    }

    impl CacheStore for Memory {
        fn get(&self, key: &str) -> StoreFuture<Option<String>> {
            let value = self.values.lock().unwrap().get(key).cloned();
            let slow = self.slow;
            Box::pin(async move {
                if slow {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                value
            })
        }
        fn set(&self, key: &str, value: String, _ttl: Duration) -> StoreFuture<()> {
            self.values.lock().unwrap().insert(key.to_owned(), value);
            Box::pin(async {})
        }
        fn lease(&self, key: &str, _ttl: Duration) -> StoreFuture<Lease> {
            let mut leased = self.leased.lock().unwrap();
            let lease = if leased.is_some() {
                Lease::Busy
            } else {
                *leased = Some(key.to_owned());
                Lease::Held(1)
            };
            Box::pin(async move { lease })
        }
        fn release(&self, _lease: u32) -> StoreFuture<()> {
            *self.leased.lock().unwrap() = None;
            Box::pin(async {})
        }
    }

    fn policy() -> ReusePolicy {
        ReusePolicy {
            fresh_for: Duration::from_secs(60),
            stale_while_revalidate: Duration::ZERO,
            stale_if_error: Duration::from_secs(600),
            validators: Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            },
            ..ReusePolicy::default()
        }
    }

    #[tokio::test]
    async fn entries_go_through_the_store_under_digests() {
        let memory = Arc::new(Memory::default());
        let shared = SharedCache::new(memory.clone(), SharedCacheConfig::default());
        let key = "31:graphql/execute.json/a/b;x=1;13:Bearer SECRET";
        shared.write(key, "{\"data\":{}}", &policy(), 42).await;
        let stored = memory.values.lock().unwrap().clone();
        let (store_key, value) = stored.iter().next().unwrap();
        assert!(store_key.starts_with(KEY_PREFIX));
        assert!(!store_key.contains("SECRET") && !value.contains("SECRET"));
        let (body, read, _, since) = shared.read(key).await.unwrap();
        assert_eq!(since, 42);
        assert_eq!(&*body, "{\"data\":{}}");
        assert!(
            read.fresh_for <= Duration::from_secs(60) && read.fresh_for > Duration::from_secs(59)
        );
        assert_eq!(read.validators.etag.as_deref(), Some("\"v1\""));
        assert!(shared.read("other").await.is_none());
    }

    #[tokio::test]
    async fn a_slow_or_garbled_store_reads_as_empty_and_large_bodies_stay_local() {
        let slow = Arc::new(Memory {
            slow: true,
            ..Memory::default()
        });
        let shared = SharedCache::new(
            slow.clone(),
            SharedCacheConfig {
                timeout: Duration::from_millis(20),
                max_bytes: 8,
            },
        );
        shared.write("k", "{}", &policy(), 0).await;
        assert!(shared.read("k").await.is_none(), "too slow");
        shared.write("big", "0123456789", &policy(), 0).await;
        assert_eq!(
            slow.values.lock().unwrap().len(),
            1,
            "over the cap: not shared"
        );

        let garbled = Arc::new(Memory::default());
        let shared = SharedCache::new(garbled.clone(), SharedCacheConfig::default());
        garbled
            .values
            .lock()
            .unwrap()
            .insert(shared.store_key("k"), "not json".into());
        assert!(shared.read("k").await.is_none());
        shared.write("k", "{}", &policy(), 0).await;
        assert!(shared.read("k").await.is_some());
        shared.forget("k").await;
        assert!(
            shared.read("k").await.is_none(),
            "a tombstone reads as nothing"
        );
        let other = shared.scoped("https://other.example/".into());
        shared.write("k", "{}", &policy(), 0).await;
        assert!(
            other.read("k").await.is_none(),
            "another scope, another key"
        );
    }

    #[tokio::test]
    async fn one_lease_at_a_time() {
        let shared = SharedCache::new(Arc::new(Memory::default()), SharedCacheConfig::default());
        let held = shared.lease("k", Duration::from_secs(5)).await;
        assert_eq!(held, Lease::Held(1));
        assert_eq!(shared.lease("k", Duration::from_secs(5)).await, Lease::Busy);
        shared.release(held).await;
        assert_eq!(
            shared.lease("k", Duration::from_secs(5)).await,
            Lease::Held(1)
        );
    }
}
