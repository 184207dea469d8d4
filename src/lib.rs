//! aem-headless-rs: a server-to-server client for AEM as a Cloud Service.
//!
//! The core (everything but [`binding`]) knows nothing of Node.js: it reads credentials, signs
//! RS256 JWTs, exchanges them at Adobe IMS for access tokens, and calls AEM's GraphQL APIs.
//! `binding` (the default `napi` feature) is the thin Node-API layer over it.

pub mod aem;
#[cfg(feature = "napi")]
pub mod binding;
pub mod cache_policy;
pub mod client;
pub mod coalesce;
pub mod credentials;
pub mod error;
pub mod http;
pub mod ims;
pub mod jwt;
pub mod raw_answer;
pub mod response;
pub mod response_cache;
pub mod retry;
pub mod secret;
pub mod shared_cache;
pub mod tls;
pub mod token;
pub mod transport;

#[cfg(test)]
mod test_keys;

pub use client::{AemClient, AemRequest, Auth, ClientConfig, Response};
pub use credentials::{Credentials, DevToken, LoadOptions, OAuthCredentials, ServiceCredentials};
pub use error::{Error, ErrorCode, ErrorDetails, Result};
pub use response_cache::CacheConfig;
pub use secret::Secret;
pub use token::{AccessToken, fetch_token};
