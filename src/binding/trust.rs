//! TLS trust as `lib/tls.js` reads it from Node's inputs, into the core's [`Trust`].

use napi_derive::napi;

use crate::http::tls::{self, Roots, Trust};

/// A client's TLS trust, taken when it is built.
#[napi(object)]
pub struct TrustOptions {
    /// False under `NODE_TLS_REJECT_UNAUTHORIZED=0`.
    pub verify: bool,
    /// Node's default roots, as `registerRoots` numbered them.
    pub roots_id: Option<u32>,
    /// A `ca` option (PEM), which replaces the default roots.
    pub ca: Option<String>,
}

impl From<Option<TrustOptions>> for Trust {
    fn from(options: Option<TrustOptions>) -> Self {
        let Some(options) = options else {
            return Self::default();
        };
        let roots = match (options.ca, options.roots_id) {
            (Some(ca), _) => Roots::Pem(ca),
            (None, Some(id)) => Roots::Registered(id),
            (None, None) => Roots::None,
        };
        Self {
            roots,
            verify: options.verify,
        }
    }
}

/// Registers a set of trust anchors (Node's default set, as PEM) once, and returns the number
/// clients name it by; the same set gets the same number. It is parsed at the first request that
/// trusts it; if it does not parse, `fallback` (Node's bundled roots alone) is used.
#[napi]
pub fn register_roots(pem: String, fallback: Option<String>) -> u32 {
    tls::register_roots(pem, fallback)
}
