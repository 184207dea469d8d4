//! The response cache's part of a request: a GET with a key ([`super::cache_key`]) is answered
//! from the cache while fresh, or stale within its windows (RFC 5861), else fetched under the
//! shared store's lease and stored as HTTP's headers allow. What is stored is known to be what it
//! claims: a GraphQL body that is JSON, from AEM's own origin.

use reqwest::header::{HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::cache_key;
use super::client::{AemClient, Fetched, Response, SharedBody, StaleReason};
use super::request::{AemRequest, parse_headers};
use super::response;
use crate::cache::local::{Lookup, Refreshed, StaleEntry, epoch_ms};
use crate::cache::policy::{self, Validators};
use crate::cache::shared::{Lease, SharedCache};
use crate::cache::tags::Selector;
use crate::error::{Error, Result};

/// A background revalidation under way; dropped (done, failed or cancelled), it ends.
struct RevalidationClaim {
    client: Arc<AemClient>,
    key: String,
}

impl Drop for RevalidationClaim {
    fn drop(&mut self) {
        if let Some(cache) = &self.client.cache {
            cache.end_revalidation(&self.key);
        }
    }
}

/// A held lease of the shared store, given back when dropped: however the fetch under it
/// ends (an answer, an error, an abort).
struct LeaseRelease {
    shared: Arc<SharedCache>,
    lease: Lease,
}

impl Drop for LeaseRelease {
    fn drop(&mut self) {
        if !matches!(self.lease, Lease::Held(_)) {
            return;
        }
        let (shared, lease) = (Arc::clone(&self.shared), self.lease);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { shared.release(lease).await });
        }
    }
}

/// An answer from the cache: `attempts` made to AEM for it (a stale-if-error answer's), and why
/// it was served stale, if it was.
fn from_cache(body: &str, attempts: u32, stale: Option<StaleReason>) -> Response {
    Response {
        body: body.to_owned(),
        status: 200,
        attempts,
        cached: true,
        coalesced: false,
        http_version: None,
        stale,
        held: None,
    }
}

/// How often a process that waits for another's answer looks in the shared store.
const SHARED_POLL: Duration = Duration::from_millis(50);
/// The longest a lease of the shared store lasts: a holder that dies holds up the others no
/// longer than this.
const MAX_LEASE: Duration = Duration::from_secs(10);

impl AemClient {
    /// The answer the local cache holds for `request` while it is fresh, found on the calling
    /// thread without waiting for anything: a fresh hit needs no store, lease or timer, so the
    /// binding answers it without a hand-off to the I/O thread. `None` otherwise (a miss, a
    /// stale entry, headers that do not parse, no cache): [`AemClient::send`] answers it.
    pub fn fresh_answer(&self, request: &AemRequest) -> Option<Response> {
        let cache = self.cache.as_ref()?;
        parse_headers(request.headers.iter().chain(&request.trace_headers)).ok()?;
        let body = cache.get(&self.key_for(request)?)?;
        Some(from_cache(&body, 0, None))
    }

