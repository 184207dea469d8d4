//! The credentials parser, and the private-key reader behind it, on arbitrary text: an error is
//! fine, a panic is not, and no error may quote the input's secrets.
#![no_main]

use aem_headless_rs::auth::credentials::{Credentials, LoadOptions};
use aem_headless_rs::auth::jwt::JwtSigner;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = LoadOptions {
        passphrase: Some(aem_headless_rs::Secret::new("fuzz")),
        ..LoadOptions::default()
    };
    if let Ok(credentials) = Credentials::from_json_str(text, &options) {
        let _ = credentials.identity();
    }
    let _ = JwtSigner::from_pem(text);
});
