//! Service credentials and local development tokens, as the AEM Developer Console gives them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::auth::jwt::JwtSigner;
use crate::error::{Error, Result};
use crate::http::url::holds_userinfo;
use crate::secret::Secret;

/// What a credentials file holds.
#[derive(Debug)]
pub enum Credentials {
    /// Service credentials (JWT): signed and exchanged for an access token at IMS.
    Service(ServiceCredentials),
    /// OAuth Server-to-Server credentials: exchanged at IMS with `client_credentials`.
    OAuth(OAuthCredentials),
    /// A local development token: used as the access token directly.
    DevToken(DevToken),
}

/// How credentials are loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The passphrase of an encrypted PKCS#8 private key.
    pub passphrase: Option<Secret>,
    /// Replaces the credentials' `imsEndpoint` (`host[:port]` or an `https://` URL), for the
    /// token request and the JWT audience alike.
    pub ims_endpoint: Option<String>,
    /// Allows a plain `http://` IMS endpoint (a local test server). Off by default.
    pub allow_insecure_http: bool,
}

/// Service credentials (`integration`), validated, with the private key parsed and ready.
#[derive(Debug)]
pub struct ServiceCredentials {
    /// IMS host, without scheme, e.g. `ims-na1.adobelogin.com` (may carry a `:port`).
    pub ims_endpoint: String,
    /// `integration.org`, the IMS organization.
    pub org: String,
    /// `integration.id`, the technical account.
    pub technical_account_id: String,
    /// `technicalAccount.clientId`.
    pub client_id: String,
    /// `technicalAccount.clientSecret`.
    pub client_secret: Secret,
    /// The metascopes, trimmed, at least one.
    pub metascopes: Vec<String>,
    /// The private key, parsed once.
    pub signer: JwtSigner,
    /// Whether a plain `http://` IMS endpoint is allowed.
    pub allow_insecure_http: bool,
}

/// OAuth Server-to-Server credentials, as the Developer Console shows them.
#[derive(Debug)]
pub struct OAuthCredentials {
    /// IMS host, without scheme; `ims-na1.adobelogin.com` unless given.
    pub ims_endpoint: String,
    /// `clientId` (or `client_id`).
    pub client_id: String,
    /// `clientSecret` (or `client_secret`, or the first of `client_secrets`).
    pub client_secret: Secret,
    /// `scopes` (an array or a comma-separated string), trimmed, at least one.
    pub scopes: Vec<String>,
    /// Whether a plain `http://` IMS endpoint is allowed.
    pub allow_insecure_http: bool,
}

/// A local development token.
#[derive(Debug)]
pub struct DevToken {
    /// The access token.
    pub access_token: Secret,
    /// When it expires, as the token itself says (see [`token_expiry`]), else 24 h after loading.
    pub expires_at: SystemTime,
}

/// The IMS host OAuth Server-to-Server credentials use when they name none.
pub const DEFAULT_IMS_ENDPOINT: &str = "ims-na1.adobelogin.com";

/// How long a development token lasts when it does not say.
pub const DEV_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

