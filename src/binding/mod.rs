//! The Node-API binding: every `#[napi]` item lives here, and it only converts between
//! JavaScript values and the core. The hand-written `index.js` is the public face over it.

mod client;
mod error;
mod token;

pub use client::{CancelToken, NativeClient, NativeClientConfig};
pub use token::{NativeToken, TokenOptions, get_token_from_file, get_token_from_json};
