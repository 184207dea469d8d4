//! Access tokens from credentials: one fetch, with the expiry normalized whatever the source.

use std::time::{Duration, SystemTime};

use reqwest::Client;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::ims;
use crate::secret::Secret;

/// How long a local development token is valid, in milliseconds (what Adobe's client reports).
pub const DEV_TOKEN_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;

/// An access token with Adobe's `getToken` fields and an absolute expiry.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The token for `Authorization: Bearer`.
    pub access_token: Secret,
    /// `bearer` from IMS, or `Bearer` for a development token.
    pub token_type: String,
    /// Adobe's `expires`: IMS's `expires_in` in milliseconds (the JWT exchange's unchanged,
    /// `/ims/token/v3`'s converted from seconds), or 86,400,000 for a development token.
    pub expires: u64,
    /// When the token expires.
    pub expires_at: SystemTime,
    /// The IMS response body, as IMS sent it (none for a development token).
    pub raw: Option<Secret>,
}

/// Gets an access token: the development token as it is, or an exchange at IMS (the JWT
/// exchange for service credentials, `client_credentials` for OAuth Server-to-Server). Every
/// call is a new exchange, as Adobe's `getToken`; `TokenProvider` caches.
pub async fn fetch_token(http: &Client, credentials: &Credentials) -> Result<AccessToken> {
    let issued = SystemTime::now();
    let token = match credentials {
        Credentials::DevToken(dev) => {
            if dev.expires_at <= issued {
                return Err(Error::DevTokenExpired);
            }
            return Ok(AccessToken {
                access_token: dev.access_token.clone(),
                token_type: "Bearer".to_owned(),
                expires: DEV_TOKEN_LIFETIME_MS,
                expires_at: dev.expires_at,
                raw: None,
            });
        }
        Credentials::Service(service) => ims::exchange_jwt(http, service).await?,
        Credentials::OAuth(oauth) => ims::exchange_client_credentials(http, oauth).await?,
    };
    let expires_at = issued
        .checked_add(token.lifetime)
        .ok_or_else(|| Error::ImsMalformed {
            status: 200,
            reason: "expires_in is too large".to_owned(),
        })?;
    Ok(AccessToken {
        access_token: token.access_token,
        token_type: token.token_type,
        expires: u64::try_from(token.lifetime.as_millis()).unwrap_or(u64::MAX),
        expires_at,
        raw: Some(token.raw),
    })
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
        * 1000.0
}
