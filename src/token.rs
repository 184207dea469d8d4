//! `getToken`: an access token from credentials, as Adobe's Node client returns it.

use reqwest::Client;

use crate::credentials::Credentials;
use crate::error::Result;
use crate::ims;
use crate::secret::Secret;

/// How long a local development token is valid, in milliseconds (what Adobe's client reports).
pub const DEV_TOKEN_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;

/// An access token with Adobe's `getToken` fields.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The token for `Authorization: Bearer`.
    pub access_token: Secret,
    /// `bearer` from IMS, or `Bearer` for a development token.
    pub token_type: String,
    /// IMS's `expires_in` unchanged (milliseconds), or 86,400,000 for a development token.
    pub expires: u64,
}

/// Returns the development token as is, or exchanges service credentials at IMS.
pub async fn get_token(http: &Client, credentials: &Credentials) -> Result<AccessToken> {
    match credentials {
        Credentials::DevToken(dev) => Ok(AccessToken {
            access_token: dev.access_token.clone(),
            token_type: "Bearer".to_owned(),
            expires: DEV_TOKEN_LIFETIME_MS,
        }),
        Credentials::Service(service) => {
            let token = ims::exchange_jwt(http, service).await?;
            Ok(AccessToken {
                access_token: token.access_token,
                token_type: token.token_type,
                expires: token.expires_in,
            })
        }
    }
}