    /// [`AemClient::execute`], with the status, the number of attempts and whether the cache
    /// answered.
    pub async fn send(self: &Arc<Self>, request: AemRequest) -> Result<Response> {
        // Headers are checked before the cache is asked: a bad value is refused, not answered.
        let headers = parse_headers(request.headers.iter().chain(&request.trace_headers))?;
        let Some(key) = self.key_for(&request) else {
            let fetched = self.fetch(&request, &headers, false).await?;
            return Ok(Response {
                body: fetched.body,
                status: fetched.status,
                attempts: fetched.attempts,
                cached: false,
                coalesced: false,
                http_version: fetched.http_version,
                stale: None,
                held: fetched.held,
            });
        };
        let mut lookup = self.cache.as_ref().map_or(Lookup::Miss, |c| c.lookup(&key));
        // What another process put in the shared store, when there is nothing to serve here.
        if !matches!(
            &lookup,
            Lookup::Fresh(_)
                | Lookup::Stale(StaleEntry {
                    while_revalidate: true,
                    ..
                })
        ) && let Some(adopted) = self.adopt_shared(&key, request.raw).await
        {
            lookup = adopted;
        }
        let stale = match lookup {
            Lookup::Fresh(body) => return Ok(from_cache(&body, 0, None)),
            Lookup::Stale(entry) => Some(entry),
            Lookup::Miss => None,
        };
        if let Some(entry) = stale.as_ref().filter(|entry| entry.while_revalidate) {
            self.revalidate_in_background(&key, &request, &headers, &entry.validators);
            return Ok(from_cache(
                &entry.body,
                0,
                Some(StaleReason::WhileRevalidate),
            ));
        }
        // Set by whichever caller runs the request: with coalescing, maybe another.
        let sent = AtomicBool::new(false);
        let fetch_and_store = || async {
            sent.store(true, Ordering::Relaxed);
            self.fetch_leased(&key, &request, &headers, stale.as_ref(), true)
                .await
                .map_err(Arc::new)
        };
        // A raw answer may hold a body for one caller: raw GETs are not coalesced.
        let outcome = match self.coalescer.as_ref().filter(|_| !request.raw) {
            None => fetch_and_store().await,
            Some(coalescer) => {
                let timeout = request.timeout.unwrap_or(self.timeout);
                // On the clock of the request's own timeout.
                let run = std::pin::pin!(coalescer.run(&key, fetch_and_store));
                let expired = self
                    .transport_of(&request)
                    .wait(timeout, self.timeout_set(request.timeout));
                match futures_util::future::select(run, expired).await {
                    futures_util::future::Either::Left((outcome, _)) => outcome,
                    futures_util::future::Either::Right(_) => {
                        Err(Arc::new(Error::Timeout { after: timeout }))
                    }
                }
            }
        };
        match outcome {
            Ok(shared) => Ok(Response {
                body: shared.body.to_string(),
                status: shared.status,
                attempts: shared.attempts,
                cached: shared.revalidated,
                coalesced: !sent.load(Ordering::Relaxed),
                http_version: shared.http_version,
                stale: None,
                held: shared.held,
            }),
            // Within stale-if-error, AEM's failure is answered with the stale entry.
            Err(error) if error.is_outage() && stale.as_ref().is_some_and(|e| e.if_error) => {
                let body = stale.as_ref().map_or("", |entry| &*entry.body);
                let attempts = error.details().attempts.unwrap_or(1);
                Ok(from_cache(body, attempts, Some(StaleReason::IfError)))
            }
            Err(error) => Err(Arc::try_unwrap(error).unwrap_or_else(Error::Shared)),
        }
    }

    /// Marks the answers `selector` reaches stale (served within their stale windows while they
    /// are revalidated with their validators), or with `hard` removes them, here; `all` with
    /// `hard` also stops this client taking older entries of the shared store. Returns the keys
    /// reached, for [`AemClient::invalidate`] to forget in the shared store.
    pub fn invalidate_here(&self, selector: &Selector, hard: bool) -> Vec<String> {
        let reached = self
            .cache
            .as_ref()
            .map_or_else(Vec::new, |cache| cache.invalidate(selector, hard));
        if selector.all && hard && selector.unchanged_since.is_none() {
            self.cleared_at.store(epoch_ms() + 1, Ordering::Relaxed);
        }
        reached
    }

    /// The endpoints (relative to the service URL) of the cached answers `selector` reaches,
    /// each once, changing nothing: what a CDN purge of them names.
    pub fn endpoints_reached(&self, selector: &Selector) -> Vec<String> {
        let Some(cache) = &self.cache else {
            return Vec::new();
        };
        let mut endpoints: Vec<String> = cache
            .reached(selector)
            .iter()
            .filter_map(|key| cache_key::endpoint_of(key).map(str::to_owned))
            .collect();
        endpoints.sort_unstable();
        endpoints.dedup();
        endpoints
    }

    /// [`AemClient::invalidate_here`], and the shared store's copies of the answers reached are
    /// removed, so that this process does not take them back as fresh. Returns how many answers
    /// were reached here. (Other processes' own copies are theirs to invalidate.)
    pub async fn invalidate(&self, selector: &Selector, hard: bool) -> usize {
        let reached = self.invalidate_here(selector, hard);
        if let Some(shared) = &self.shared {
            // At once: each is bounded by the store's timeout, so a store that is down costs
            // one timeout, not one per answer.
            futures_util::future::join_all(reached.iter().map(|key| shared.forget(key))).await;
        }
        reached.len()
    }

