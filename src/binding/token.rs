//! `getToken`: credentials to an access token.

use napi_derive::napi;

use super::error::to_js_error;
use crate::credentials::Credentials;
use crate::http::{HttpConfig, build_client, shared_client};
use crate::token::get_token;

/// Options of `getToken` beyond Adobe's.
#[napi(object)]
pub struct TokenOptions {
    /// Overrides the credentials' `imsEndpoint` (`host[:port]` or an `https://` URL).
    pub ims_endpoint: Option<String>,
    /// Extra trusted CA certificates (PEM) for the IMS call.
    pub ca: Option<String>,
}

/// Adobe's `getToken` result.
#[napi(object)]
pub struct NativeToken {
    /// The access token.
    pub access_token: String,
    /// The token type: `bearer` from IMS, `Bearer` for a development token.
    #[napi(js_name = "type")]
    pub token_type: String,
    /// IMS's `expires_in` (milliseconds), or 86400000 for a development token.
    pub expires: f64,
}

/// Reads a credentials file and returns an access token.
#[napi]
pub async fn get_token_from_file(
    path: String,
    options: Option<TokenOptions>,
) -> napi::Result<NativeToken> {
    let credentials = Credentials::from_file(&path).await.map_err(to_js_error)?;
    token_for(credentials, options).await
}

/// Parses credentials from JSON text and returns an access token.
#[napi]
pub async fn get_token_from_json(
    json: String,
    options: Option<TokenOptions>,
) -> napi::Result<NativeToken> {
    let credentials = Credentials::from_json_str(&json).map_err(to_js_error)?;
    token_for(credentials, options).await
}

async fn token_for(
    mut credentials: Credentials,
    options: Option<TokenOptions>,
) -> napi::Result<NativeToken> {
    let TokenOptions { ims_endpoint, ca } = options.unwrap_or(TokenOptions {
        ims_endpoint: None,
        ca: None,
    });
    if let (Credentials::Service(service), Some(endpoint)) = (&mut credentials, ims_endpoint) {
        service.ims_endpoint = endpoint;
    }
    let http = match ca {
        Some(ca) => build_client(&HttpConfig {
            ca: Some(ca),
            ..HttpConfig::default()
        }),
        None => shared_client(),
    }
    .map_err(to_js_error)?;
    let token = get_token(&http, &credentials).await.map_err(to_js_error)?;
    Ok(NativeToken {
        access_token: token.access_token.expose().to_owned(),
        token_type: token.token_type,
        expires: token.expires as f64,
    })
}
