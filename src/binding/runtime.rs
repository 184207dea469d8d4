//! The runtime the binding's async work runs on, built by the binding itself.
//!
//! napi-rs keeps a runtime given to `create_custom_tokio_runtime` for the first cycle of Node
//! environments only: once the last environment exits it drops it, and the next environment (a
//! worker-only app, a test runner that loads the addon again) gets napi-rs's default, one worker
//! per core. So every promise of the binding is settled from work spawned here, on a runtime
//! built with `AEM_HEADLESS_WORKER_THREADS` workers whenever none is running.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, PoisonError};

use futures_util::FutureExt as _;
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::{Env, JsDeferred, JsValue as _};
use tokio::runtime::{Handle, Runtime};

/// The environment variable that sets how many threads run the Rust side's I/O.
pub const WORKER_THREADS_VARIABLE: &str = "AEM_HEADLESS_WORKER_THREADS";

/// The name of the runtime's threads.
pub const THREAD_NAME: &str = "aem-headless-io";

/// How many workers to start: `AEM_HEADLESS_WORKER_THREADS` (1 to 256), else 1. On the 2-core
/// machines the benchmarks run on, a second worker only added hand-offs between threads (about
/// 5–10% more CPU per request, and less throughput); the JavaScript thread parses the JSON.
pub fn worker_threads() -> usize {
    std::env::var(WORKER_THREADS_VARIABLE)
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|workers| (1..=256).contains(workers))
        .unwrap_or(1)
}

/// A new runtime with the configured workers.
pub fn build() -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()
}

/// The binding's runtime, built on first need. It is kept for the life of the process (napi-rs
/// pins the addon's image, so its threads never outlive the code they run).
fn handle() -> napi::Result<Handle> {
    static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);
    let mut runtime = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(runtime) = runtime.as_ref() {
        return Ok(runtime.handle().clone());
    }
    let built = build().map_err(|error| {
        napi::Error::from_reason(format!("cannot start the I/O runtime: {error}"))
    })?;
    let handle = built.handle().clone();
    *runtime = Some(built);
    Ok(handle)
}

type Resolver<T> = Box<dyn FnOnce(Env) -> napi::Result<T> + Send>;

/// Runs `work` on the binding's runtime and returns the promise it settles. A panic in `work`
/// rejects the promise instead of crossing into Node.
pub fn spawn<'env, T, F>(env: &'env Env, work: F) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = napi::Result<T>> + Send + 'static,
{
    let runtime = handle()?;
    let (deferred, promise) = env.create_deferred::<T, Resolver<T>>()?;
    runtime.spawn(async move { settle(deferred, AssertUnwindSafe(work).catch_unwind().await) });
    Ok(PromiseRaw::new(env.raw(), promise.raw()))
}

/// A guard that makes the binding's runtime the current one (its timers and tasks), for work
/// polled on a JavaScript thread ([`super::local`]); `None` when the runtime cannot start.
pub fn enter() -> Option<EnterRuntime> {
    let handle = handle().ok()?;
    Some(EnterRuntime(handle))
}

/// The binding's runtime, entered for as long as [`EnterRuntime::guard`]'s guard lives.
pub struct EnterRuntime(Handle);

impl EnterRuntime {
    /// Enters the runtime until the guard is dropped.
    pub fn guard(&self) -> tokio::runtime::EnterGuard<'_> {
        self.0.enter()
    }
}

/// Settles a promise with the outcome of its work; a panic rejects it with `INTERNAL_ERROR`.
fn settle<T: ToNapiValue + Send + 'static>(
    deferred: JsDeferred<T, Resolver<T>>,
    outcome: std::thread::Result<napi::Result<T>>,
) {
    match outcome {
        Ok(Ok(value)) => deferred.resolve(Box::new(move |_| Ok(value))),
        Ok(Err(error)) => deferred.reject(error),
        Err(_) => deferred.reject(super::error::panic_error()),
    }
}
