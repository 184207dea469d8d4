//! `LoadedCredentials`: credentials parsed once, private key included, for `TokenProvider`,
//! `signServiceJwt` and `exchange`.

use std::sync::Arc;
use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use super::error::to_js_error;
use super::runtime;
use crate::auth::credentials::{Credentials, LoadOptions};
use crate::auth::jwt::DEFAULT_JWT_LIFETIME;
use crate::auth::{ims, parsed};
use crate::error::Error;
use crate::secret::Secret;

/// How credentials are loaded.
#[napi(object)]
pub struct LoadCredentialsOptions {
    /// The passphrase of an encrypted PKCS#8 private key.
    pub passphrase: Option<String>,
    /// Replaces the credentials' `imsEndpoint` (`host[:port]` or an `https://` URL).
    pub ims_endpoint: Option<String>,
    /// Allows a plain `http://` IMS endpoint (a local test server). Default false.
    pub allow_insecure_http: Option<bool>,
}

impl From<Option<LoadCredentialsOptions>> for LoadOptions {
    fn from(options: Option<LoadCredentialsOptions>) -> Self {
        let options = options.unwrap_or(LoadCredentialsOptions {
            passphrase: None,
            ims_endpoint: None,
            allow_insecure_http: None,
        });
        LoadOptions {
            passphrase: options.passphrase.map(Secret::new),
            ims_endpoint: options.ims_endpoint,
            allow_insecure_http: options.allow_insecure_http.unwrap_or(false),
        }
    }
}

/// Parsed credentials. Opaque: nothing secret can be read back from it.
#[napi]
pub struct LoadedCredentials {
    pub(crate) inner: Arc<Credentials>,
}

#[napi]
impl LoadedCredentials {
    /// `service` (JWT service credentials), `oauth` (OAuth Server-to-Server) or `dev` (a local
    /// development token).
    #[napi(getter, catch_unwind)]
    pub fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    /// Whose token these credentials get, without any secret (IMS host, client id, account,
    /// scopes): the default key of a shared token store.
    #[napi(getter, catch_unwind)]
    pub fn identity(&self) -> String {
        self.inner.identity()
    }

    /// The client id of service and OAuth credentials, sent as `X-Api-Key` to AEM's
    /// OpenAPI-based APIs; `null` for a development token.
    #[napi(getter, catch_unwind)]
    pub fn client_id(&self) -> Option<String> {
        self.inner.client_id().map(str::to_owned)
    }

    /// The IMS organization of service credentials (`integration.org`); `null` for OAuth
    /// credentials and development tokens.
    #[napi(getter, catch_unwind)]
    pub fn org_id(&self) -> Option<String> {
        self.inner.org_id().map(str::to_owned)
    }
}

/// Parses credentials from JSON text (off the JavaScript thread).
#[napi(ts_return_type = "Promise<LoadedCredentials>", catch_unwind)]
pub fn load_credentials_from_json<'env>(
    env: &'env Env,
    json: String,
    options: Option<LoadCredentialsOptions>,
) -> napi::Result<PromiseRaw<'env, LoadedCredentials>> {
    runtime::spawn(env, async move {
        load_credentials_from_json_sync(json, options)
    })
}

/// Parses credentials from JSON text on the calling thread (for `signServiceJwt`).
#[napi(catch_unwind)]
pub fn load_credentials_from_json_sync(
    json: String,
    options: Option<LoadCredentialsOptions>,
) -> napi::Result<LoadedCredentials> {
    let inner = parsed::parse(&json, &options.into()).map_err(to_js_error)?;
    Ok(LoadedCredentials { inner })
}

/// The credentials `loadCredentialsFromJson` gave for the same text and options before, if it
/// still keeps them (service credentials: their key is parsed once), without leaving the
/// JavaScript thread; `null` otherwise.
#[napi(catch_unwind)]
pub fn credentials_parsed_before(
    json: String,
    options: Option<LoadCredentialsOptions>,
) -> Option<LoadedCredentials> {
    parsed::parsed_before(&json, &options.into()).map(|inner| LoadedCredentials { inner })
}

/// Signs a service JWT valid for `expires_in_seconds` (default 300: it is used once).
#[napi(catch_unwind)]
pub fn sign_service_jwt(
    credentials: &LoadedCredentials,
    expires_in_seconds: Option<u32>,
) -> napi::Result<String> {
    let Credentials::Service(service) = credentials.inner.as_ref() else {
        return Err(to_js_error(Error::InvalidParam(format!(
            "signServiceJwt needs service credentials with a private key, not {} credentials",
            credentials.inner.kind()
        ))));
    };
    let lifetime = expires_in_seconds.map_or(DEFAULT_JWT_LIFETIME, |s| {
        Duration::from_secs(u64::from(s.max(1)))
    });
    Ok(ims::sign_service_jwt(service, lifetime).expose().to_owned())
}
