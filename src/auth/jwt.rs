//! RS256 JWTs for the IMS exchange, signed with a key parsed once and held ready.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::secret::Secret;

/// `base64url({"alg":"RS256","typ":"JWT"})`, the header of every JWT we sign.
const HEADER_B64: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";

/// How long a service JWT is valid by default: it is exchanged at once and used once.
pub const DEFAULT_JWT_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Why a private key was rejected. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not PEM, or the PEM is not an RSA private key.
    #[error("is not a PEM RSA private key (expected BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)")]
    NotRsaPem,
    /// The PEM holds an encrypted key and no passphrase was given.
    #[error("is an encrypted private key: pass its passphrase (the passphrase option)")]
    PassphraseRequired,
    /// The passphrase does not decrypt the key (or the encryption scheme is not supported).
    #[error(
        "cannot be decrypted with the passphrase given (wrong passphrase, or an unsupported encryption scheme)"
    )]
    WrongPassphrase,
    /// A legacy OpenSSL-encrypted PKCS#1 key (`Proc-Type: 4,ENCRYPTED`).
    #[error(
        "is a legacy encrypted PKCS#1 key; convert it to encrypted PKCS#8 (openssl pkcs8 -topk8)"
    )]
    LegacyEncrypted,
    /// The DER inside the PEM is not a usable RSA key.
    #[error("is not a usable RSA private key ({0})")]
    Rejected(String),
}

/// An RSA private key, parsed and validated once, ready to sign RS256.
pub struct JwtSigner {
    key_pair: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSigner([private key])")
    }
}

impl JwtSigner {
    /// Parses a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`),
    /// with `\r\n` or `\n` line endings, or literal `\n` escapes as keys kept in environment
    /// variables have them.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem_with_passphrase(pem, None)
    }

    /// As [`JwtSigner::from_pem`], and also encrypted PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`,
    /// PBES2) with its passphrase.
    pub fn from_pem_with_passphrase(pem: &str, passphrase: Option<&str>) -> Result<Self, KeyError> {
        let pem = normalize_pem(pem);
        if pem.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(KeyError::LegacyEncrypted);
        }
        if pem.contains("BEGIN ENCRYPTED PRIVATE KEY") {
            let passphrase = passphrase
                .filter(|p| !p.is_empty())
                .ok_or(KeyError::PassphraseRequired)?;
            let document = decrypt_pkcs8(&pem, passphrase)?;
            return Self::from_key_pair(RsaKeyPair::from_pkcs8(document.as_bytes()));
        }
        // jsonwebtoken does the PEM and PKCS#8 unwrapping; it yields PKCS#1 DER for RSA keys.
        let encoding_key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|_| KeyError::NotRsaPem)?;
        Self::from_key_pair(RsaKeyPair::from_der(encoding_key.as_bytes()))
    }

    fn from_key_pair(
        parsed: Result<RsaKeyPair, aws_lc_rs::error::KeyRejected>,
    ) -> Result<Self, KeyError> {
        let key_pair = parsed.map_err(|rejected| KeyError::Rejected(rejected.to_string()))?;
        Ok(Self {
            key_pair,
            rng: SystemRandom::new(),
        })
    }

    /// Signs `claims` (a JSON object) as an RS256 JWT.
    pub fn sign(&self, claims: &Map<String, Value>) -> Secret {
        let payload = Value::Object(claims.clone()).to_string();
        self.sign_payload(payload.as_bytes())
    }

    /// Signs a serialized JSON payload as an RS256 JWT.
    pub fn sign_payload(&self, payload: &[u8]) -> Secret {
        let encoded_payload = URL_SAFE_NO_PAD.encode(payload);
        let mut jwt = String::with_capacity(HEADER_B64.len() + encoded_payload.len() + 350);
        jwt.push_str(HEADER_B64);
        jwt.push('.');
        jwt.push_str(&encoded_payload);
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        // Signing with a validated key pair fails only if the system RNG fails; such a token
        // is then refused by IMS with a clear error rather than crashing the process.
        if self
            .key_pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, jwt.as_bytes(), &mut signature)
            .is_err()
        {
            signature.clear();
        }
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
        Secret::new(jwt)
    }
}

/// The PKCS#8 DER inside an encrypted PKCS#8 PEM (PBES2), decrypted with `passphrase`.
fn decrypt_pkcs8(pem: &str, passphrase: &str) -> Result<pkcs8::SecretDocument, KeyError> {
    let block = pem::parse(pem).map_err(|_| KeyError::NotRsaPem)?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(block.contents())
        .map_err(|_| KeyError::NotRsaPem)?;
    info.decrypt(passphrase)
        .map_err(|_| KeyError::WrongPassphrase)
}

/// The claims of a service-credentials JWT (PROTOCOL §3).
#[derive(Debug, Clone)]
pub struct ServiceClaims<'a> {
    /// `integration.org`.
    pub org: &'a str,
    /// `integration.id`, the technical account.
    pub technical_account_id: &'a str,
    /// `technicalAccount.clientId`.
    pub client_id: &'a str,
    /// The IMS host, e.g. `ims-na1.adobelogin.com`.
    pub ims_host: &'a str,
    /// The metascopes, each a name or a full `https://…/s/…` URL.
    pub metascopes: &'a [String],
}

