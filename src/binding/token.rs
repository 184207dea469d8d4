//! `getToken`: credentials to an access token.

use napi_derive::napi;

use super::credentials::LoadedCredentials;
use super::error::to_js_error;
use crate::credentials::{Credentials, LoadOptions};
use crate::error::Error;
use crate::http::{self, HttpConfig};
use crate::secret::Secret;
use crate::token::fetch_token;

/// Options of `getToken` beyond Adobe's.
#[napi(object)]
pub struct TokenOptions {
    /// Overrides the credentials' `imsEndpoint` (`host[:port]` or an `https://` URL).
    pub ims_endpoint: Option<String>,
    /// Extra trusted CA certificates (PEM) for the IMS call.
    pub ca: Option<String>,
    /// The passphrase of an encrypted PKCS#8 private key.
    pub passphrase: Option<String>,
    /// Allows a plain `http://` IMS endpoint (a local test server). Default false.
    pub allow_insecure_http: Option<bool>,
    /// A proxy URL for IMS; without it the proxy environment variables apply.
    pub proxy: Option<String>,
}

/// Adobe's `getToken` result.
#[napi(object)]
pub struct NativeToken {
    /// The access token.
    pub access_token: String,
    /// The token type: `bearer` from IMS, `Bearer` for a development token.
    #[napi(js_name = "type")]
    pub token_type: String,
    /// IMS's `expires_in` in milliseconds, or 86400000 for a development token.
    pub expires: f64,
}

/// The raw IMS response of an exchange, for `exchange()`.
#[napi]
pub async fn exchange_raw(
    credentials: &LoadedCredentials,
    ca: Option<String>,
    proxy: Option<String>,
) -> napi::Result<String> {
    let http = client_for(ca, proxy)?;
    let token = fetch_token(&http, &credentials.inner)
        .await
        .map_err(to_js_error)?;
    token.raw.map(|raw| raw.expose().to_owned()).ok_or_else(|| {
        to_js_error(Error::InvalidParam(
            "a local development token is not exchanged at IMS".to_owned(),
        ))
    })
}

/// Reads a credentials file and returns an access token.
#[napi]
pub async fn get_token_from_file(
    path: String,
    options: Option<TokenOptions>,
) -> napi::Result<NativeToken> {
    let (load, ca) = split(options);
    let credentials = Credentials::from_file(&path, &load)
        .await
        .map_err(to_js_error)?;
    token_for(&credentials, ca).await
}

/// Parses credentials from JSON text and returns an access token.
#[napi]
pub async fn get_token_from_json(
    json: String,
    options: Option<TokenOptions>,
) -> napi::Result<NativeToken> {
    let (load, ca) = split(options);
    let credentials = Credentials::from_json_str(&json, &load).map_err(to_js_error)?;
    token_for(&credentials, ca).await
}

type Connection = (Option<String>, Option<String>);

fn split(options: Option<TokenOptions>) -> (LoadOptions, Connection) {
    match options {
        None => (LoadOptions::default(), (None, None)),
        Some(TokenOptions {
            ims_endpoint,
            ca,
            passphrase,
            allow_insecure_http,
            proxy,
        }) => (
            LoadOptions {
                passphrase: passphrase.map(Secret::new),
                ims_endpoint,
                allow_insecure_http: allow_insecure_http.unwrap_or(false),
            },
            (ca, proxy),
        ),
    }
}

/// The process-wide client for these TLS and proxy settings.
pub(crate) fn client_for(
    ca: Option<String>,
    proxy: Option<String>,
) -> napi::Result<reqwest::Client> {
    http::client_for(&HttpConfig {
        ca,
        proxy,
        ..HttpConfig::default()
    })
    .map_err(to_js_error)
}

async fn token_for(
    credentials: &Credentials,
    (ca, proxy): Connection,
) -> napi::Result<NativeToken> {
    let http = client_for(ca, proxy)?;
    let token = fetch_token(&http, credentials).await.map_err(to_js_error)?;
    Ok(NativeToken {
        access_token: token.access_token.expose().to_owned(),
        token_type: token.token_type,
        expires: token.expires as f64,
    })
}
