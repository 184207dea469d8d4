//! Access tokens from credentials: one fetch, with the expiry normalized whatever the source.

use std::time::{Duration, SystemTime};

use crate::http::transport::Transport;
use reqwest::header::HeaderMap;

use crate::auth::credentials::Credentials;
use crate::auth::ims::{self, Exchange, ImsLimits};
use crate::error::{Error, Result};
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
    /// How the exchange at IMS went (none for a development token).
    pub exchange: Option<Exchange>,
}

/// Gets an access token: the development token as it is, or an exchange at IMS (the JWT
/// exchange for service credentials, `client_credentials` for OAuth Server-to-Server). Every
/// call is a new exchange, as Adobe's `getToken`; `TokenProvider` caches. `headers` go with
/// the request to IMS (the trace context); `limits` bound its retries and time.
pub async fn fetch_token(
    http: &Transport,
    credentials: &Credentials,
    headers: &HeaderMap,
    limits: ImsLimits,
) -> Result<AccessToken> {
    let issued = SystemTime::now();
    let token = match credentials {
        Credentials::DevToken(dev) => {
            if dev.expires_at <= issued {
                return Err(Error::DevTokenExpired {
                    expired_at: dev.expires_at,
                });
            }
            return Ok(AccessToken {
                access_token: dev.access_token.clone(),
                token_type: "Bearer".to_owned(),
                expires: DEV_TOKEN_LIFETIME_MS,
                expires_at: dev.expires_at,
                raw: None,
                exchange: None,
            });
        }
        Credentials::Service(service) => ims::exchange_jwt(http, service, headers, limits).await?,
        Credentials::OAuth(oauth) => {
            ims::exchange_client_credentials(http, oauth, headers, limits).await?
        }
    };
    let expires_at = issued
        .checked_add(token.lifetime)
        .ok_or_else(|| Error::ImsMalformed {
            status: 200,
            reason: "expires_in is too large".to_owned(),
            text: None,
        })?;
    Ok(AccessToken {
        access_token: token.access_token,
        token_type: token.token_type,
        expires: u64::try_from(token.lifetime.as_millis()).unwrap_or(u64::MAX),
        expires_at,
        raw: Some(token.raw),
        exchange: Some(token.exchange),
    })
}

/// The IMS URL that [`fetch_token`] posts to for `credentials`; `None` for a development token
/// (or an endpoint that is not valid, which the fetch reports).
pub fn token_url(credentials: &Credentials) -> Option<String> {
    let (endpoint, insecure, path) = match credentials {
        Credentials::DevToken(_) => return None,
        Credentials::Service(service) => (
            &service.ims_endpoint,
            service.allow_insecure_http,
            ims::JWT_EXCHANGE_PATH,
        ),
        Credentials::OAuth(oauth) => (
            &oauth.ims_endpoint,
            oauth.allow_insecure_http,
            ims::CLIENT_CREDENTIALS_PATH,
        ),
    };
    ims::ims_base_url(endpoint, insecure)
        .ok()
        .map(|base| format!("{base}{path}"))
}

/// Whole milliseconds since the Unix epoch (rounded down, as `Date.now()` counts them).
pub fn epoch_millis(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_millis_are_whole() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_796_256_648_530_052);
        assert_eq!(epoch_millis(at), 1_796_256_648_530.0);
    }
}
