//! The request loop under every request of the core (AEM's APIs, GraphQL, IMS, `authFetch`):
//! one hop at a time through a [`Transport`], redirects by [`redirect::next_hop`], credentials
//! only while every hop is on their origin, retries by [`retry::wait_before_retry`], all of it
//! within one timeout, and a transport's failure with the request's secrets taken out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{Method, Url};
use tokio::time::Instant;

use super::failure::{FetchFailure, TransportError};
use super::redact::Secrets;
use super::redirect::{self, Hop, Next, RedirectMode, RedirectRefusal, RedirectRules};
use super::retry::{AttemptEnd, RetryPolicy, is_retryable_error, wait_before_retry};
use super::transport::{Body, BodyRead, Incoming, Outgoing, Target, Transport};
use crate::error::Error;

/// A request as its caller gives it: what every hop carries, and what only hops on the credential
/// origin carry. `Debug` shows no header value and no body.
#[derive(Clone)]
pub struct Request {
    /// The method of the first hop.
    pub method: Method,
    /// Where the first hop goes.
    pub url: Target,
    /// Headers every hop carries (`Content-Type`, the trace context, a call's own headers but
    /// its credentials).
    pub headers: HeaderMap,
    /// Headers only hops on the credential origin carry, over `headers`: `Authorization`,
    /// `X-Api-Key`, `Cookie`, and the client's own headers.
    pub credentials: HeaderMap,
    /// Where the credentials belong: any URL of their origin (AEM's, or IMS's).
    pub credential_origin: Option<Arc<Url>>,
    /// The body of the first hop.
    pub body: Option<Body>,
    /// Whether the body can be sent again, for a retry or a 307 (a text always can).
    pub body_replayable: bool,
    /// The fields of a form body that are credentials (`client_secret`, `jwt_token` at IMS):
    /// such a body never goes to another origin, and its values are kept out of messages.
    pub secret_fields: &'static [&'static str],
    /// What a redirect does.
    pub redirect: RedirectMode,
    /// What becomes of the answer's body.
    pub read: BodyRead,
    /// The id of fetch options the JavaScript side holds for the request (see [`Outgoing`]).
    pub init: Option<u32>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field(
                "credential_names",
                &self.credentials.keys().collect::<Vec<_>>(),
            )
            .field("body", &self.body)
            .field("redirect", &self.redirect)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// Every header of a credentialed hop: `headers` with the credentials over them.
    fn with_credentials(&self) -> HeaderMap {
        let mut headers = self.headers.clone();
        headers.extend(self.credentials.clone());
        headers
    }

    /// The headers of `hop`, from `credentialed` (this request's [`Request::with_credentials`]):
    /// those while it is credentialed, else every hop's. A hop that lost its body to a redirect
    /// loses the body's headers too.
    fn headers_of(&self, hop: &Hop, credentialed: &HeaderMap) -> HeaderMap {
        let mut headers = if hop.credentialed {
            credentialed.clone()
        } else {
            self.headers.clone()
        };
        if !hop.with_body && self.body.is_some() {
            headers.remove(CONTENT_TYPE);
            headers.remove(CONTENT_LENGTH);
        }
        headers
    }

    /// The secrets of what `hop` sent (`headers`), for a failure's message.
    fn secrets_of(&self, hop: &Hop, headers: &HeaderMap) -> Secrets {
        let body = match (&self.body, hop.with_body) {
            (Some(Body::Text(text)), true) => Some(text.as_str()),
            _ => None,
        };
        Secrets::of(headers, body, self.secret_fields)
    }
}

/// How one request is tried: the retry policy, whether it may be sent again after it may have
/// reached the server (false for a non-idempotent PUT), the timeout over every attempt and the
/// waits between them, and the connect timeout of each connection opened.
#[derive(Debug, Clone, Copy)]
pub struct Attempts<'a> {
    /// Which failures are retried, and the backoff.
    pub policy: &'a RetryPolicy,
    /// Whether the request may be repeated after it may have reached the server.
    pub repeatable: bool,
    /// The longest the whole request may take, `turn` and retries included.
    pub timeout: Duration,
    /// Whether the timeout runs on the transport's clock, as the retry waits do (one the app
    /// set: a test runner's fake timers move it), or on the real clock (a default: Adobe's client
    /// has no timeout, and a test's fake clock sees only the waits Adobe's client makes).
    pub timeout_on_transport_clock: bool,
    /// The longest opening one connection may take.
    pub connect_timeout: Duration,
}