    /// Revalidates `key` in the background, unless a revalidation of it is under way: the
    /// stale-while-revalidate answer does not wait for it.
    fn revalidate_in_background(
        self: &Arc<Self>,
        key: &str,
        request: &AemRequest,
        headers: &HeaderMap,
        validators: &Validators,
    ) {
        let Some(cache) = &self.cache else { return };
        if !cache.begin_revalidation(key) {
            return;
        }
        let claim = RevalidationClaim {
            client: Arc::clone(self),
            key: key.to_owned(),
        };
        let (request, headers) = (request.clone(), headers.clone());
        let stale = StaleEntry {
            body: Arc::from(""),
            validators: validators.clone(),
            while_revalidate: true,
            if_error: false,
        };
        tokio::spawn(async move {
            let RevalidationClaim { client, key } = &claim;
            // Another process may have revalidated it already.
            if let Some(Lookup::Fresh(_)) = client.adopt_shared(key, request.raw).await {
                return;
            }
            // A failure leaves the stale entry as it is (a 4xx removes it): the next call past
            // the window tries again.
            let _ = client
                .fetch_leased(key, &request, &headers, Some(&stale), false)
                .await;
        });
    }

    /// The key of `request` in the cache and for coalescing; `None` when neither is on, or the
    /// request has none ([`cache_key::key_of`]).
    fn key_for(&self, request: &AemRequest) -> Option<String> {
        if self.cache.is_none() && self.coalescer.is_none() {
            return None;
        }
        cache_key::key_of(request, &self.identity)
    }

    /// The shared store's entry for `key`, put in the local cache, as the local cache now has
    /// it; `None` without a store or an entry there (or one stored before `clear_cache`). An entry
    /// that is not what this client stores (a GraphQL body that is not JSON or holds `errors`, a
    /// raw answer's envelope that is not JSON) is removed from the store, not taken.
    async fn adopt_shared(&self, key: &str, raw: bool) -> Option<Lookup> {
        let (shared, cache) = (self.shared.as_ref()?, self.cache.as_ref()?);
        let (body, policy, stored_at, since) = shared.read(key).await?;
        if stored_at < self.cleared_at.load(Ordering::Relaxed) {
            return None;
        }
        if !response::is_storable(&body, raw) {
            shared.forget(key).await;
            return None;
        }
        cache.put_since(
            key.to_owned(),
            body,
            policy,
            cache_key::persisted_query_of(key),
            Some(since),
        );
        Some(cache.lookup(key))
    }

    /// [`AemClient::fetch_and_store`] by one process at a time: under the shared store's lease
    /// when there is one, given back however the fetch ends. While another process holds it,
    /// this one serves a stale entry within `stale-if-error` at once; else it looks for the
    /// holder's answer in the store, and takes the lease itself once it is free (the holder
    /// stored nothing, failed or died), for half the request's timeout, then asks AEM anyway.
    /// Without `wait` (a
    /// background revalidation), a held lease means nothing to do.
    async fn fetch_leased(
        &self,
        key: &str,
        request: &AemRequest,
        headers: &HeaderMap,
        stale: Option<&StaleEntry>,
        wait: bool,
    ) -> Result<SharedBody> {
        let validators = stale.map(|entry| &entry.validators);
        let Some(shared) = &self.shared else {
            return self
                .fetch_and_store(key, request, headers, validators)
                .await;
        };
        let timeout = request.timeout.unwrap_or(self.timeout);
        // Half the timeout for the holder's answer: the other half for asking AEM itself.
        let deadline = tokio::time::Instant::now() + timeout / 2;
        let lease_for = timeout.min(MAX_LEASE);
        loop {
            match shared.lease(key, lease_for).await {
                Lease::Busy if !wait => return Err(Error::Aborted),
                Lease::Busy if stale.is_some_and(|entry| entry.if_error) => {
                    return Err(Error::Timeout { after: timeout });
                }
                Lease::Busy => {
                    if tokio::time::Instant::now() + SHARED_POLL >= deadline {
                        return self
                            .fetch_and_store(key, request, headers, validators)
                            .await;
                    }
                    self.transport_of(request).sleep(SHARED_POLL).await;
                    if let Some(Lookup::Fresh(body)) = self.adopt_shared(key, request.raw).await {
                        return Ok(SharedBody {
                            body,
                            status: 200,
                            attempts: 0,
                            http_version: None,
                            revalidated: true,
                            held: None,
                        });
                    }
                }
                lease => {
                    let _release = LeaseRelease {
                        shared: Arc::clone(shared),
                        lease,
                    };
                    return self
                        .fetch_and_store(key, request, headers, validators)
                        .await;
                }
            }
        }
    }

