//! The redirect rule of every request, whichever transport carries it: the transports send one hop
//! (the native client follows nothing, a `fetch` is called with `redirect: 'manual'`), and the
//! request loop ([`super::send`]) asks [`next_hop`] what an answer with a `Location` leads to.
//!
//! - Only `http:` and `https:` locations are followed, and none that holds a user name or password.
//! - 303 (and 301 or 302 after a POST) becomes a GET without a body, as fetch does; 307 and 308
//!   keep the method and the body, which must then be one that can be sent again.
//! - Credentials (the token, `X-Api-Key`, `Cookie`, the client's own headers) go with a hop only
//!   while every hop so far is on the credential origin: once a redirect leaves it, none goes
//!   again, not even back to it. A request whose body is a credential (IMS's token form) is never
//!   redirected to another origin: that is an error.
//! - At most [`MAX_REDIRECTS`] redirects, fetch's own bound.

use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode, Url};

use super::redact::redact_url;
use super::transport::Target;

/// The most redirects one request follows (fetch's bound).
pub const MAX_REDIRECTS: u32 = 20;

/// What a request does with a redirect, as fetch's `redirect` option says it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RedirectMode {
    /// Follow it by the rules above.
    #[default]
    Follow,
    /// The redirect is the answer.
    Manual,
    /// A redirect is an error.
    Error,
}

/// One hop of a request: where it goes, with which method, and what it carries.
#[derive(Debug, Clone)]
pub struct Hop {
    /// Where this hop goes.
    pub url: Target,
    /// Its method.
    pub method: Method,
    /// Whether the request's body goes with it.
    pub with_body: bool,
    /// Whether the credentials go with it: every hop so far is on the credential origin.
    pub credentialed: bool,
}

/// What the rule needs to know of the request besides its hop.
#[derive(Debug, Clone, Copy)]
pub struct RedirectRules {
    /// The request's `redirect` mode.
    pub mode: RedirectMode,
    /// Whether the body can be sent again (a text can; a stream read once cannot).
    pub body_replayable: bool,
    /// Whether the body itself is a credential (IMS's form with `client_secret`).
    pub body_is_credential: bool,
}

/// Where an answer leads.
#[derive(Debug)]
pub enum Next {
    /// Nowhere: the answer is the request's.
    Answer,
    /// To this hop.
    Follow(Hop),
}

/// Why a redirect is not followed. Its text names the status and the location, redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectRefusal {
    /// The redirect's status.
    pub status: u16,
    /// Why it is not followed.
    pub reason: RefusalReason,
    /// Where it pointed, as it may be shown (user info and signatures taken out).
    pub location: String,
}

/// The reasons of a [`RedirectRefusal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// The request's `redirect` mode is `error`.
    ModeError,
    /// More than [`MAX_REDIRECTS`].
    TooMany,
    /// The location is not a URL.
    NotAUrl,
    /// The location is not `http:` or `https:` (a `data:`, `file:` or `javascript:` URL).
    NotHttp,
    /// The location holds a user name or password.
    UserInfo,
    /// A 307 or 308 would send again a body that was streamed once.
    BodyNotReplayable,
    /// A request whose body is a credential would leave its origin.
    CredentialBodyElsewhere,
}

impl std::fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.reason {
            RefusalReason::ModeError => "the request's redirect mode is 'error'",
            RefusalReason::TooMany => "more than 20 redirects",
            RefusalReason::NotAUrl => "the location is not a URL",
            RefusalReason::NotHttp => "only http: and https: locations are followed",
            RefusalReason::UserInfo => "the location holds a user name or password",
            RefusalReason::BodyNotReplayable => {
                "the request's body was streamed and cannot be sent again"
            }
            RefusalReason::CredentialBodyElsewhere => {
                "the request's body holds credentials, which never go to another origin"
            }
        };
        write!(
            f,
            "a {} redirect to {} was not followed: {why}",
            self.status, self.location
        )
    }
}

impl std::error::Error for RedirectRefusal {}

/// Whether `status` is one of the redirects that are followed (301, 302, 303, 307, 308).
pub fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Whether credentials go with a request's first hop to `url`: it is on the origin of
/// `credential_origin` (any URL there). A path from the root goes where the app's fetch sends its
/// paths, the service's own origin.
pub fn credentials_go_to(url: &Target, credential_origin: Option<&Url>) -> bool {
    match url {
        Target::Absolute(url) => credential_origin.is_some_and(|origin| same_origin(url, origin)),
        Target::Relative(_) => true,
    }
}

