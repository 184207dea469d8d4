//! Retries: which failures are retried, full-jitter exponential backoff, and `Retry-After`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, Response, StatusCode};

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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub const NONE: Self = Self {
        max_retries: 0,
        initial_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_retry_after: Duration::ZERO,
    };

    /// The wait before retry number `retry` (0 for the first): `retry_after` when the server
    /// sent one (up to `max_retry_after`), else a uniformly random time up to
    /// `min(max_delay, initial_delay * 2^retry)` ("full jitter").
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let ceiling = self
            .initial_delay
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        ceiling.mul_f64(random_unit())
    }
}

/// Whether a status is worth retrying: 429 and every 5xx.
pub fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// Whether a transport error is worth retrying. A connection that failed before anything was
/// sent always is; anything else only for requests that are safe to repeat.
pub fn is_retryable_error(error: &reqwest::Error, repeatable: bool) -> bool {
    if error.is_connect() {
        return true;
    }
    repeatable && (error.is_request() || error.is_body() || error.is_decode())
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP date.
pub fn retry_after(response: &Response, now: SystemTime) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The outcome of [`send`]: the last response or transport error, and how many attempts it took.
pub struct Sent {
    /// The response (possibly a retryable status when retries ran out) or the transport error.
    pub result: Result<Response, reqwest::Error>,
    /// Attempts made, at least 1.
    pub attempts: u32,
}

/// Sends the request `build` makes, retrying connection errors, 429 and 5xx as `policy` allows.
/// `repeatable` says whether the request may be sent again after it may have reached the
/// server (false for a non-idempotent PUT). A retry whose wait would end after `deadline` is not
/// made: the last answer is returned instead. `counter` follows the attempts as they start, for
/// a caller whose own timeout may end this future early.
pub async fn send(
    policy: &RetryPolicy,
    repeatable: bool,
    deadline: Instant,
    counter: &AtomicU32,
    build: impl Fn() -> RequestBuilder,
) -> Sent {
    let mut attempts = 0;
    loop {
        attempts += 1;
        counter.store(attempts, Ordering::Relaxed);
        let may_retry = attempts <= policy.max_retries;
        let result = build().send().await;
        let wait = match &result {
            Ok(response) if may_retry && repeatable && is_retryable_status(response.status()) => {
                policy.delay(attempts - 1, retry_after(response, SystemTime::now()))
            }
            Err(error) if may_retry && is_retryable_error(error, repeatable) => {
                policy.delay(attempts - 1, None)
            }
            _ => return Sent { result, attempts },
        };
        if Instant::now() + wait >= deadline {
            return Sent { result, attempts };
        }
        drop(result);
        tokio::time::sleep(wait).await;
    }
}

/// A number in [0, 1) from the system's secure random source (0.5 if it fails).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP dates take.
fn parse_http_date(text: &str) -> Option<SystemTime> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts
        .next()?
        .parse()
        .ok()
        .filter(|y| (1970..=9999).contains(y))?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * i64::from(mo) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days)
        .ok()?
        .checked_mul(86_400)?
        .checked_add(h * 3600 + m * 60 + s)?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn parses_http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(784_111_777))
        );
        assert_eq!(
            parse_http_date("Thu, 26 Nov 2026 16:00:00 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(1_795_708_800))
        );
        for bad in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 300000000000 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
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