impl Credentials {
    /// Parses credentials from JSON text.
    pub fn from_json_str(text: &str, options: &LoadOptions) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(Error::CredentialsFileParse)?;
        Self::from_value(&value, options)
    }

    /// Parses credentials from a JSON value: service credentials with or without the
    /// `{ok, integration, statusCode}` wrapper, OAuth Server-to-Server credentials
    /// (`{clientId, clientSecret, scopes}` or the Developer Console's `client_id`,
    /// `client_secrets`, `scopes`), or a development token `{accessToken}`. Every missing or
    /// mistyped field is named in one error.
    pub fn from_value(value: &Value, options: &LoadOptions) -> Result<Self> {
        let Some(root) = value.as_object() else {
            return Err(Error::InvalidCredentials {
                problems: vec![format!(
                    "credentials must be a JSON object, not {}",
                    type_name(value)
                )],
            });
        };
        let mut credentials = if is_truthy(root.get("accessToken")) {
            Credentials::DevToken(dev_token(root)?)
        } else if is_oauth(root) {
            Credentials::OAuth(oauth_credentials(root)?)
        } else {
            Credentials::Service(service_credentials(root, options)?)
        };
        match &mut credentials {
            Credentials::Service(s) => {
                s.allow_insecure_http = options.allow_insecure_http;
                if let Some(endpoint) = &options.ims_endpoint {
                    s.ims_endpoint.clone_from(endpoint);
                }
            }
            Credentials::OAuth(o) => {
                o.allow_insecure_http = options.allow_insecure_http;
                if let Some(endpoint) = &options.ims_endpoint {
                    o.ims_endpoint.clone_from(endpoint);
                }
            }
            Credentials::DevToken(_) => {}
        }
        // Refused here, before the endpoint reaches `identity()` and so a shared store's keys.
        if let Credentials::Service(ServiceCredentials { ims_endpoint, .. })
        | Credentials::OAuth(OAuthCredentials { ims_endpoint, .. }) = &credentials
            && holds_userinfo(ims_endpoint)
        {
            let field = if options.ims_endpoint.is_some() {
                "the imsEndpoint option"
            } else if matches!(credentials, Credentials::Service(_)) {
                "integration.imsEndpoint"
            } else {
                "imsEndpoint"
            };
            return Err(Error::InvalidCredentials {
                problems: vec![format!("{field} must not hold a user name or password")],
            });
        }
        Ok(credentials)
    }

    /// `service`, `oauth` or `dev`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Service(_) => "service",
            Self::OAuth(_) => "oauth",
            Self::DevToken(_) => "dev",
        }
    }

    /// The client id of service and OAuth credentials (no secret: AEM's OpenAPI-based APIs take
    /// it as `X-Api-Key`); `None` for a development token.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Self::Service(s) => Some(&s.client_id),
            Self::OAuth(o) => Some(&o.client_id),
            Self::DevToken(_) => None,
        }
    }

    /// The IMS organization of service credentials (`integration.org`, sent as `x-ims-org-id` to
    /// Adobe I/O Events); `None` for OAuth credentials and development tokens, which hold none.
    pub fn org_id(&self) -> Option<&str> {
        match self {
            Self::Service(s) => Some(&s.org),
            Self::OAuth(_) | Self::DevToken(_) => None,
        }
    }

    /// A name for whose token this is, with no secret in it, e.g. to key a shared token store:
    /// `jwt|{ims}|{clientId}|{technical account}|{metascopes}`, `oauth|{ims}|{clientId}|{scopes}`,
    /// or `dev|{SHA-256 prefix of the token}`.
    pub fn identity(&self) -> String {
        match self {
            Self::Service(s) => format!(
                "jwt|{}|{}|{}|{}",
                s.ims_endpoint,
                s.client_id,
                s.technical_account_id,
                s.metascopes.join(",")
            ),
            Self::OAuth(o) => format!(
                "oauth|{}|{}|{}",
                o.ims_endpoint,
                o.client_id,
                o.scopes.join(",")
            ),
            Self::DevToken(d) => {
                let digest = aws_lc_rs::digest::digest(
                    &aws_lc_rs::digest::SHA256,
                    d.access_token.expose().as_bytes(),
                );
                let hex: String = digest.as_ref()[..12]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("dev|{hex}")
            }
        }
    }
}

/// A development token, refused when it has already expired.
fn dev_token(root: &Map<String, Value>) -> Result<DevToken> {
    match root.get("accessToken") {
        Some(Value::String(token)) => {
            let now = SystemTime::now();
            let expires_at = token_expiry(token).unwrap_or(now + DEV_TOKEN_LIFETIME);
            if expires_at <= now {
                return Err(Error::DevTokenExpired {
                    expired_at: expires_at,
                });
            }
            Ok(DevToken {
                expires_at,
                access_token: Secret::new(token.clone()),
            })
        }
        other => Err(Error::InvalidCredentials {
            problems: vec![format!(
                "accessToken must be a string, not {}",
                other.map_or("nothing", type_name)
            )],
        }),
    }
}

/// When an IMS access token expires, read from its claims without verifying the signature (a
/// client has no key for it): `created_at + expires_in`, both milliseconds (IMS writes them as
/// strings), as Adobe's `aio-lib-ims` computes it; else the `exp` claim (seconds); else `None`,
/// for a token that is not a JWT or says neither.
pub fn token_expiry(token: &str) -> Option<SystemTime> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let millis = |name: &str| match claims.get(name)? {
        Value::String(text) => text.trim().parse::<u64>().ok(),
        number => number.as_u64(),
    };
    if let (Some(created_at), Some(expires_in)) = (millis("created_at"), millis("expires_in")) {
        return UNIX_EPOCH.checked_add(Duration::from_millis(created_at.checked_add(expires_in)?));
    }
    let exp = claims.get("exp")?.as_f64()?;
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(exp).ok()?)
}

/// OAuth Server-to-Server credentials have a client secret and no private key.
fn is_oauth(root: &Map<String, Value>) -> bool {
    let oauth_field = ["clientSecret", "client_secret", "client_secrets", "scopes"]
        .iter()
        .any(|k| root.contains_key(*k));
    let service_field = [
        "integration",
        "privateKey",
        "technicalAccount",
        "metascopes",
    ]
    .iter()
    .any(|k| root.contains_key(*k));
    oauth_field && !service_field
}