/// Whether two URLs have one origin: scheme, host and port (RFC 6454), compared without building
/// either origin.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// What an answer of `status` with `location` leads to from `hop`, after `followed` redirects.
pub fn next_hop(
    hop: &Hop,
    status: StatusCode,
    location: Option<&HeaderValue>,
    rules: RedirectRules,
    followed: u32,
) -> Result<Next, RedirectRefusal> {
    let Some(location) = location.filter(|_| is_redirect(status)) else {
        return Ok(Next::Answer);
    };
    if rules.mode == RedirectMode::Manual {
        return Ok(Next::Answer);
    }
    let text = String::from_utf8_lossy(location.as_bytes());
    let refuse = |reason| RedirectRefusal {
        status: status.as_u16(),
        reason,
        location: redact_url(&text),
    };
    if rules.mode == RedirectMode::Error {
        return Err(refuse(RefusalReason::ModeError));
    }
    if followed >= MAX_REDIRECTS {
        return Err(refuse(RefusalReason::TooMany));
    }
    let next = resolve(&hop.url, text.trim()).ok_or_else(|| refuse(RefusalReason::NotAUrl))?;
    if let Target::Absolute(url) = &next {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse(RefusalReason::NotHttp));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(RefusalReason::UserInfo));
        }
    }
    let stays = match &next {
        Target::Absolute(url) => match &hop.url {
            Target::Absolute(from) => same_origin(url, from),
            // From a path of the app's fetch to an absolute URL: another origin, as far as it
            // can be told.
            Target::Relative(_) => false,
        },
        Target::Relative(_) => true,
    };
    // A credentialed hop is on the credential origin: staying on its origin stays there.
    let credentialed = hop.credentialed && stays;
    if rules.body_is_credential && !stays {
        return Err(refuse(RefusalReason::CredentialBodyElsewhere));
    }
    let to_get = (status == StatusCode::SEE_OTHER && hop.method != Method::HEAD)
        || (matches!(status.as_u16(), 301 | 302) && hop.method == Method::POST);
    if to_get {
        return Ok(Next::Follow(Hop {
            url: next,
            method: if hop.method == Method::HEAD {
                Method::HEAD
            } else {
                Method::GET
            },
            with_body: false,
            credentialed,
        }));
    }
    if hop.with_body && !rules.body_replayable {
        return Err(refuse(RefusalReason::BodyNotReplayable));
    }
    Ok(Next::Follow(Hop {
        url: next,
        method: hop.method.clone(),
        with_body: hop.with_body,
        credentialed,
    }))
}