    /// Sends the request (with the cache's `validators`, conditionally) and stores what comes
    /// back: a 200 as the new entry, a 304 as the stored entry the 304 renews. A 200 that may not
    /// be stored, and a 403, 404 or 410, remove the entry here and in the shared store.
    async fn fetch_and_store(
        &self,
        key: &str,
        request: &AemRequest,
        headers: &HeaderMap,
        validators: Option<&Validators>,
    ) -> Result<SharedBody> {
        let conditional = validators.filter(|v| v.any()).map(|validators| {
            let mut with = headers.clone();
            for (name, value) in [
                (IF_NONE_MATCH, &validators.etag),
                (IF_MODIFIED_SINCE, &validators.last_modified),
            ] {
                if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    with.insert(name, value);
                }
            }
            with
        });
        let sent_at = tokio::time::Instant::now();
        let fetched = match self
            .fetch(
                request,
                conditional.as_ref().unwrap_or(headers),
                conditional.is_some(),
            )
            .await
        {
            Ok(fetched) => fetched,
            Err(error) => {
                if matches!(error.status(), Some(403 | 404 | 410)) {
                    self.forget(key).await;
                }
                return Err(error);
            }
        };
        if fetched.status == 304 {
            let refreshed = match (&self.cache, &fetched.cache_headers) {
                (Some(cache), Some(not_modified)) => cache.refresh(key, not_modified, sent_at),
                _ => None,
            };
            let body = match refreshed {
                Some(Refreshed::Renewed(body, policy, since)) => {
                    if let Some(shared) = &self.shared {
                        shared.write(key, &body, &policy, since).await;
                    }
                    body
                }
                Some(Refreshed::Forbidden(body)) => {
                    if let Some(shared) = &self.shared {
                        shared.forget(key).await;
                    }
                    body
                }
                // Stale here, and not written to the store (which the invalidation emptied).
                Some(Refreshed::Superseded(body)) => body,
                // Evicted meanwhile: asked again once, unconditionally (a 304 then is an error).
                None => {
                    let fetched = self.fetch(request, headers, false).await?;
                    return Ok(self.store(key, fetched).await);
                }
            };
            return Ok(SharedBody {
                body,
                status: 200,
                attempts: fetched.attempts,
                http_version: fetched.http_version,
                revalidated: true,
                held: None,
            });
        }
        Ok(self.store(key, fetched).await)
    }

    /// Stores a 200 as the entry under `key` (here and in the shared store), or removes the
    /// entry when the answer may not be stored.
    async fn store(&self, key: &str, fetched: Fetched) -> SharedBody {
        let body: Arc<str> = fetched.body.into();
        if let Some(cache) = &self.cache {
            let policy = fetched
                .cache_headers
                .as_ref()
                .and_then(|headers| policy::policy_of(headers, cache.stale_defaults()));
            match policy {
                Some(policy) => {
                    let kept = self.shared.as_ref().map(|shared| (shared, policy.clone()));
                    let since = cache.put_since(
                        key.to_owned(),
                        Arc::clone(&body),
                        policy,
                        cache_key::persisted_query_of(key),
                        None,
                    );
                    if let Some((shared, policy)) = kept {
                        shared.write(key, &body, &policy, since).await;
                    }
                }
                None => self.forget(key).await,
            }
        }
        SharedBody {
            body,
            status: fetched.status,
            attempts: fetched.attempts,
            http_version: fetched.http_version,
            revalidated: false,
            held: fetched.held,
        }
    }

    /// Removes the entry under `key`, here and in the shared store.
    async fn forget(&self, key: &str) {
        if let Some(cache) = &self.cache {
            cache.remove(key);
        }
        if let Some(shared) = &self.shared {
            shared.forget(key).await;
        }
    }
}