fn oauth_credentials(root: &Map<String, Value>) -> Result<OAuthCredentials> {
    let mut fields = Fields::default();
    let client_id = if root.contains_key("client_id") {
        fields.string(root, "client_id")
    } else {
        fields.string(root, "clientId")
    };
    let client_secret = match (
        root.get("client_secrets"),
        root.contains_key("client_secret"),
    ) {
        (Some(Value::Array(secrets)), _) => {
            let first = secrets
                .iter()
                .filter_map(Value::as_str)
                .find(|s| !s.trim().is_empty());
            if first.is_none() {
                fields.problem("client_secrets has no non-empty string".to_owned());
            }
            first.map(|s| s.trim().to_owned())
        }
        (Some(other), _) => {
            fields.problem(format!(
                "client_secrets must be an array of strings, not {}",
                type_name(other)
            ));
            None
        }
        (None, true) => fields.string(root, "client_secret"),
        (None, false) => fields.string(root, "clientSecret"),
    };
    let scopes = fields.list(root, "scopes");
    let ims_endpoint = match root.get("imsEndpoint") {
        None | Some(Value::Null) => Some(DEFAULT_IMS_ENDPOINT.to_owned()),
        Some(_) => fields.string(root, "imsEndpoint"),
    };
    match (client_id, client_secret, scopes, ims_endpoint) {
        (Some(client_id), Some(client_secret), Some(scopes), Some(ims_endpoint))
            if fields.problems.is_empty() =>
        {
            Ok(OAuthCredentials {
                ims_endpoint,
                client_id,
                client_secret: Secret::new(client_secret),
                scopes,
                allow_insecure_http: false,
            })
        }
        _ => Err(Error::InvalidCredentials {
            problems: fields.problems,
        }),
    }
}

fn service_credentials(
    root: &Map<String, Value>,
    options: &LoadOptions,
) -> Result<ServiceCredentials> {
    let mut fields = Fields::default();
    let (integration, prefix) = match root.get("integration") {
        Some(Value::Object(integration)) => (integration, "integration."),
        Some(other) => {
            return Err(Error::InvalidCredentials {
                problems: vec![format!(
                    "integration must be an object, not {}",
                    type_name(other)
                )],
            });
        }
        None => (root, ""),
    };
    fields.prefix = prefix;

    let ims_endpoint = fields.string(integration, "imsEndpoint");
    let org = fields.string(integration, "org");
    let technical_account_id = fields.string(integration, "id");
    let metascopes = fields.list(integration, "metascopes");
    let private_key = fields.string(integration, "privateKey");
    let (client_id, client_secret) = match integration.get("technicalAccount") {
        Some(Value::Object(account)) => {
            let id = fields.string(account, "technicalAccount.clientId");
            let secret = fields.string(account, "technicalAccount.clientSecret");
            (id, secret)
        }
        Some(other) => {
            fields.problem(format!(
                "technicalAccount must be an object, not {}",
                type_name(other)
            ));
            (None, None)
        }
        None => {
            fields.problem("technicalAccount is missing".to_owned());
            (None, None)
        }
    };
    let passphrase = options.passphrase.as_ref().map(Secret::expose);
    let signer =
        private_key.and_then(
            |pem| match JwtSigner::from_pem_with_passphrase(&pem, passphrase) {
                Ok(signer) => Some(signer),
                Err(reason) => {
                    fields.problem(format!("privateKey {reason}"));
                    None
                }
            },
        );

    match (
        ims_endpoint,
        org,
        technical_account_id,
        metascopes,
        client_id,
        client_secret,
        signer,
    ) {
        (
            Some(ims_endpoint),
            Some(org),
            Some(technical_account_id),
            Some(metascopes),
            Some(client_id),
            Some(client_secret),
            Some(signer),
        ) if fields.problems.is_empty() => Ok(ServiceCredentials {
            ims_endpoint,
            org,
            technical_account_id,
            client_id,
            client_secret: Secret::new(client_secret),
            metascopes,
            signer,
            allow_insecure_http: false,
        }),
        _ => Err(Error::InvalidCredentials {
            problems: fields.problems,
        }),
    }
}

/// Collects every field problem instead of stopping at the first.
#[derive(Default)]
struct Fields {
    prefix: &'static str,
    problems: Vec<String>,
}

impl Fields {
    fn problem(&mut self, text: String) {
        self.problems.push(format!("{}{text}", self.prefix));
    }

