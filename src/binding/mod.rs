//! The Node-API binding: every `#[napi]` item lives here, and it only converts between
//! JavaScript values and the core. The hand-written `index.js` is the public face over it.

mod bench;
mod cache_store;
mod client;
mod credentials;
mod error;
mod fetch;
mod local;
mod runtime;
mod text;
mod token;
mod trace;
mod trust;

pub use bench::measure_tagging;
pub use cache_store::{CacheStore, StoreCall, settle_store};
pub use client::{
    CallOptions, CancelToken, InvalidateSelector, NativeClient, NativeClientConfig, RetryOptions,
    StreamedAnswer, StreamedRequest, check_answer, http_versions, redact_secrets, redact_url,
    retry_after_ms,
};
pub use credentials::{
    LoadCredentialsOptions, LoadedCredentials, credentials_parsed_before,
    load_credentials_from_json, load_credentials_from_json_sync, sign_service_jwt,
};
pub use error::last_panic_location;
pub use fetch::{
    FetchCall, FetchTransport, HeldRead, TimerCall, fail_fetch, settle_fetch, settle_fetch_unread,
    settle_timer,
};
pub use token::{
    FetchTokenOptions, FetchedToken, TokenExchange, fetch_token_for, fetch_token_local,
    token_url_of,
};
pub use trust::{TrustOptions, register_roots};

/// Panics of this addon print nothing and are reported as `INTERNAL_ERROR` ([`error::quiet_panics`]).
/// napi-rs's own runtime settles nothing of ours (every promise is settled from
/// [`runtime::spawn`]); until the last environment exits it is this one-thread runtime instead
/// of napi-rs's default of a worker per core.
#[napi_derive::module_init]
fn init() {
    error::quiet_panics();
    if let Ok(idle) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("napi-rs-runtime")
        .enable_all()
        .build()
    {
        napi::bindgen_prelude::create_custom_tokio_runtime(idle);
    }
}
