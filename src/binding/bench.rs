//! Measurements for `npm run bench`, of work that has no call of its own: the time to tag an
//! answer for invalidations ([`Tags::of`]), which a stored answer pays once and a cache hit never.

use std::time::Instant;

use napi_derive::napi;

use crate::cache::tags::Tags;

/// Tags `body` (an answer of the persisted query `query`) `rounds` times and returns the mean
/// nanoseconds of one, with how many paths and models one finds: `[nanos, paths, models]`.
#[napi(catch_unwind)]
pub fn measure_tagging(body: String, query: String, rounds: u32) -> Vec<f64> {
    let rounds = rounds.max(1);
    let started = Instant::now();
    let mut found = Tags::default();
    for _ in 0..rounds {
        found = std::hint::black_box(Tags::of(std::hint::black_box(&body), Some(&query), &[]));
    }
    let nanos = started.elapsed().as_nanos() as f64 / f64::from(rounds);
    vec![
        nanos,
        found.paths().count() as f64,
        found.models().count() as f64,
    ]
}
