//! A text crossing into JavaScript. V8 builds a string from UTF-8 by scanning every byte
//! (to find its length and whether it fits one byte per character) and then decoding it; for a
//! 35 KB answer that was a fifth of the client's CPU per call. So the text crosses already
//! decoded: an ASCII text as Latin-1 (the same bytes, a plain copy into a one-byte string), any
//! other as UTF-16, transcoded here with SIMD (`encoding_rs`); V8 copies it, narrowing it to one
//! byte per character when it can.

use napi::bindgen_prelude::{Either, Latin1String, Utf16String};

/// A text as it crosses into JavaScript: Latin-1 when it is ASCII, else UTF-16.
pub type JsText = Either<Latin1String, Utf16String>;

/// `text`, to cross into JavaScript as cheaply as V8 allows; the same string on that side.
pub fn js_text(text: String) -> JsText {
    if text.is_ascii() {
        Either::A(Latin1String::from(text))
    } else {
        let mut utf16 = vec![0u16; text.len()];
        let written = encoding_rs::mem::convert_str_to_utf16(&text, &mut utf16);
        utf16.truncate(written);
        Either::B(Utf16String::from(utf16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_crosses_as_latin1_and_anything_else_as_the_same_utf16() {
        match js_text("{\"data\":{}}".to_owned()) {
            Either::A(latin1) => assert_eq!(&*latin1, b"{\"data\":{}}"),
            Either::B(_) => panic!("ASCII must cross as Latin-1"),
        }
        for text in ["café", "it’s", "😀 and \u{0}", "é".repeat(40_000).as_str()] {
            match js_text(text.to_owned()) {
                Either::A(_) => panic!("{text:?} is not ASCII"),
                Either::B(utf16) => assert_eq!(&*utf16, text.encode_utf16().collect::<Vec<_>>()),
            }
        }
    }
}
