//! `getToken` and `exchange`: loaded credentials to an access token, or to IMS's answer.

use std::sync::Arc;

use std::future::Future;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use super::client::millis;
use super::credentials::LoadedCredentials;
use super::error::to_js_error;
use super::fetch::FetchTransport;
use super::local;
use super::runtime;
use super::trace::trace_headers;
use super::trust::TrustOptions;
use crate::aem::request::parse_headers;
use crate::auth::ims::{Exchange, ImsLimits};
use crate::auth::token::{epoch_millis, fetch_token, token_url};
use crate::error::Error;
use crate::http::pool::{HttpConfig, client_for};
use crate::http::transport::Transport;

/// How an exchange at IMS went, for tracing.
#[napi(object)]
pub struct TokenExchange {
    /// The HTTP status of IMS's answer.
    pub status: u32,
    /// Attempts made, retries included.
    pub attempts: u32,
    /// The HTTP version of the answer (`1.1`, `2`); unknown through a `fetch`.
    pub http_version: Option<String>,
}

impl From<Exchange> for TokenExchange {
    fn from(exchange: Exchange) -> Self {
        Self {
            status: u32::from(exchange.status),
            attempts: exchange.attempts,
            http_version: exchange.http_version.map(str::to_owned),
        }
    }
}

/// Options of `fetchTokenFor`.
#[napi(object)]
#[derive(Default)]
pub struct FetchTokenOptions {
    /// The TLS trust of the IMS call, from Node's inputs.
    pub trust: Option<TrustOptions>,
    /// A proxy URL for IMS; without it the proxy environment variables apply.
    pub proxy: Option<String>,
    /// The trace context for the request to IMS: header names and values in turn.
    pub trace: Option<Vec<String>>,
    /// Also give IMS's answer as IMS sent it (`raw`), for `exchange()`; a development token,
    /// which IMS never sees, is then refused.
    pub raw: Option<bool>,
    /// Retries of the IMS request after its first attempt. Default 3.
    pub retries: Option<u32>,
    /// The longest the IMS request may take, retries included, in milliseconds. Default 30000.
    pub timeout_ms: Option<f64>,
}

/// A token from `fetchTokenFor`: Adobe's `getToken` fields and how IMS answered.
#[napi(object)]
pub struct FetchedToken {
    /// The access token.
    pub access_token: String,
    /// The token type: `bearer` from IMS, `Bearer` for a development token.
    #[napi(js_name = "type")]
    pub token_type: String,
    /// The lifetime in milliseconds, whatever unit IMS's `expires_in` had (milliseconds from
    /// the JWT exchange, seconds from `/ims/token/v3`); 86400000 for a development token.
    pub expires: f64,
    /// How IMS answered; absent for a development token.
    pub exchange: Option<TokenExchange>,
    /// IMS's answer as IMS sent it (JSON text; it holds the token), when `options.raw`.
    pub raw: Option<String>,
    /// When the token expires, in epoch milliseconds: `created_at + expires_in` of the token
    /// itself where it says so, else the exchange's lifetime from now.
    pub expires_at: f64,
}

/// The IMS URL token requests for `credentials` go to; null for a development token.
#[napi(catch_unwind)]
pub fn token_url_of(credentials: &LoadedCredentials) -> Option<String> {
    token_url(&credentials.inner)
}

/// One token request for loaded credentials, as Adobe's `getToken` makes it: every call a new
/// exchange at IMS (the development token as it is), through the native client. With
/// `options.raw`, also IMS's answer as it came, for `exchange()`.
#[napi(ts_return_type = "Promise<FetchedToken>", catch_unwind)]
pub fn fetch_token_for<'env>(
    env: &'env Env,
    credentials: &LoadedCredentials,
    options: Option<FetchTokenOptions>,
) -> napi::Result<PromiseRaw<'env, FetchedToken>> {
    let work = token_work(credentials, options, None)?;
    runtime::spawn(env, work)
}

/// [`fetch_token_for`] through the app's `fetch` (`transport`), polled on the JavaScript thread
/// where that fetch answers: `done(error, token)`.
#[napi(
    ts_args_type = "credentials: LoadedCredentials, options: FetchTokenOptions | undefined | null, transport: FetchTransport, done: (error: string | null, token: FetchedToken | null) => void",
    catch_unwind
)]
pub fn fetch_token_local(
    env: Env,
    credentials: &LoadedCredentials,
    options: Option<FetchTokenOptions>,
    transport: &FetchTransport,
    done: local::Done<FetchedToken>,
) -> napi::Result<()> {
    let work = token_work(credentials, options, Some(transport))?;
    local::spawn_local(&env, work, done)
}

/// The work of one token request, through `transport` when given.
fn token_work(
    credentials: &LoadedCredentials,
    options: Option<FetchTokenOptions>,
    transport: Option<&FetchTransport>,
) -> napi::Result<impl Future<Output = napi::Result<FetchedToken>> + use<>> {
    let FetchTokenOptions {
        trust,
        proxy,
        trace,
        raw,
        retries,
        timeout_ms,
    } = options.unwrap_or_default();
    let want_raw = raw.unwrap_or(false);
    let defaults = ImsLimits::default();
    let limits = ImsLimits {
        retries: retries.unwrap_or(defaults.retries),
        timeout: millis(timeout_ms).unwrap_or(defaults.timeout),
    };
    let headers = parse_headers(&trace_headers(trace)?).map_err(to_js_error)?;
    let http = transport_for(trust, proxy, transport)?;
    let credentials = Arc::clone(&credentials.inner);
    Ok(async move {
        let token = fetch_token(&http, &credentials, &headers, limits)
            .await
            .map_err(to_js_error)?;
        let raw = match (want_raw, token.raw) {
            (false, _) => None,
            (true, Some(raw)) => Some(raw.expose().to_owned()),
            (true, None) => {
                return Err(to_js_error(Error::InvalidParam(
                    "a local development token is not exchanged at IMS".to_owned(),
                )));
            }
        };
        Ok(FetchedToken {
            access_token: token.access_token.expose().to_owned(),
            token_type: token.token_type,
            expires: token.expires as f64,
            exchange: token.exchange.map(TokenExchange::from),
            raw,
            expires_at: epoch_millis(token.expires_at),
        })
    })
}

/// `fetch`'s transport when given, else the process-wide native client for this trust and
/// proxy.
fn transport_for(
    trust: Option<TrustOptions>,
    proxy: Option<String>,
    fetch: Option<&FetchTransport>,
) -> napi::Result<Transport> {
    match fetch {
        Some(fetch) => Ok(fetch.transport()),
        None => client_for(&HttpConfig {
            trust: trust.into(),
            proxy,
        })
        .map(Transport::Native)
        .map_err(to_js_error),
    }
}
