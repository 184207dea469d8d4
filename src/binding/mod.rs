//! The Node-API binding: every `#[napi]` item lives here, and it only converts between
//! JavaScript values and the core. The hand-written `index.js` is the public face over it.

mod client;
mod credentials;
mod error;
mod provider;
mod token;

pub use client::{
    CallOptions, CancelToken, NativeClient, NativeClientConfig, RetryOptions, TracedResponse,
    without_userinfo,
};
pub use credentials::{
    LoadCredentialsOptions, LoadedCredentials, load_credentials_from_file,
    load_credentials_from_json, load_credentials_from_json_sync, sign_service_jwt,
};
pub use provider::{NativeTokenProvider, ProvidedToken, TokenProviderOptions};
pub use token::{
    FetchTokenOptions, FetchedToken, RawExchange, TokenExchange, exchange_raw, fetch_token_for,
    token_url_of,
};

/// The environment variable that sets how many threads run the Rust side's I/O.
const WORKER_THREADS_VARIABLE: &str = "AEM_HEADLESS_WORKER_THREADS";

/// Runs the binding's async work on one I/O thread unless `AEM_HEADLESS_WORKER_THREADS` asks
/// for more: the JavaScript thread does the JSON parsing, and on the 2-core machines the
/// benchmarks run on, a second worker only added hand-offs between threads (about 5–10% more
/// CPU per request, and less throughput).
#[napi_derive::module_init]
fn init() {
    let workers = std::env::var(WORKER_THREADS_VARIABLE)
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|workers| (1..=256).contains(workers))
        .unwrap_or(1);
    // Without a runtime of its own, napi-rs builds its default one (a worker per core).
    if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("aem-headless-io")
        .enable_all()
        .build()
    {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
