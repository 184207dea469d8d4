//! `TokenProvider`: an access token that manages itself. Cached, refreshed ahead of expiry,
//! fetched once however many callers ask at the same time, and never poisoned by a failed
//! refresh while the old token is still valid.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::transport::Transport;
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};
use reqwest::header::HeaderMap;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::ims::Exchange;
use crate::secret::Secret;
use crate::token::{AccessToken, fetch_token};

/// When to refresh: once `ratio` of the lifetime or `min_margin` is left, whichever comes
/// first, but never earlier than half-way through the lifetime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefreshPolicy {
    /// The share of the lifetime left at which to refresh. Default 0.1.
    pub ratio: f64,
    /// The time left at which to refresh at the latest. Default 5 minutes.
    pub min_margin: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            ratio: 0.1,
            min_margin: Duration::from_secs(5 * 60),
        }
    }
}

impl RefreshPolicy {
    /// When a token obtained at `obtained` and expiring at `expires_at` should be refreshed.
    pub fn refresh_at(&self, obtained: SystemTime, expires_at: SystemTime) -> SystemTime {
        let lifetime = expires_at
            .duration_since(obtained)
            .unwrap_or(Duration::ZERO);
        let ratio = if self.ratio.is_finite() {
            self.ratio.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let margin = lifetime
            .mul_f64(ratio)
            .max(self.min_margin)
            .min(lifetime / 2);
        expires_at - margin
    }
}

/// A cached token and when to refresh it.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The token for `Authorization: Bearer`.
    pub access_token: Secret,
    /// `bearer` from IMS, `Bearer` for a development token.
    pub token_type: String,
    /// When it expires.
    pub expires_at: SystemTime,
    /// When the provider fetches a new one.
    pub refresh_at: SystemTime,
}

impl CachedToken {
    fn is_valid(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }
}

/// A refreshed token, and how IMS answered when it was exchanged there.
type Refreshed = (CachedToken, Option<Exchange>);

type Flight = Shared<BoxFuture<'static, Result<Refreshed, Arc<Error>>>>;

#[derive(Default)]
struct State {
    token: Option<CachedToken>,
    flight: Option<Flight>,
    /// When the last refresh failed: while the old token is valid, the next refresh waits
    /// [`FAILED_REFRESH_PAUSE`] after it rather than asking IMS again at once.
    failed_at: Option<SystemTime>,
}

/// How long a provider that still holds a valid token waits after a failed refresh.
pub const FAILED_REFRESH_PAUSE: Duration = Duration::from_secs(5);

struct Inner {
    credentials: Arc<Credentials>,
    http: Transport,
    policy: RefreshPolicy,
    state: Mutex<State>,
}

