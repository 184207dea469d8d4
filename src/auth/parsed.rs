//! Credentials parsed once per text: `getToken(file)` reads its file at every call, as Adobe's
//! does, so that an edited file is seen at once; but parsing and checking a 2048-bit PKCS#8 key
//! is most of a cold token's CPU beyond signing. Service credentials are kept here by a SHA-256
//! digest of their text and the load options, the last [`KEPT`] of them: the same bytes with the
//! same options give the same parsed credentials, and any change in either parses afresh. No
//! text, passphrase or digest of a secret alone is kept, only the parsed credentials a client
//! would hold anyway. Development tokens and OAuth credentials, which have no key to parse, are
//! parsed at every call.

use std::sync::{Arc, Mutex, PoisonError};

use aws_lc_rs::digest::{Context, SHA256};

use super::credentials::{Credentials, LoadOptions};
use crate::error::Result;

/// How many parsed service credentials are kept.
pub const KEPT: usize = 8;

type Digest = [u8; 32];

/// The parsed service credentials, the last used first.
static PARSED: Mutex<Vec<(Digest, Arc<Credentials>)>> = Mutex::new(Vec::new());

/// The digest of a credentials text with the options it is loaded with.
fn digest_of(text: &str, options: &LoadOptions) -> Digest {
    let mut context = Context::new(&SHA256);
    // Each field with its length first, so that no two inputs run together the same way.
    let mut field = |bytes: &[u8]| {
        context.update(&(bytes.len() as u64).to_le_bytes());
        context.update(bytes);
    };
    field(text.as_bytes());
    field(
        options
            .passphrase
            .as_ref()
            .map_or(b"\xff" as &[u8], |p| p.expose().as_bytes()),
    );
    field(
        options
            .ims_endpoint
            .as_deref()
            .map_or(b"\xff" as &[u8], str::as_bytes),
    );
    field(&[u8::from(options.allow_insecure_http)]);
    let mut digest = [0u8; 32];
    digest.copy_from_slice(context.finish().as_ref());
    digest
}

/// The parsed service credentials of `text` with `options`, if they were parsed before.
pub fn parsed_before(text: &str, options: &LoadOptions) -> Option<Arc<Credentials>> {
    let digest = digest_of(text, options);
    let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    let index = parsed.iter().position(|(known, _)| *known == digest)?;
    let entry = parsed.remove(index);
    let credentials = Arc::clone(&entry.1);
    parsed.insert(0, entry);
    Some(credentials)
}

/// `text` parsed with `options` ([`Credentials::from_json_str`]), from what was parsed before
/// when the text and options are the same.
pub fn parse(text: &str, options: &LoadOptions) -> Result<Arc<Credentials>> {
    if let Some(credentials) = parsed_before(text, options) {
        return Ok(credentials);
    }
    let credentials = Arc::new(Credentials::from_json_str(text, options)?);
    if matches!(credentials.as_ref(), Credentials::Service(_)) {
        let digest = digest_of(text, options);
        let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
        // Loads of the same text at once each parsed it: one entry is kept.
        parsed.retain(|(known, _)| *known != digest);
        parsed.insert(0, (digest, Arc::clone(&credentials)));
        parsed.truncate(KEPT);
    }
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::test_keys::PKCS8_PEM;
    use serde_json::json;

    fn service_text(client_id: &str) -> String {
        json!({
            "imsEndpoint": "ims-na1.adobelogin.com",
            "metascopes": "ent_aem_cloud_sdk",
            "technicalAccount": {"clientId": client_id, "clientSecret": "p8e-SECRET"},
            "email": "x@techacct.adobe.com",
            "id": "TA@techacct.adobe.com",
            "org": "ORG@AdobeOrg",
            "privateKey": PKCS8_PEM
        })
        .to_string()
    }

    #[test]
    fn the_same_text_and_options_give_the_same_parsed_credentials_and_a_change_parses_afresh() {
        let text = service_text("cm-parsed-1");
        let options = LoadOptions::default();
        let first = parse(&text, &options).unwrap();
        assert!(Arc::ptr_eq(&first, &parse(&text, &options).unwrap()));
        assert!(Arc::ptr_eq(
            &first,
            &parsed_before(&text, &options).unwrap()
        ));

        let edited = service_text("cm-parsed-2");
        assert!(parsed_before(&edited, &options).is_none());
        assert!(!Arc::ptr_eq(&first, &parse(&edited, &options).unwrap()));
        for other in [
            LoadOptions {
                ims_endpoint: Some("ims-na1-stg1.adobelogin.com".into()),
                ..LoadOptions::default()
            },
            LoadOptions {
                passphrase: Some(Secret::new("pass")),
                ..LoadOptions::default()
            },
            LoadOptions {
                allow_insecure_http: true,
                ..LoadOptions::default()
            },
        ] {
            assert!(parsed_before(&text, &other).is_none());
        }
    }

    #[test]
    fn errors_and_development_tokens_are_not_kept() {
        let options = LoadOptions::default();
        assert!(parse("{}", &options).is_err());
        assert!(parsed_before("{}", &options).is_none());
        let dev = json!({"accessToken": "dev-token"}).to_string();
        parse(&dev, &options).unwrap();
        assert!(parsed_before(&dev, &options).is_none());
    }

    #[test]
    fn at_most_the_last_few_are_kept() {
        let options = LoadOptions::default();
        let texts: Vec<String> = (0..=KEPT)
            .map(|n| service_text(&format!("cm-kept-{n}")))
            .collect();
        for text in &texts {
            parse(text, &options).unwrap();
        }
        // Parsed again (as loads at once do): still one entry.
        parse(&texts[KEPT], &options).unwrap();
        let kept = PARSED.lock().unwrap();
        let digest = digest_of(&texts[KEPT], &options);
        assert_eq!(kept.iter().filter(|(known, _)| *known == digest).count(), 1);
        assert!(kept.len() <= KEPT);
        drop(kept);
        // The first of them is gone: KEPT others came after it.
        assert!(parsed_before(&texts[0], &options).is_none());
        assert!(parsed_before(&texts[KEPT], &options).is_some());
    }
}