/// `location` resolved against the hop's URL: an absolute URL as it is, anything else relative to
/// it. Relative to a path from the root (a relative service URL, through an app's fetch), a path
/// stays a path.
fn resolve(from: &Target, location: &str) -> Option<Target> {
    match from {
        Target::Absolute(url) => url.join(location).ok().map(Target::Absolute),
        Target::Relative(path) => {
            if let Ok(url) = Url::parse(location) {
                return Some(Target::Absolute(url));
            }
            // Resolved on a stand-in origin, then taken back to a path.
            let base = Url::parse("http://relative.invalid")
                .ok()?
                .join(path)
                .ok()?;
            let url = base.join(location).ok()?;
            (url.origin() == base.origin()).then(|| {
                let mut path = url.path().to_owned();
                if let Some(query) = url.query() {
                    path.push('?');
                    path.push_str(query);
                }
                Target::Relative(path)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(url: &str, method: Method, with_body: bool) -> Hop {
        Hop {
            url: Target::Absolute(Url::parse(url).unwrap()),
            method,
            with_body,
            credentialed: true,
        }
    }

    fn rules() -> RedirectRules {
        RedirectRules {
            mode: RedirectMode::Follow,
            body_replayable: true,
            body_is_credential: false,
        }
    }

    fn follow(from: &Hop, status: u16, location: &str, rules: RedirectRules) -> Hop {
        match next_hop(
            from,
            StatusCode::from_u16(status).unwrap(),
            Some(&HeaderValue::from_str(location).unwrap()),
            rules,
            0,
        )
        .unwrap()
        {
            Next::Follow(hop) => hop,
            Next::Answer => panic!("not followed"),
        }
    }

    fn url_of(hop: &Hop) -> &str {
        match &hop.url {
            Target::Absolute(url) => url.as_str(),
            Target::Relative(path) => path,
        }
    }

    #[test]
    fn credentials_stay_on_their_origin_for_the_rest_of_the_chain() {
        let start = hop("https://aem.example/a", Method::GET, false);
        let same = follow(&start, 302, "/b?x=1", rules());
        assert_eq!(url_of(&same), "https://aem.example/b?x=1");
        assert!(same.credentialed);
        let away = follow(&same, 302, "https://blob.example/c", rules());
        assert!(!away.credentialed);
        let back = follow(&away, 302, "https://aem.example/d", rules());
        assert!(!back.credentialed, "A to B to A carries no credential");
        let other_port = follow(&start, 307, "https://aem.example:8443/a", rules());
        assert!(!other_port.credentialed);
        let other_scheme = follow(&start, 307, "http://aem.example/a", rules());
        assert!(!other_scheme.credentialed);
    }

    #[test]
    fn methods_and_bodies_change_as_fetch_changes_them() {
        let post = hop("https://aem.example/a", Method::POST, true);
        for (status, method, with_body) in [
            (301, Method::GET, false),
            (302, Method::GET, false),
            (303, Method::GET, false),
            (307, Method::POST, true),
            (308, Method::POST, true),
        ] {
            let next = follow(&post, status, "/b", rules());
            assert_eq!(
                (next.method, next.with_body),
                (method, with_body),
                "{status}"
            );
        }
        let put = hop("https://aem.example/a", Method::PUT, true);
        assert_eq!(follow(&put, 303, "/b", rules()).method, Method::GET);
        assert_eq!(follow(&put, 302, "/b", rules()).method, Method::PUT);
        let head = hop("https://aem.example/a", Method::HEAD, false);
        assert_eq!(follow(&head, 303, "/b", rules()).method, Method::HEAD);
    }

    #[test]
    fn refusals_name_the_status_and_a_redacted_location() {
        let post = hop("https://aem.example/a", Method::POST, true);
        let refused = |from: &Hop, status: u16, location: &str, rules: RedirectRules| {
            next_hop(
                from,
                StatusCode::from_u16(status).unwrap(),
                Some(&HeaderValue::from_str(location).unwrap()),
                rules,
                0,
            )
            .unwrap_err()
        };
        let data = refused(&post, 302, "data:text/plain,hi", rules());
        assert_eq!(data.reason, RefusalReason::NotHttp);
        let userinfo = refused(&post, 302, "https://u:pw-SECRET@x.example/", rules());
        assert_eq!(userinfo.reason, RefusalReason::UserInfo);
        assert!(!userinfo.to_string().contains("SECRET"), "{userinfo}");
        let streamed = refused(
            &post,
            307,
            "/b",
            RedirectRules {
                body_replayable: false,
                ..rules()
            },
        );
        assert_eq!(streamed.reason, RefusalReason::BodyNotReplayable);
        let ims = RedirectRules {
            body_is_credential: true,
            ..rules()
        };
        let elsewhere = refused(&post, 307, "https://evil.example/t?sig=S3CRET", ims);
        assert_eq!(elsewhere.reason, RefusalReason::CredentialBodyElsewhere);
        assert_eq!(
            elsewhere.to_string(),
            "a 307 redirect to https://evil.example/t?sig=REDACTED was not followed: the request's body holds credentials, which never go to another origin"
        );
        assert_eq!(follow(&post, 307, "/same", ims).method, Method::POST);
        let error_mode = RedirectRules {
            mode: RedirectMode::Error,
            ..rules()
        };
        assert_eq!(
            refused(&post, 302, "/b", error_mode).reason,
            RefusalReason::ModeError
        );
        let too_many = next_hop(
            &post,
            StatusCode::FOUND,
            Some(&HeaderValue::from_static("/b")),
            rules(),
            MAX_REDIRECTS,
        )
        .unwrap_err();
        assert_eq!(too_many.reason, RefusalReason::TooMany);
    }

    #[test]
    fn answers_that_are_not_redirects_to_follow_are_the_answer() {
        let get = hop("https://aem.example/a", Method::GET, false);
        let location = HeaderValue::from_static("/b");
        for (status, location) in [(200, Some(&location)), (302, None), (304, Some(&location))] {
            assert!(matches!(
                next_hop(
                    &get,
                    StatusCode::from_u16(status).unwrap(),
                    location,
                    rules(),
                    0
                ),
                Ok(Next::Answer)
            ));
        }
        let manual = RedirectRules {
            mode: RedirectMode::Manual,
            ..rules()
        };
        assert!(matches!(
            next_hop(&get, StatusCode::FOUND, Some(&location), manual, 0),
            Ok(Next::Answer)
        ));
    }

    #[test]
    fn paths_of_an_apps_fetch_stay_paths() {
        let from = Hop {
            url: Target::Relative("/graphql/execute.json/a/b".into()),
            method: Method::GET,
            with_body: false,
            credentialed: true,
        };
        let next = follow(
            &from,
            302,
            "c?x=1",
            RedirectRules {
                mode: RedirectMode::Follow,
                body_replayable: true,
                body_is_credential: false,
            },
        );
        assert_eq!(url_of(&next), "/graphql/execute.json/a/c?x=1");
        assert!(next.credentialed);
        let away = follow(
            &from,
            302,
            "https://x.example/",
            RedirectRules {
                mode: RedirectMode::Follow,
                body_replayable: true,
                body_is_credential: false,
            },
        );
        assert!(!away.credentialed);
    }
}
