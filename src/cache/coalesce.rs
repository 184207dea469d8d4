//! Coalescing of identical in-flight requests: callers that ask for a key while a request for it
//! is in flight wait for that request's outcome instead of sending their own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

type Flights<T> = Mutex<HashMap<String, Arc<OnceCell<T>>>>;

/// The requests in flight, by key, each with the cell its outcome lands in.
pub struct Coalescer<T> {
    flights: Flights<T>,
}

impl<T> std::fmt::Debug for Coalescer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescer")
            .field(
                "in_flight",
                &self
                    .flights
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .len(),
            )
            .finish()
    }
}

impl<T> Default for Coalescer<T> {
    fn default() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Coalescer<T> {
    /// Runs `work` for `key`, or joins the run already in flight for it and returns a copy of
    /// its outcome. When the caller running `work` is dropped (cancelled) before it finishes,
    /// one of the callers still waiting runs its own `work` instead, so a cancelled caller
    /// never cancels the others. Once a run finishes, the next caller for `key` starts anew.
    pub async fn run<F, Fut>(&self, key: &str, work: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let flight = Arc::clone(self.lock().entry(key.to_owned()).or_default());
        let _leave = Leave {
            flights: &self.flights,
            key,
            flight: &flight,
        };
        flight.get_or_init(work).await.clone()
    }

    /// How many distinct keys are in flight.
    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<OnceCell<T>>>> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes a flight from the map when its outcome is in, or when its last caller leaves
/// without one, so that the map holds only requests still in flight.
struct Leave<'a, T> {
    flights: &'a Flights<T>,
    key: &'a str,
    flight: &'a Arc<OnceCell<T>>,
}

impl<T> Drop for Leave<'_, T> {
    fn drop(&mut self) {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        let ours = flights
            .get(self.key)
            .is_some_and(|current| Arc::ptr_eq(current, self.flight));
        // The map holds one reference and this caller another: 2 means no one else waits.
        if ours && (self.flight.initialized() || Arc::strong_count(self.flight) <= 2) {
            flights.remove(self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_share_one_run() {
        let coalescer = Coalescer::<u32>::default();
        let runs = AtomicU32::new(0);
        let work = || async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            runs.fetch_add(1, Ordering::SeqCst) + 100
        };
        let outcomes =
            futures_util::future::join_all((0..50).map(|_| coalescer.run("k", work))).await;
        assert!(outcomes.iter().all(|v| *v == 100));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(coalescer.in_flight(), 0);
        // A finished run is not reused: the next caller runs again.
        assert_eq!(coalescer.run("k", work).await, 101);
        // Other keys run on their own.
        let (a, b) = tokio::join!(coalescer.run("a", work), coalescer.run("b", work));
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_cancelled_runner_hands_over_to_a_waiter() {
        let coalescer = Coalescer::<&'static str>::default();
        let leader = coalescer.run("k", || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "leader"
        });
        let follower = coalescer.run("k", || async { "follower" });
        let outcome = tokio::select! {
            biased;
            () = async {
                // Both are polled once, then the leader is dropped (timed out).
                let _ = tokio::time::timeout(Duration::from_millis(10), leader).await;
                std::future::pending::<()>().await
            } => unreachable!(),
            outcome = follower => outcome,
        };
        assert_eq!(outcome, "follower");
        assert_eq!(coalescer.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_caller_that_leaves_alone_leaves_nothing_behind() {
        let coalescer = Coalescer::<u32>::default();
        let run = coalescer.run("k", std::future::pending::<u32>);
        assert!(
            tokio::time::timeout(Duration::from_millis(5), run)
                .await
                .is_err()
        );
        assert_eq!(coalescer.in_flight(), 0);
    }
}