/// A self-managing access token for one set of credentials. Cheap to clone; clones share the
/// cache.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenProvider")
            .field("identity", &self.inner.credentials.identity())
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for `credentials`, calling IMS through `http`.
    pub fn new(credentials: Arc<Credentials>, http: Transport, policy: RefreshPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                credentials,
                http,
                policy,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The credentials this provider exchanges.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// A valid token: the cached one until its refresh time; then a fresh one. While a refresh
    /// runs, callers get the old token if it is still valid; otherwise they all wait for that one
    /// refresh. A failed refresh leaves the old token in place; while it is valid, refreshes
    /// pause for [`FAILED_REFRESH_PAUSE`] after a failure, then the next call tries again.
    pub async fn access_token(&self) -> Result<CachedToken, Arc<Error>> {
        self.token(HeaderMap::new(), false)
            .await
            .map(|(token, _)| token)
    }

    /// [`TokenProvider::access_token`] for a caller that traces the exchange: when this call
    /// starts a refresh, `headers` (the trace context) go with the request to IMS, the call
    /// waits for that refresh even while the old token is still valid, and it gets how IMS
    /// answered. Other calls get `None` with their token.
    pub async fn access_token_traced(
        &self,
        headers: HeaderMap,
    ) -> Result<(CachedToken, Option<Exchange>), Arc<Error>> {
        self.token(headers, true).await
    }

    /// Whether the next call would start a refresh: no token due for one, no refresh under way,
    /// and no pause after a failed one.
    pub fn needs_refresh(&self) -> bool {
        let now = SystemTime::now();
        let state = self.lock();
        if state.flight.is_some() {
            return false;
        }
        match &state.token {
            None => true,
            Some(token) if now < token.refresh_at => false,
            Some(token) => !(token.is_valid(now) && Self::pausing(&state, now)),
        }
    }

    fn pausing(state: &State, now: SystemTime) -> bool {
        state
            .failed_at
            .and_then(|at| at.checked_add(FAILED_REFRESH_PAUSE))
            .is_some_and(|until| now < until)
    }

    async fn token(
        &self,
        headers: HeaderMap,
        traced: bool,
    ) -> Result<(CachedToken, Option<Exchange>), Arc<Error>> {
        let now = SystemTime::now();
        let (flight, fallback, started) = {
            let mut state = self.lock();
            if let Some(token) = &state.token
                && now < token.refresh_at
            {
                return Ok((token.clone(), None));
            }
            let fallback = state.token.clone().filter(|t| t.is_valid(now));
            let pausing = Self::pausing(&state, now);
            if let (Some(valid), true, None) = (&fallback, pausing, &state.flight) {
                return Ok((valid.clone(), None));
            }
            let started = state.flight.is_none();
            let flight = state
                .flight
                .get_or_insert_with(|| self.start_refresh(headers))
                .clone();
            (flight, fallback.filter(|_| !(traced && started)), started)
        };
        match fallback {
            Some(valid) => Ok((valid, None)),
            None => flight
                .await
                .map(|(token, exchange)| (token, exchange.filter(|_| started))),
        }
    }

    /// Forgets the cached token, so that the next call fetches a new one. With `token`, only if
    /// it is still the cached one (a stale 401 does not throw away a fresh token).
    pub fn invalidate(&self, token: Option<&str>) {
        let mut state = self.lock();
        let matches = match (&state.token, token) {
            (Some(cached), Some(used)) => cached.access_token.expose() == used,
            _ => true,
        };
        if matches {
            state.token = None;
        }
    }

    /// Starts one refresh on the runtime; it stores its result in the cache and clears itself.
    fn start_refresh(&self, headers: HeaderMap) -> Flight {
        let inner = Arc::clone(&self.inner);
        let task = tokio::spawn(async move {
            let obtained = SystemTime::now();
            let fetched = guarded(fetch_token(&inner.http, &inner.credentials, &headers)).await;
            let result = fetched
                .map(|token| {
                    let exchange = token.exchange;
                    (cached(token, obtained, &inner.policy), exchange)
                })
                .map_err(Arc::new);
            let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
            match &result {
                Ok((token, _)) => {
                    state.token = Some(token.clone());
                    state.failed_at = None;
                }
                Err(_) => state.failed_at = Some(SystemTime::now()),
            }
            state.flight = None;
            result
        });
        async move {
            task.await
                .unwrap_or_else(|_| Err(Arc::new(Error::RefreshFailed)))
        }
        .boxed()
        .shared()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs a refresh, turning a panic into [`Error::RefreshFailed`]: a panic in the fetch must not
/// leave its flight in place for ever, nor reach JavaScript as anything but a failed exchange.
async fn guarded<T>(refresh: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    AssertUnwindSafe(refresh)
        .catch_unwind()
        .await
        .unwrap_or(Err(Error::RefreshFailed))
}

fn cached(token: AccessToken, obtained: SystemTime, policy: &RefreshPolicy) -> CachedToken {
    let refresh_at = match token.raw {
        // A development token cannot be refreshed: use it until it expires.
        None => token.expires_at,
        Some(_) => policy.refresh_at(obtained, token.expires_at),
    };
    CachedToken {
        access_token: token.access_token,
        token_type: token.token_type,
        expires_at: token.expires_at,
        refresh_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    #[test]
    fn refreshes_at_ten_percent_or_five_minutes_left_whichever_comes_first() {
        let policy = RefreshPolicy::default();
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        // 24 h: 10 % (2.4 h) comes before 5 minutes.
        assert_eq!(policy.refresh_at(t0, t0 + DAY), t0 + DAY - DAY.mul_f64(0.1));
        // 20 minutes: 5 minutes left comes before 10 % (2 minutes).
        let twenty = Duration::from_secs(20 * 60);
        assert_eq!(
            policy.refresh_at(t0, t0 + twenty),
            t0 + twenty - Duration::from_secs(300)
        );
        // 6 seconds: never before half-way.
        let six = Duration::from_secs(6);
        assert_eq!(policy.refresh_at(t0, t0 + six), t0 + Duration::from_secs(3));
    }

    #[tokio::test]
    #[allow(clippy::panic, reason = "the test is about a refresh that panics")]
    async fn a_refresh_that_panics_is_an_exchange_token_error() {
        let err = guarded(async {
            panic!("boom");
            #[allow(unreachable_code)]
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(err.code().as_str(), "EXCHANGE_TOKEN_ERROR");
        assert_eq!(
            Error::RefreshFailed.code().as_str(),
            "EXCHANGE_TOKEN_ERROR",
            "a refresh task that cannot be joined"
        );
    }

    #[test]
    fn a_custom_policy_applies() {
        let policy = RefreshPolicy {
            ratio: 0.5,
            min_margin: Duration::ZERO,
        };
        let t0 = SystemTime::UNIX_EPOCH;
        assert_eq!(
            policy.refresh_at(t0, t0 + Duration::from_secs(100)),
            t0 + Duration::from_secs(50)
        );
    }
}