    /// A required, non-empty string field; `name` is its dotted path below the integration.
    fn string(&mut self, object: &Map<String, Value>, name: &str) -> Option<String> {
        let key = name.rsplit('.').next().unwrap_or(name);
        match object.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Some(Value::String(_)) => {
                self.problem(format!("{name} is empty"));
                None
            }
            None | Some(Value::Null) => {
                self.problem(format!("{name} is missing"));
                None
            }
            Some(other) => {
                self.problem(format!("{name} must be a string, not {}", type_name(other)));
                None
            }
        }
    }

    /// A list given as a comma-separated string or an array of strings (`metascopes`,
    /// `scopes`): trimmed, empty entries dropped, at least one left.
    fn list(&mut self, object: &Map<String, Value>, name: &str) -> Option<Vec<String>> {
        let scopes: Vec<String> = match object.get(name) {
            Some(Value::String(text)) => text.split(',').map(|s| s.trim().to_owned()).collect(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_owned())
                .collect(),
            None | Some(Value::Null) => {
                self.problem(format!("{name} is missing"));
                return None;
            }
            Some(other) => {
                self.problem(format!(
                    "{name} must be a comma-separated string or an array of strings, not {}",
                    type_name(other)
                ));
                return None;
            }
        };
        let scopes: Vec<String> = scopes.into_iter().filter(|s| !s.is_empty()).collect();
        if scopes.is_empty() {
            self.problem(format!("{name} is empty"));
            return None;
        }
        Some(scopes)
    }
}

