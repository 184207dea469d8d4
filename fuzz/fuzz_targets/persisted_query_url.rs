//! The persisted-query URL builder: for any path and variables, the suffix percent-decodes back
//! to exactly `;name=value…`, and holds nothing but URL-safe characters and the final `;`.
#![no_main]

use aem_headless_rs::aem::paths::{EXECUTE_PATH, persisted_query_get_path};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // "path\0name\0value\0name\0value…"
    let mut parts = text.split('\0');
    let path = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let pairs: Vec<(&str, &str)> = rest
        .chunks(2)
        .map(|pair| (pair[0], pair.get(1).copied().unwrap_or_default()))
        .collect();
    let url = persisted_query_get_path(path, &pairs);
    let prefix = format!("{EXECUTE_PATH}/{path}");
    assert!(url.starts_with(&prefix));
    let suffix = &url[prefix.len()..];
    if pairs.is_empty() {
        assert!(suffix.is_empty());
        return;
    }
    let encoded = suffix.strip_suffix(';').expect("the suffix ends with ;");
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*()%".contains(&b)),
        "only unreserved characters and escapes: {encoded}"
    );
    let mut decoded = Vec::new();
    let bytes = encoded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            decoded.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let joined: String = pairs.iter().map(|(k, v)| format!(";{k}={v}")).collect();
    assert_eq!(decoded, joined.as_bytes());
});
