//! What a URL holds before it goes anywhere: user info (a user name or password) is refused in
//! a `serviceURL` or `imsEndpoint`, and never shown in a message.

/// Whether `url` holds a user name or password: as a URL parses it, or as [`has_userinfo`]
/// finds it in one that does not parse. A value without a scheme (an `imsEndpoint` host) is
/// read as `https://` followed by it. The one check of `serviceURL` and `imsEndpoint`.
pub fn holds_userinfo(url: &str) -> bool {
    let url = if url.contains("://") {
        std::borrow::Cow::Borrowed(url.trim())
    } else {
        std::borrow::Cow::Owned(format!("https://{}", url.trim()))
    };
    reqwest::Url::parse(&url)
        .is_ok_and(|parsed| !parsed.username().is_empty() || parsed.password().is_some())
        || has_userinfo(&url)
}

/// Whether a URL holds user info (`user[:password]@`) in its authority, even when it does not
/// parse: a password with an unencoded `/`, `?` or `#` (`https://admin:pa/ss@host/`) ends the
/// authority early, leaving a `host:port` whose port is not a number, followed by an `@`.
pub fn has_userinfo(url: &str) -> bool {
    let Some(scheme_end) = url.find("://") else {
        return false;
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('@') {
        return true;
    }
    let not_a_port = !authority.starts_with('[')
        && authority
            .split_once(':')
            .is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()) || port.is_empty());
    not_a_port && rest[authority_end..].contains('@')
}

/// A URL with anything before its last `@` (after the scheme, if any) replaced by `***`, so
/// that no `user:password` shows in a message.
pub fn without_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |scheme| scheme + 3);
    match url.rfind('@') {
        Some(at) if at >= start => format!("{}***{}", &url[..start], &url[at..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_userinfo_reads_hosts_without_a_scheme_too() {
        for with in [
            "admin:pw@ims.example",
            "https://admin:pw@ims.example",
            "user@h:443",
            "https://a:b%2F@h/",
        ] {
            assert!(holds_userinfo(with), "{with}");
        }
        for without in [
            "ims-na1.adobelogin.com",
            "https://ims.example:8443",
            "127.0.0.1:4443",
            "/",
        ] {
            assert!(!holds_userinfo(without), "{without}");
        }
    }

    #[test]
    fn finds_user_info_even_in_urls_that_do_not_parse() {
        for with in [
            "https://admin:Pa55/w0rd#x@host/",
            "https://admin:pa?ss@host",
            "https://admin:#x@host",
            "https://admin:/pw@host",
            "https://user@host/",
            "https://u:p@host:4502/",
        ] {
            assert!(has_userinfo(with), "{with}");
        }
        for without in [
            "https://host/",
            "https://host:4502/content/dam/a@b.png",
            "https://[::1]:4502/a@b",
            "https://host/a:b@c",
            "http://localhost:4502",
            "/",
            "not a url",
        ] {
            assert!(!has_userinfo(without), "{without}");
        }
    }
}