/// The answer a request ended with.
#[derive(Debug)]
pub struct Answer {
    /// The answer, its body not read yet.
    pub incoming: Incoming,
    /// The URL that answered.
    pub url: Target,
    /// Whether redirects led there.
    pub redirected: bool,
    /// Whether the credentials went to it: it is on their origin, as every hop before it.
    pub credentialed: bool,
}

/// Why a request ended without an answer.
#[derive(Debug)]
pub enum HopFailure {
    /// The transport failed (its message without the request's secrets).
    Transport(TransportError),
    /// A redirect that the rules do not follow.
    Redirect(RedirectRefusal),
}

/// Sends `request` through `transport`: hop by hop, following redirects, retrying connection
/// errors, 429 and 5xx as the policy allows, and reads the answer it ends with by `read`. `turn`
/// is awaited first (a concurrency permit, held until the answer is read); waiting for it counts
/// towards the timeout. A retry whose wait would end after the deadline is not made: the last
/// answer is read instead. Every failure is an [`Error::Attempted`] that says how many requests
/// were sent; running out of time gives `read`'s error for `timed_out(timeout)`. A transport that
/// retries by itself (an app's `fetch`) gets one attempt per hop: nothing is retried twice over.
pub async fn send<T, G, Fut>(
    transport: &Transport,
    request: &Request,
    attempts: Attempts<'_>,
    turn: impl Future<Output = G>,
    read: impl FnOnce(Result<Answer, HopFailure>) -> Fut,
    timed_out: impl FnOnce(Duration) -> Error,
) -> Result<(T, u32), Error>
where
    Fut: Future<Output = Result<T, Error>>,
{
    let Attempts {
        policy,
        repeatable,
        timeout,
        timeout_on_transport_clock,
        connect_timeout,
    } = attempts;
    // Through a `fetch` (the path a test runner's requests take) the waits are Adobe's client's,
    // without jitter, so that a test's fake clock moved by them finds the retry there.
    let policy = &RetryPolicy {
        jitter: policy.jitter && matches!(transport, Transport::Native(_)),
        ..*policy
    };
    let deadline = deadline_after(timeout);
    let max_retries = if transport.retries_itself() {
        0
    } else {
        policy.max_retries
    };
    let rules = RedirectRules {
        mode: request.redirect,
        body_replayable: request.body_replayable,
        body_is_credential: !request.secret_fields.is_empty(),
    };
    // Counts the requests as they start, for the error when the deadline ends this early.
    let sent = AtomicU32::new(0);
    let run = async {
        let _turn = turn.await;
        let credentialed = request.with_credentials();
        let mut hop = Hop {
            credentialed: redirect::credentials_go_to(
                &request.url,
                request.credential_origin.as_deref(),
            ),
            url: request.url.clone(),
            method: request.method.clone(),
            with_body: request.body.is_some(),
        };
        let mut redirects = 0;
        let mut made_on_hop = 0;
        let ended = loop {
            made_on_hop += 1;
            // A body streamed once is not sent again, whatever happens to this hop.
            let hop_retries = if hop.with_body && !request.body_replayable {
                0
            } else {
                max_retries
            };
            sent.fetch_add(1, Ordering::Relaxed);
            let outgoing = Outgoing {
                method: hop.method.clone(),
                url: hop.url.clone(),
                headers: request.headers_of(&hop, &credentialed),
                body: if hop.with_body {
                    request.body.clone()
                } else {
                    None
                },
                read: request.read,
                init: request.init,
            };
            let wait = match transport.send(outgoing, connect_timeout, policy).await {
                Err(error) => {
                    let retryable = is_retryable_error(&error, repeatable);
                    let wait = wait_before_retry(
                        policy,
                        made_on_hop,
                        hop_retries,
                        repeatable,
                        AttemptEnd::Failed { retryable },
                    );
                    match wait.filter(|wait| in_time(*wait, deadline)) {
                        Some(wait) => wait,
                        None => {
                            let sent = request.headers_of(&hop, &credentialed);
                            let error = without_secrets(error, &request.secrets_of(&hop, &sent));
                            break Err(HopFailure::Transport(error));
                        }
                    }
                }
                Ok(incoming) => {
                    let status = incoming.status();
                    let location = incoming.headers().get(LOCATION);
                    match redirect::next_hop(&hop, status, location, rules, redirects) {
                        Err(refusal) => break Err(HopFailure::Redirect(refusal)),
                        Ok(Next::Follow(next)) => {
                            drop(incoming);
                            hop = next;
                            redirects += 1;
                            made_on_hop = 0;
                            continue;
                        }
                        Ok(Next::Answer) => {}
                    }
                    let retry_after = incoming
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|value| value.to_str().ok());
                    let wait = wait_before_retry(
                        policy,
                        made_on_hop,
                        hop_retries,
                        repeatable,
                        AttemptEnd::Answered {
                            status,
                            retry_after,
                        },
                    );
                    match wait.filter(|wait| in_time(*wait, deadline)) {
                        Some(wait) => wait,
                        None => {
                            break Ok(Answer {
                                incoming,
                                url: hop.url,
                                redirected: redirects > 0,
                                credentialed: hop.credentialed,
                            });
                        }
                    }
                }
            };
            transport.sleep(wait).await;
        };
        let made = sent.load(Ordering::Relaxed);
        match read(ended).await {
            Ok(value) => Ok((value, made)),
            Err(error) => Err(Error::Attempted {
                attempts: made,
                source: Box::new(error),
            }),
        }
    };
    if deadline.is_none() {
        return run.await;
    }
    let run = std::pin::pin!(run);
    let expired = transport.wait(timeout, timeout_on_transport_clock);
    match futures_util::future::select(run, expired).await {
        futures_util::future::Either::Left((result, _)) => result,
        futures_util::future::Either::Right(_) => Err(Error::Attempted {
            attempts: sent.load(Ordering::Relaxed),
            source: Box::new(timed_out(timeout)),
        }),
    }
}

