//! AEM itself: its URLs (persisted queries and their variables), what its answers mean, and the
//! client that puts auth, the cache and HTTP together.

pub mod cache_key;
pub mod cached;
pub mod client;
pub mod paths;
pub mod raw_answer;
pub mod request;
pub mod response;