/// JavaScript truthiness, as Adobe's client tests `config.accessToken`.
fn is_truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(_) => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{PKCS1_PEM, PKCS8_PEM};
    use serde_json::json;

    fn integration(private_key: &str) -> Value {
        json!({
            "imsEndpoint": "ims-na1.adobelogin.com",
            "metascopes": " ent_aem_cloud_sdk , ent_cloudmgr_sdk ",
            "technicalAccount": {"clientId": "cm-p1-e2", "clientSecret": "p8e-SECRET"},
            "email": "x@techacct.adobe.com",
            "id": "TA@techacct.adobe.com",
            "org": "ORG@AdobeOrg",
            "privateKey": private_key,
            "publicKey": "-----BEGIN CERTIFICATE-----\r\n...\r\n-----END CERTIFICATE-----\r\n"
        })
    }

    fn problems(value: &Value) -> Vec<String> {
        match Credentials::from_value(value, &LoadOptions::default()) {
            Err(Error::InvalidCredentials { problems }) => problems,
            other => panic!("expected InvalidCredentials, got {other:?}"),
        }
    }

    #[test]
    fn parses_wrapped_and_bare_service_credentials() {
        let crlf_key = PKCS1_PEM.replace('\n', "\r\n");
        let wrapped = json!({"ok": true, "integration": integration(&crlf_key), "statusCode": 200});
        for value in [wrapped, integration(PKCS8_PEM)] {
            let Credentials::Service(creds) =
                Credentials::from_value(&value, &LoadOptions::default()).unwrap()
            else {
                panic!("expected service credentials");
            };
            assert_eq!(creds.ims_endpoint, "ims-na1.adobelogin.com");
            assert_eq!(creds.client_id, "cm-p1-e2");
            assert_eq!(creds.client_secret.expose(), "p8e-SECRET");
            assert_eq!(creds.metascopes, ["ent_aem_cloud_sdk", "ent_cloudmgr_sdk"]);
            assert!(!format!("{creds:?}").contains("p8e-SECRET"));
        }
    }

    #[test]
    fn user_info_in_the_ims_endpoint_is_refused_at_load_before_any_identity() {
        let mut with_password = integration(PKCS8_PEM);
        with_password["imsEndpoint"] = json!("admin:hunter2@ims.example");
        let oauth = json!({"clientId": "c", "clientSecret": "s", "scopes": ["openid"], "imsEndpoint": "https://u:hunter2@ims.example"});
        let option = LoadOptions {
            ims_endpoint: Some("https://u:hunter2@ims.example".into()),
            ..LoadOptions::default()
        };
        for (value, options, field) in [
            (
                &with_password,
                &LoadOptions::default(),
                "integration.imsEndpoint",
            ),
            (&oauth, &LoadOptions::default(), "imsEndpoint"),
            (&integration(PKCS8_PEM), &option, "the imsEndpoint option"),
        ] {
            let error = Credentials::from_value(value, options).unwrap_err();
            assert_eq!(error.code().as_str(), "INVALID_PARAM");
            let message = error.to_string();
            assert!(message.contains(field), "{message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }

    #[test]
    fn parses_a_dev_token() {
        let value = json!({"ok": true, "statusCode": 200, "accessToken": "eyJ-dev"});
        let Credentials::DevToken(token) =
            Credentials::from_value(&value, &LoadOptions::default()).unwrap()
        else {
            panic!("expected a dev token");
        };
        assert_eq!(token.access_token.expose(), "eyJ-dev");
        assert_eq!(
            problems(&json!({"accessToken": 42})),
            ["accessToken must be a string, not a number"]
        );
    }

    /// A token shaped as IMS shapes its access tokens, with `payload` as its claims.
    fn ims_token(payload: &Value) -> String {
        use base64::Engine as _;
        let encode = |value: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
        };
        let header = json!({"alg": "RS256", "x5u": "ims_na1-key-at-1.cer", "kid": "ims_na1-key-at-1", "itt": "at"});
        format!("{}.{}.c2lnbmF0dXJl", encode(&header), encode(payload))
    }

    fn dev_expiry(payload: &Value) -> Result<SystemTime> {
        let value = json!({"ok": true, "statusCode": 200, "accessToken": ims_token(payload)});
        match Credentials::from_value(&value, &LoadOptions::default())? {
            Credentials::DevToken(token) => Ok(token.expires_at),
            _ => panic!("expected a dev token"),
        }
    }

    #[test]
    fn a_dev_tokens_expiry_comes_from_the_token() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let created = now_ms - 3_600_000;
        let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
        // IMS's shape: milliseconds as strings, no exp.
        let ims = json!({"type": "access_token", "client_id": "dev-console-prod", "created_at": created.to_string(), "expires_in": "86400000"});
        assert_eq!(dev_expiry(&ims).unwrap(), at(created + 86_400_000));
        // As numbers, and created_at + expires_in winning over exp.
        let numbers = json!({"created_at": created, "expires_in": 7_200_000, "exp": 1});
        assert_eq!(dev_expiry(&numbers).unwrap(), at(created + 7_200_000));
        let exp = json!({"exp": now_ms / 1000 + 600});
        assert_eq!(dev_expiry(&exp).unwrap(), at((now_ms / 1000 + 600) * 1000));
        // Neither: 24 h from loading.
        let loaded = dev_expiry(&json!({"type": "access_token"})).unwrap();
        let from_now = loaded.duration_since(SystemTime::now()).unwrap();
        assert!(from_now > Duration::from_secs(86_000) && from_now <= DEV_TOKEN_LIFETIME);

        // Already expired: refused at load, saying when.
        let expired = json!({"created_at": "1764633600000", "expires_in": "86400000"});
        match dev_expiry(&expired) {
            Err(err @ Error::DevTokenExpired { .. }) => assert_eq!(
                err.to_string(),
                "the local development token expired at 2025-12-03T00:00:00Z; download a new one from the Developer Console"
            ),
            other => panic!("expected DevTokenExpired, got {other:?}"),
        }
    }

    #[test]
    fn names_every_missing_field_at_once() {
        let found = problems(&json!({"ok": true, "integration": {}}));
        assert_eq!(
            found,
            [
                "integration.imsEndpoint is missing",
                "integration.org is missing",
                "integration.id is missing",
                "integration.metascopes is missing",
                "integration.privateKey is missing",
                "integration.technicalAccount is missing",
            ]
        );
    }

    #[test]
    fn names_mistyped_and_nested_fields() {
        let mut value = integration(PKCS1_PEM);
        value["org"] = json!(7);
        value["technicalAccount"] = json!({"clientId": "", "clientSecret": ["x"]});
        value["metascopes"] = json!(" , ");
        assert_eq!(
            problems(&value),
            [
                "org must be a string, not a number",
                "metascopes is empty",
                "technicalAccount.clientId is empty",
                "technicalAccount.clientSecret must be a string, not an array",
            ]
        );
    }

    #[test]
    fn a_bad_private_key_is_named_without_its_content() {
        let value = integration(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBroken\n-----END RSA PRIVATE KEY-----",
        );
        let found = problems(&value);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("privateKey is not a PEM RSA private key"),
            "{found:?}"
        );
        assert!(!found[0].contains("MIIBroken"));
    }

    #[test]
    fn rejects_non_objects_and_bad_json() {
        assert_eq!(
            problems(&json!([1])),
            ["credentials must be a JSON object, not an array"]
        );
        assert!(matches!(
            Credentials::from_json_str("{not json", &LoadOptions::default()),
            Err(Error::CredentialsFileParse(_))
        ));
    }
}