/// The instant `timeout` from now; `None` when it is too far to count (no deadline then).
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Whether a wait of `wait` ends before the deadline.
fn in_time(wait: Duration, deadline: Option<Instant>) -> bool {
    match (deadline, Instant::now().checked_add(wait)) {
        (None, _) => true,
        (Some(deadline), Some(end)) => end < deadline,
        (Some(_), None) => false,
    }
}

/// A transport's failure whose message holds none of `secrets` (nock quotes a request it does not
/// know whole, `Authorization` included).
fn without_secrets(error: TransportError, secrets: &Secrets) -> TransportError {
    match error {
        TransportError::Fetch(failure) => TransportError::Fetch(FetchFailure {
            message: secrets.redact(&failure.message),
            kind: failure.kind,
            cause: failure.cause.map(|cause| secrets.redact(&cause)),
        }),
        native @ TransportError::Native(_) => native.redacted(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::transport::{Fetch, FetchRequest, FetchedBody, FetchedResponse, HeldBody};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};

    /// A scripted answer: the URL it answers, its status and headers.
    type ScriptedAnswer = (String, u16, Vec<(String, String)>);

    /// A `fetch` that answers from a script, by URL, and records every hop it was given.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<Vec<ScriptedAnswer>>,
        seen: Mutex<Vec<FetchRequest>>,
        released: Mutex<Vec<u32>>,
    }

    impl Scripted {
        fn answer(&self, url: &str, status: u16, headers: &[(&str, &str)]) {
            self.answers.lock().unwrap().push((
                url.to_owned(),
                status,
                headers
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
            ));
        }
    }

    impl Fetch for Scripted {
        fn fetch(
            &self,
            request: FetchRequest,
        ) -> Pin<Box<dyn Future<Output = Result<FetchedResponse, FetchFailure>> + Send>> {
            let mut answers = self.answers.lock().unwrap();
            let at = answers.iter().position(|(url, _, _)| *url == request.url);
            let answer = at.map(|at| answers.remove(at));
            // As nock does, a request nothing answers is quoted whole, its headers included.
            let unmatched = format!("no answer for {} {:?}", request.url, request.headers);
            self.seen.lock().unwrap().push(request.clone());
            let body = match request.read {
                BodyRead::UpTo(_) => FetchedBody::Read(b"{}".to_vec()),
                BodyRead::Hold => FetchedBody::Held(self.seen.lock().unwrap().len() as u32),
            };
            Box::pin(async move {
                match answer {
                    Some((_, status, headers)) => {
                        Ok(FetchedResponse::new(status, &headers, body).unwrap())
                    }
                    None => Err(FetchFailure {
                        message: unmatched,
                        kind: crate::http::failure::FetchFailureKind::Connect,
                        cause: None,
                    }),
                }
            })
        }

        fn read(
            &self,
            _id: u32,
            _limit: u64,
            _keep: bool,
        ) -> Pin<Box<dyn Future<Output = Result<FetchedBody, FetchFailure>> + Send>> {
            Box::pin(async { Ok(FetchedBody::Read(Vec::new())) })
        }

        fn release(&self, id: u32) {
            self.released.lock().unwrap().push(id);
        }

        fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
            Box::pin(tokio::time::sleep(duration))
        }

        fn retries_itself(&self) -> bool {
            false
        }
    }

    fn request(url: &str, origin: &str) -> Request {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        let mut credentials = HeaderMap::new();
        credentials.insert("authorization", "Bearer T-SECRET".parse().unwrap());
        credentials.insert("x-api-key", "K-SECRET".parse().unwrap());
        credentials.insert("x-app", "A-SECRET".parse().unwrap());
        Request {
            method: Method::POST,
            url: Target::Absolute(url.parse().unwrap()),
            headers,
            credentials,
            credential_origin: Some(Arc::new(Url::parse(origin).unwrap())),
            body: Some(Body::Text("{\"q\":1}".into())),
            body_replayable: true,
            secret_fields: &[],
            redirect: RedirectMode::Follow,
            read: BodyRead::UpTo(1024),
            init: None,
        }
    }

    async fn run(fetch: &Arc<Scripted>, request: &Request) -> Result<(Answer, u32), Error> {
        let transport = Transport::Fetch(Arc::clone(fetch) as Arc<dyn Fetch>);
        let policy = RetryPolicy {
            max_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        let attempts = Attempts {
            policy: &policy,
            repeatable: true,
            timeout: Duration::from_secs(5),
            timeout_on_transport_clock: false,
            connect_timeout: Duration::from_secs(5),
        };
        send(
            &transport,
            request,
            attempts,
            std::future::ready(()),
            |ended| async {
                ended.map_err(|failure| match failure {
                    HopFailure::Transport(source) => Error::Request { source },
                    HopFailure::Redirect(refusal) => Error::Redirected {
                        status: refusal.status,
                        reason: refusal.to_string(),
                    },
                })
            },
            |after| Error::Timeout { after },
        )
        .await
    }

    fn names(request: &FetchRequest) -> Vec<&str> {
        let mut names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }

    #[tokio::test]
    async fn credentials_go_to_their_origin_only_and_never_come_back() {
        let fetch = Arc::new(Scripted::default());
        fetch.answer("https://aem.example/a", 307, &[("location", "/b")]);
        fetch.answer(
            "https://aem.example/b",
            307,
            &[("location", "https://cdn.example/c")],
        );
        fetch.answer(
            "https://cdn.example/c",
            302,
            &[("location", "https://aem.example/d")],
        );
        fetch.answer("https://aem.example/d", 200, &[]);
        let (answer, sent) = run(
            &fetch,
            &request("https://aem.example/a", "https://aem.example"),
        )
        .await
        .unwrap();
        assert_eq!(sent, 4);
        assert!(answer.redirected && !answer.credentialed);
        assert_eq!(answer.url.as_str(), "https://aem.example/d");
        let seen = fetch.seen.lock().unwrap();
        let credentialed = ["authorization", "content-type", "x-api-key", "x-app"];
        assert_eq!(names(&seen[0]), credentialed);
        assert_eq!(names(&seen[1]), credentialed, "307 within the origin");
        assert_eq!(seen[1].method, "POST");
        assert!(matches!(&seen[1].body, Some(Body::Text(text)) if text == "{\"q\":1}"));
        assert_eq!(names(&seen[2]), ["content-type"], "another origin");
        assert_eq!(seen[3].method, "GET", "a 302 after a POST is a GET");
        assert!(
            names(&seen[3]).is_empty(),
            "back on AEM: no credential, no body type"
        );
    }

    #[tokio::test]
    async fn a_credential_body_never_leaves_its_origin() {
        let fetch = Arc::new(Scripted::default());
        fetch.answer(
            "https://ims.example/ims/token/v3",
            307,
            &[("location", "https://evil.example/steal")],
        );
        let mut ims = request("https://ims.example/ims/token/v3", "https://ims.example");
        ims.body = Some(Body::Text("client_secret=S3CRET".into()));
        ims.secret_fields = &["client_secret"];
        let error = run(&fetch, &ims).await.unwrap_err();
        assert!(
            error.to_string().contains("never go to another origin"),
            "{error}"
        );
        assert_eq!(
            fetch.seen.lock().unwrap().len(),
            1,
            "nothing went to evil.example"
        );
    }

    #[tokio::test]
    async fn retries_and_held_bodies_are_let_go_of_between_hops() {
        let fetch = Arc::new(Scripted::default());
        fetch.answer("https://aem.example/a", 503, &[("retry-after", "0")]);
        fetch.answer("https://aem.example/a", 302, &[("location", "/b")]);
        fetch.answer("https://aem.example/b", 200, &[]);
        let mut held = request("https://aem.example/a", "https://aem.example");
        held.method = Method::GET;
        held.body = None;
        held.read = BodyRead::Hold;
        let (answer, sent) = run(&fetch, &held).await.unwrap();
        assert_eq!(sent, 3);
        assert_eq!(
            answer.incoming.into_held().map(HeldBody::hand_over),
            Some(3)
        );
        assert_eq!(
            *fetch.released.lock().unwrap(),
            [1, 2],
            "the 503's and the 302's bodies"
        );
    }

    #[tokio::test]
    async fn a_streamed_body_is_sent_once() {
        let fetch = Arc::new(Scripted::default());
        fetch.answer("https://aem.example/a", 503, &[]);
        let mut streamed = request("https://aem.example/a", "https://aem.example");
        streamed.body = Some(Body::Held(9));
        streamed.body_replayable = false;
        let (answer, sent) = run(&fetch, &streamed).await.unwrap();
        assert_eq!((answer.incoming.status().as_u16(), sent), (503, 1));
        fetch.answer("https://aem.example/a", 307, &[("location", "/b")]);
        let error = run(&fetch, &streamed).await.unwrap_err();
        assert!(
            error.to_string().contains("cannot be sent again"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn failures_lose_the_requests_secrets() {
        let fetch = Arc::new(Scripted::default());
        // No answer scripted: every attempt fails, and the message quotes nothing of the request.
        let error = run(
            &fetch,
            &request("https://aem.example/a", "https://aem.example"),
        )
        .await
        .unwrap_err();
        assert_eq!(
            fetch.seen.lock().unwrap().len(),
            4,
            "a connection never made is retried"
        );
        let message = error.to_string();
        assert!(
            message.contains("no answer for https://aem.example/a"),
            "{message}"
        );
        assert!(!message.contains("SECRET"), "{message}");
    }
}
