//! `NativeTokenProvider`: the core `TokenProvider` behind the JavaScript `TokenProvider`.

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use super::client::millis;
use super::credentials::LoadedCredentials;
use super::error::to_js_error;
use super::fetch::FetchTransport;
use super::runtime;
use super::token::{TokenExchange, transport_for};
use super::trace::trace_headers;
use super::trust::TrustOptions;
use crate::client::parse_headers;
use crate::provider::{CachedToken, RefreshPolicy, TokenProvider};
use crate::token::{epoch_millis, token_url};

/// Options of a token provider.
#[napi(object)]
pub struct TokenProviderOptions {
    /// The TLS trust of the IMS calls, from Node's inputs.
    pub trust: Option<TrustOptions>,
    /// A proxy URL for IMS; without it the proxy environment variables apply.
    pub proxy: Option<String>,
    /// Refresh once this share of the lifetime is left. Default 0.1.
    pub refresh_ratio: Option<f64>,
    /// Refresh once this many milliseconds are left, if that comes first. Default 300000.
    pub refresh_margin_ms: Option<f64>,
}

/// A token as the provider hands it out.
#[napi(object)]
pub struct ProvidedToken {
    /// The token for `Authorization: Bearer`.
    pub access_token: String,
    /// `bearer` from IMS, `Bearer` for a development token.
    pub token_type: String,
    /// When it expires, in epoch milliseconds.
    pub expires_at: f64,
    /// When the provider will fetch a new one, in epoch milliseconds.
    pub refresh_at: f64,
    /// How IMS answered, when this call exchanged the credentials there.
    pub exchange: Option<TokenExchange>,
}

/// A cached, self-refreshing, single-flight access token for one set of credentials.
#[napi]
pub struct NativeTokenProvider {
    inner: TokenProvider,
}

#[napi]
impl NativeTokenProvider {
    /// A provider for loaded credentials; IMS is called through `transport` when given.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        credentials: &LoadedCredentials,
        options: Option<TokenProviderOptions>,
        transport: Option<&FetchTransport>,
    ) -> napi::Result<Self> {
        let TokenProviderOptions {
            trust,
            proxy,
            refresh_ratio,
            refresh_margin_ms,
        } = options.unwrap_or(TokenProviderOptions {
            trust: None,
            proxy: None,
            refresh_ratio: None,
            refresh_margin_ms: None,
        });
        let http = transport_for(trust, proxy, transport)?;
        let defaults = RefreshPolicy::default();
        let policy = RefreshPolicy {
            ratio: refresh_ratio.unwrap_or(defaults.ratio),
            min_margin: millis(refresh_margin_ms).unwrap_or(defaults.min_margin),
        };
        Ok(Self {
            inner: TokenProvider::new(credentials.inner.clone(), http, policy),
        })
    }

    /// A valid token, from the cache or from IMS. When this call starts a refresh, `trace`
    /// (the trace context, names and values in turn) goes with the request to IMS as headers,
    /// the call waits for it, and `exchange` says how IMS answered.
    #[napi(ts_return_type = "Promise<ProvidedToken>")]
    pub fn get_access_token<'env>(
        &self,
        env: &'env Env,
        trace: Option<Vec<String>>,
    ) -> napi::Result<PromiseRaw<'env, ProvidedToken>> {
        let headers = parse_headers(&trace_headers(trace)?).map_err(to_js_error)?;
        let provider = self.inner.clone();
        runtime::spawn(env, async move {
            let (token, exchange): (CachedToken, _) = provider
                .access_token_traced(headers)
                .await
                .map_err(to_js_error)?;
            Ok(ProvidedToken {
                access_token: token.access_token.expose().to_owned(),
                token_type: token.token_type,
                expires_at: epoch_millis(token.expires_at),
                refresh_at: epoch_millis(token.refresh_at),
                exchange: exchange.map(TokenExchange::from),
            })
        })
    }

    /// Whether the next `getAccessToken` would start a refresh (from IMS, or of a development
    /// token): none under way, none paused after a failure, and the token due for one.
    #[napi]
    pub fn needs_refresh(&self) -> bool {
        self.inner.needs_refresh()
    }

    /// The IMS URL token requests go to; null for a development token.
    #[napi(getter)]
    pub fn token_url(&self) -> Option<String> {
        token_url(self.inner.credentials())
    }

    /// Forgets the cached token (only if it is `token`, when given).
    #[napi]
    pub fn invalidate(&self, token: Option<String>) {
        self.inner.invalidate(token.as_deref());
    }
}
