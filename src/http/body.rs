//! Reading an answer's body from the native client, bounded as it streams.

use super::failure::TransportError;
use crate::error::{Error, Result};

/// Reads a response body, refusing more than `limit` bytes (after decompression) while it
/// streams, before it is all buffered.
pub async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>> {
    let status = response.status().as_u16();
    let too_large = || Error::BodyTooLarge { status, limit };
    let length = response.content_length();
    if length.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // Content-Length is a hint (it counts compressed bytes); it saves the regrowing of the
    // buffer for the usual uncompressed answer. At most 1 MiB is reserved up front.
    let reserve = length.map_or(0, |length| length.min(1024 * 1024));
    let mut body = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|source| Error::Request {
        source: TransportError::Native(source),
    })? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
