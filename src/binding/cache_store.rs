//! `CacheStore`: an app's store (the one tokens share, `createRedisStore`) as the core's
//! [`shared::CacheStore`]. `lib/cache-store.js` makes the function it calls and answers
//! every operation through `settleStore`, a module function, so that the JavaScript side holds
//! no reference to the bridge that holds it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use napi::Status;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use tokio::sync::oneshot;

use crate::cache::shared::{self, Lease, StoreFuture};

/// One store operation, as the JavaScript `call` takes it.
#[napi(object)]
pub struct StoreCall {
    /// Names this operation for `settleStore`.
    pub id: u32,
    /// `get`, `set`, `lease` or `release`.
    pub op: String,
    /// The key (`get`, `set`, `lease`), or the lease's number as text (`release`).
    pub key: String,
    /// The value to store (`set`).
    pub value: Option<String>,
    /// How long the value or lease lasts, in milliseconds (`set`, `lease`).
    pub ttl_ms: Option<f64>,
}

type CallFunction = ThreadsafeFunction<StoreCall, (), StoreCall, Status, false, true>;

/// The number of the next operation, unique in the process.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// The operations sent to any store and not answered yet.
static WAITING: Mutex<Option<HashMap<u32, oneshot::Sender<Option<String>>>>> = Mutex::new(None);

fn waiting<T>(work: impl FnOnce(&mut HashMap<u32, oneshot::Sender<Option<String>>>) -> T) -> T {
    let mut table = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
    work(table.get_or_insert_with(HashMap::new))
}

/// An app's store, for the response cache of clients.
#[napi]
pub struct CacheStore {
    call: Arc<CallFunction>,
}

#[napi]
impl CacheStore {
    /// `call(operation)` runs one store operation and answers it with `settleStore` (it must
    /// not throw).
    #[napi(
        constructor,
        ts_args_type = "call: (operation: StoreCall) => void",
        catch_unwind
    )]
    pub fn new(call: Function<StoreCall, ()>) -> napi::Result<Self> {
        Ok(Self {
            call: Arc::new(
                call.build_threadsafe_function()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()?,
            ),
        })
    }
}

impl CacheStore {
    /// The core's store over this bridge.
    pub(crate) fn store(&self) -> Arc<dyn shared::CacheStore> {
        Arc::new(Bridge(Arc::clone(&self.call)))
    }
}

/// Answers store operation `id`: the value read (`get`), `held` for a lease this process now
/// holds, or `null` (absent, refused, done or failed). An operation no longer waited for (it
/// took too long) is ignored.
#[napi(catch_unwind)]
pub fn settle_store(id: u32, value: Option<String>) {
    if let Some(waiter) = waiting(|table| table.remove(&id)) {
        let _ = waiter.send(value);
    }
}

struct Bridge(Arc<CallFunction>);

impl Bridge {
    /// Sends one operation; resolves with its answer, or `None` when it could not be sent or
    /// was never answered.
    fn run(
        &self,
        op: &str,
        key: String,
        value: Option<String>,
        ttl: Option<Duration>,
    ) -> StoreFuture<Option<String>> {
        self.run_as(NEXT_ID.fetch_add(1, Ordering::Relaxed), op, key, value, ttl)
    }

    /// [`Bridge::run`] under a number given by the caller.
    fn run_as(
        &self,
        id: u32,
        op: &str,
        key: String,
        value: Option<String>,
        ttl: Option<Duration>,
    ) -> StoreFuture<Option<String>> {
        let (sender, receiver) = oneshot::channel();
        waiting(|table| table.insert(id, sender));
        let call = StoreCall {
            id,
            op: op.to_owned(),
            key,
            value,
            ttl_ms: ttl.map(|ttl| ttl.as_secs_f64() * 1000.0),
        };
        if self.0.call(call, ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
            waiting(|table| table.remove(&id));
        }
        // Dropped unanswered (a timeout above it), its entry goes too.
        let guard = Forget(id);
        Box::pin(async move {
            let answer = receiver.await.ok().flatten();
            drop(guard);
            answer
        })
    }
}

/// A lease request given up before its answer (it took longer than the store timeout): the
/// lease is given back should the store grant it after all.
struct Abandoned {
    call: Option<Arc<CallFunction>>,
    lease: u32,
}

impl Abandoned {
    /// The lease request was answered: nothing to give back.
    fn answered(mut self) {
        self.call = None;
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(call) = self.call.take() {
            let release = StoreCall {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                op: "release".to_owned(),
                key: self.lease.to_string(),
                value: None,
                ttl_ms: None,
            };
            let _ = call.call(release, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

/// Removes an operation from the waiting table when its caller stops waiting.
struct Forget(u32);

impl Drop for Forget {
    fn drop(&mut self) {
        waiting(|table| table.remove(&self.0));
    }
}

impl shared::CacheStore for Bridge {
    fn get(&self, key: &str) -> StoreFuture<Option<String>> {
        self.run("get", key.to_owned(), None, None)
    }

    fn set(&self, key: &str, value: String, ttl: Duration) -> StoreFuture<()> {
        let done = self.run("set", key.to_owned(), Some(value), Some(ttl));
        Box::pin(async move {
            done.await;
        })
    }

    fn lease(&self, key: &str, ttl: Duration) -> StoreFuture<Lease> {
        // The lease is known by the number of the operation that took it.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let answer = self.run_as(id, "lease", key.to_owned(), None, Some(ttl));
        let abandoned = Abandoned {
            call: Some(Arc::clone(&self.0)),
            lease: id,
        };
        Box::pin(async move {
            let lease = match answer.await.as_deref() {
                Some("held") => Lease::Held(id),
                Some("busy") => Lease::Busy,
                _ => Lease::None,
            };
            abandoned.answered();
            lease
        })
    }

    fn release(&self, lease: u32) -> StoreFuture<()> {
        let done = self.run("release", lease.to_string(), None, None);
        Box::pin(async move {
            done.await;
        })
    }
}
