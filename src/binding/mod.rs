//! The Node-API binding: every `#[napi]` item lives here, and it only converts between
//! JavaScript values and the core. The hand-written `index.js` is the public face over it.

mod client;
mod credentials;
mod error;
mod provider;
mod token;

pub use client::{CallOptions, CancelToken, NativeClient, NativeClientConfig, RetryOptions};
pub use credentials::{
    LoadCredentialsOptions, LoadedCredentials, load_credentials_from_file,
    load_credentials_from_json, load_credentials_from_json_sync, sign_service_jwt,
};
pub use provider::{NativeTokenProvider, ProvidedToken, TokenProviderOptions};
pub use token::{
    NativeToken, TokenOptions, exchange_raw, get_token_from_file, get_token_from_json,
};