impl ServiceClaims<'_> {
    /// The claims object, issued at `now` and expiring `lifetime` later.
    pub fn to_map(&self, now: SystemTime, lifetime: Duration) -> Map<String, Value> {
        let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), self.org.into());
        claims.insert("sub".into(), self.technical_account_id.into());
        claims.insert("iat".into(), iat.into());
        claims.insert("exp".into(), (iat + lifetime.as_secs().max(1)).into());
        claims.insert(
            "aud".into(),
            format!("https://{}/c/{}", self.ims_host, self.client_id).into(),
        );
        for scope in self.metascopes {
            claims.insert(metascope_claim(self.ims_host, scope), Value::Bool(true));
        }
        claims
    }
}

/// The claim name for a metascope: the entry itself when it is already a URL, else
/// `https://{ims_host}/s/{scope}`.
pub fn metascope_claim(ims_host: &str, scope: &str) -> String {
    if scope.starts_with("https://") || scope.starts_with("http://") {
        scope.to_owned()
    } else {
        format!("https://{ims_host}/s/{scope}")
    }
}

/// Turns literal `\n` escapes into newlines and trims surrounding white space.
fn normalize_pem(pem: &str) -> String {
    pem.trim().replace("\\r\\n", "\n").replace("\\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{ENCRYPTED_PEM, PKCS1_PEM, PKCS8_PEM, PUBLIC_PEM};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};

    fn claims() -> Map<String, Value> {
        let scopes = vec!["ent_aem_cloud_api".to_owned(), "https://x/s/y".to_owned()];
        ServiceClaims {
            org: "ORG@AdobeOrg",
            technical_account_id: "TA@techacct.adobe.com",
            client_id: "cm-p1-e2",
            ims_host: "ims-na1.adobelogin.com",
            metascopes: &scopes,
        }
        .to_map(SystemTime::now(), DEFAULT_JWT_LIFETIME)
    }

    fn verify(jwt: &str) -> Map<String, Value> {
        let key = DecodingKey::from_rsa_pem(PUBLIC_PEM.as_bytes()).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&["https://ims-na1.adobelogin.com/c/cm-p1-e2"]);
        decode::<Map<String, Value>>(jwt, &key, &validation)
            .unwrap()
            .claims
    }

    #[test]
    fn signs_verifiable_rs256_with_every_claim() {
        for pem in [PKCS1_PEM, PKCS8_PEM] {
            let signer = JwtSigner::from_pem(pem).unwrap();
            let jwt = signer.sign(&claims());
            let verified = verify(jwt.expose());
            assert_eq!(verified["iss"], "ORG@AdobeOrg");
            assert_eq!(verified["sub"], "TA@techacct.adobe.com");
            assert_eq!(
                verified["https://ims-na1.adobelogin.com/s/ent_aem_cloud_api"],
                true
            );
            assert_eq!(verified["https://x/s/y"], true);
            let lifetime = verified["exp"].as_u64().unwrap() - verified["iat"].as_u64().unwrap();
            assert_eq!(lifetime, 300);
        }
    }

    #[test]
    fn accepts_crlf_and_escaped_newlines() {
        let crlf = PKCS1_PEM.replace('\n', "\r\n");
        let escaped = PKCS1_PEM.replace('\n', "\\n");
        let escaped_crlf = PKCS1_PEM.replace('\n', "\\r\\n");
        for pem in [crlf, escaped, escaped_crlf] {
            let signer = JwtSigner::from_pem(&pem).unwrap();
            verify(signer.sign(&claims()).expose());
        }
    }

    #[test]
    fn rejects_what_is_not_an_rsa_key_without_echoing_it() {
        let truncated = &PKCS1_PEM[..PKCS1_PEM.len() / 2];
        for bad in ["", "not a key", truncated, PUBLIC_PEM] {
            let err = JwtSigner::from_pem(bad).unwrap_err();
            assert!(!err.to_string().contains("MII"), "{err}");
        }
        let ec = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n-----END PRIVATE KEY-----\n";
        assert_eq!(JwtSigner::from_pem(ec).unwrap_err(), KeyError::NotRsaPem);
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            JwtSigner::from_pem(legacy).unwrap_err(),
            KeyError::LegacyEncrypted
        );
    }

    #[test]
    fn decrypts_encrypted_pkcs8_with_the_right_passphrase_only() {
        let signer =
            JwtSigner::from_pem_with_passphrase(ENCRYPTED_PEM, Some("correct horse")).unwrap();
        verify(signer.sign(&claims()).expose());
        assert_eq!(
            JwtSigner::from_pem(ENCRYPTED_PEM).unwrap_err(),
            KeyError::PassphraseRequired
        );
        assert_eq!(
            JwtSigner::from_pem_with_passphrase(ENCRYPTED_PEM, Some("")).unwrap_err(),
            KeyError::PassphraseRequired
        );
        let wrong =
            JwtSigner::from_pem_with_passphrase(ENCRYPTED_PEM, Some("hunter2-x")).unwrap_err();
        assert_eq!(wrong, KeyError::WrongPassphrase);
        assert!(!wrong.to_string().contains("hunter2"));
    }

    #[test]
    fn debug_hides_the_key() {
        let signer = JwtSigner::from_pem(PKCS1_PEM).unwrap();
        assert_eq!(format!("{signer:?}"), "JwtSigner([private key])");
    }
}
