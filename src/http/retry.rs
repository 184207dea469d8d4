//! Retries: which failures are retried, full-jitter exponential backoff, and `Retry-After`: the
//! one decision of every request loop ([`super::send`]).

use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use reqwest::StatusCode;

use super::failure::TransportError;

/// How failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 3.
    pub max_retries: u32,
    /// The backoff ceiling of the first retry; it doubles with each retry. Default 100 ms.
    pub initial_delay: Duration,
    /// The largest backoff ceiling. Default 5 s.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one is cut to this. Default 30 s.
    pub max_retry_after: Duration,
    /// Whether the backoff is a random time up to its ceiling ("full jitter", the default), or
    /// the ceiling itself, as Adobe's client waits (100, 200, 400 ms): what a test that moves a
    /// fake clock by Adobe's waits expects.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first): `retry_after` when the server
    /// sent one (up to `max_retry_after`), else a uniformly random time up to
    /// `min(max_delay, initial_delay * 2^retry)` ("full jitter"), or that ceiling without
    /// `jitter`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let ceiling = self
            .initial_delay
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        if self.jitter {
            ceiling.mul_f64(random_unit())
        } else {
            ceiling
        }
    }
}

/// Whether a status is worth retrying: 429 and every 5xx.
pub fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// Whether a transport error is worth retrying. A refused server certificate never is: nothing
/// about it is transient. A connection that failed before anything was sent always is; anything
/// else only for requests that are safe to repeat.
pub fn is_retryable_error(error: &TransportError, repeatable: bool) -> bool {
    match error {
        TransportError::Native(error) => {
            if super::tls::certificate_error(error).is_some() {
                return false;
            }
            if error.is_connect() {
                return true;
            }
            repeatable && (error.is_request() || error.is_body() || error.is_decode())
        }
        TransportError::Fetch(failure) => failure.kind.retryable(repeatable),
    }
}

/// How one attempt ended, as far as sending it again goes.
#[derive(Debug, Clone, Copy)]
pub enum AttemptEnd<'a> {
    /// An answer came, with this status and `Retry-After` value.
    Answered {
        /// The answer's status.
        status: StatusCode,
        /// The answer's `Retry-After`, as sent.
        retry_after: Option<&'a str>,
    },
    /// No answer came; `retryable` says whether the failure may be retried
    /// ([`is_retryable_error`]).
    Failed {
        /// Whether the failure may be retried.
        retryable: bool,
    },
}

/// The one retry decision of every request loop: the wait before attempt `made + 1`, or `None`
/// when attempt `made` (from 1) is the last. A retryable status (429, 5xx) is retried only for a
/// `repeatable` request, after its `Retry-After` when it has one; a retryable failure after the
/// backoff; never more than `max_retries` times.
pub fn wait_before_retry(
    policy: &RetryPolicy,
    made: u32,
    max_retries: u32,
    repeatable: bool,
    ended: AttemptEnd<'_>,
) -> Option<Duration> {
    if made > max_retries {
        return None;
    }
    match ended {
        AttemptEnd::Answered {
            status,
            retry_after,
        } if repeatable && is_retryable_status(status) => Some(policy.delay(
            made - 1,
            retry_after.and_then(|value| retry_after_value(value, SystemTime::now())),
        )),
        AttemptEnd::Failed { retryable: true } => Some(policy.delay(made - 1, None)),
        _ => None,
    }
}

/// Whether a method is idempotent (RFC 9110 §9.2.2), so that a request with it may be sent
/// again after it may have reached the server.
pub fn is_idempotent(method: &reqwest::Method) -> bool {
    use reqwest::Method;
    [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(method)
}

/// The wait a `Retry-After` value asks for: delay-seconds or an HTTP date in any of the three
/// forms RFC 9110 §5.6.7 has recipients accept (IMF-fixdate, RFC 850, asctime).
pub fn retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in [0, 1) from the system's secure random source (0.5 if it fails).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_capped_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 0..10 {
            let ceiling =
                (Duration::from_millis(100) * 2u32.pow(retry)).min(Duration::from_secs(5));
            for _ in 0..50 {
                assert!(policy.delay(retry, None) <= ceiling);
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| policy.delay(3, None)).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_all_three_http_date_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777 - 90);
        assert_eq!(retry_after_value(" 7 ", now), Some(Duration::from_secs(7)));
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                retry_after_value(date, now),
                Some(Duration::from_secs(90)),
                "{date}"
            );
        }
        let later = UNIX_EPOCH + Duration::from_secs(784_111_777 + 5);
        assert_eq!(
            retry_after_value("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        for bad in ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 CET", "-3"] {
            assert_eq!(retry_after_value(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn one_decision_for_answers_and_failures() {
        let policy = RetryPolicy {
            max_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        let answered = |status: u16, retry_after| AttemptEnd::Answered {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after,
        };
        let wait = |made, repeatable, ended| wait_before_retry(&policy, made, 3, repeatable, ended);
        assert_eq!(
            wait(1, true, answered(503, Some("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(wait(1, true, answered(429, None)), Some(Duration::ZERO));
        assert_eq!(
            wait(1, false, answered(503, Some("2"))),
            None,
            "not repeatable"
        );
        assert_eq!(
            wait(1, true, answered(404, Some("2"))),
            None,
            "not retryable"
        );
        assert_eq!(wait(4, true, answered(503, None)), None, "out of retries");
        assert_eq!(wait(3, true, answered(503, None)), Some(Duration::ZERO));
        assert_eq!(
            wait(1, false, AttemptEnd::Failed { retryable: true }),
            Some(Duration::ZERO)
        );
        assert_eq!(wait(1, true, AttemptEnd::Failed { retryable: false }), None);
    }

    #[test]
    fn idempotent_methods() {
        use reqwest::Method;
        for method in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(is_idempotent(&method), "{method}");
        }
        for method in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!is_idempotent(&method), "{method}");
        }
    }

    #[test]
    fn retryable_statuses() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(status).unwrap()));
        }
        for status in [200, 400, 401, 403, 404, 409] {
            assert!(!is_retryable_status(StatusCode::from_u16(status).unwrap()));
        }
    }
}
