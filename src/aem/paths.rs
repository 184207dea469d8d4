//! AEM GraphQL endpoints and the persisted-query URL, byte for byte as Adobe's JS client builds it.

/// Where persisted queries run: `graphql/execute.json/{conf}/{name}`.
pub const EXECUTE_PATH: &str = "graphql/execute.json";

/// A service URL with exactly the trailing `/` Adobe's client gives it.
pub fn normalize_service_url(service_url: &str) -> String {
    if service_url.ends_with('/') {
        service_url.to_owned()
    } else {
        format!("{service_url}/")
    }
}

/// An endpoint path without its leading `/`, as Adobe's client keeps it.
pub fn normalize_endpoint(endpoint: &str) -> &str {
    endpoint.strip_prefix('/').unwrap_or(endpoint)
}

/// The relative URL of a persisted query run with GET: `graphql/execute.json/{path}` followed by
/// the variables. Each variable becomes `;name=value` (`value` is given already in text form:
/// a string as is, anything else as JSON), the joined string is percent-encoded with
/// [`encode_uri_component_into`], and a literal `;` ends it. No variables, no suffix.
pub fn persisted_query_get_path<K, V>(path: &str, variables: &[(K, V)]) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut url = format!("{EXECUTE_PATH}/{path}");
    if variables.is_empty() {
        return url;
    }
    let mut joined = String::new();
    for (name, value) in variables {
        joined.push(';');
        joined.push_str(name.as_ref());
        joined.push('=');
        joined.push_str(value.as_ref());
    }
    encode_uri_component_into(&joined, &mut url);
    url.push(';');
    url
}

/// Appends `text` percent-encoded as JavaScript's `encodeURIComponent` does (UTF-8, upper-case
/// hex, only `A-Z a-z 0-9 - _ . ! ~ * ( )` left as they are), and `'` as `%27`: that is the
/// byte sequence `@adobe/aem-headless-client-nodejs` puts on the wire, because its fetch
/// escapes `'` when it parses the URL. AEM decodes both spellings to the same value.
pub fn encode_uri_component_into(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(text.len());
    for &byte in text.as_bytes() {
        let unreserved = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'(' | b')');
        if unreserved {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str) -> String {
        let mut out = String::new();
        encode_uri_component_into(text, &mut out);
        out
    }

    #[test]
    fn protocol_example() {
        let vars = [("activity", "Camping"), ("limit", "5")];
        assert_eq!(
            persisted_query_get_path("wknd-shared/adventures-by-activity", &vars),
            "graphql/execute.json/wknd-shared/adventures-by-activity%3Bactivity%3DCamping%3Blimit%3D5;"
        );
    }

    #[test]
    fn no_variables_no_suffix() {
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            persisted_query_get_path("wknd-shared/adventures-all", &none),
            "graphql/execute.json/wknd-shared/adventures-all"
        );
    }

    /// Vectors produced by running `encodeURIComponent` in Node.js (and `'` as Adobe's Node
    /// client sends it).
    #[test]
    fn encode_uri_component_vectors() {
        let vectors = [
            ("abcXYZ019", "abcXYZ019"),
            ("-_.!~*()", "-_.!~*()"),
            ("it's", "it%27s"),
            (" ", "%20"),
            ("+", "%2B"),
            (";=/?#%&", "%3B%3D%2F%3F%23%25%26"),
            ("\"\\", "%22%5C"),
            ("\t\n\r", "%09%0A%0D"),
            ("é", "%C3%A9"),
            ("日本", "%E6%97%A5%E6%9C%AC"),
            ("😀", "%F0%9F%98%80"),
            ("[1,2]", "%5B1%2C2%5D"),
            (
                "{\"a\":{\"b\":null}}",
                "%7B%22a%22%3A%7B%22b%22%3Anull%7D%7D",
            ),
            ("@$,:", "%40%24%2C%3A"),
            ("<>^`{|}", "%3C%3E%5E%60%7B%7C%7D"),
        ];
        for (input, expected) in vectors {
            assert_eq!(encode(input), expected, "{input:?}");
        }
    }

    #[test]
    fn service_url_and_endpoint_normalization() {
        assert_eq!(normalize_service_url("https://h"), "https://h/");
        assert_eq!(normalize_service_url("https://h/"), "https://h/");
        assert_eq!(normalize_endpoint("/content/x.json"), "content/x.json");
        assert_eq!(normalize_endpoint("content/x.json"), "content/x.json");
    }
}
