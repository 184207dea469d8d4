//! The response decoder on any status and body: it never panics, and what it accepts is JSON.
#![no_main]

use aem_headless_rs::aem::response::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + (u16::from_le_bytes([*a, *b]) % 500), rest),
        _ => return,
    };
    match decode(status, None, body) {
        Ok(text) => {
            assert!((200..300).contains(&status));
            assert!(serde_json_is_valid(&text));
        }
        Err(error) => {
            let _ = error.details();
            let _ = error.to_string();
        }
    }
});

/// Valid JSON syntax, checked apart from the decoder's own parse. Numbers beyond f64 count as
/// valid: JavaScript's `JSON.parse` reads them (as `Infinity`). `IgnoredAny` checks syntax only:
/// a `serde_json::Value` would also refuse objects with serde_json's private raw-value key,
/// which `JSON.parse` reads like any other.
fn serde_json_is_valid(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}
