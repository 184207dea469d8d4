//! aem-headless-rs: a server-to-server client for AEM as a Cloud Service.
//!
//! The core (everything but [`binding`]) knows nothing of Node.js: it reads credentials, signs
//! RS256 JWTs, exchanges them at Adobe IMS for access tokens, and calls AEM's APIs. `binding`
//! (the default `napi` feature) is the thin Node-API layer over it.
//!
//! The layers, each importing only from those below it:
//! - leaves: `secret`, `http::tls`, `http::url`, `http::headers`, `http::failure`;
//! - `error`, the one error type;
//! - `http`, the transports and the rules of every request;
//! - `auth` (credentials and tokens) and `cache` (answers kept by HTTP's rules);
//! - `aem`, AEM's URLs and answers, and the client over all of them;
//! - `binding`, Node-API.

pub mod aem;
pub mod auth;
#[cfg(feature = "napi")]
pub mod binding;
pub mod cache;
pub mod error;
pub mod http;
pub mod secret;

#[cfg(test)]
mod test_keys;

pub use aem::client::{AemClient, ClientConfig, Response};
pub use aem::request::{AemRequest, Auth, ManagedToken};
pub use auth::credentials::{
    Credentials, DevToken, LoadOptions, OAuthCredentials, ServiceCredentials,
};
pub use auth::token::{AccessToken, fetch_token};
pub use cache::local::CacheConfig;
pub use error::{Error, ErrorCode, ErrorDetails, Result};
pub use secret::Secret;
