//! A request body read from a file as it is sent: a byte range of a file on disk, streamed in
//! chunks, so that a part of an upload is never whole in memory and can be sent again (a retry
//! opens the range anew).

use std::fmt;
use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, Stream};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// How much of the file is read at a time.
const CHUNK_BYTES: usize = 256 * 1024;

/// `len` bytes of the file at `path`, from `start`.
#[derive(Clone, PartialEq, Eq)]
pub struct FileRange {
    /// The file.
    pub path: Arc<PathBuf>,
    /// The first byte sent.
    pub start: u64,
    /// How many bytes are sent.
    pub len: u64,
}

impl fmt::Debug for FileRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileRange({} bytes at {})", self.len, self.start)
    }
}

impl FileRange {
    /// The range's bytes, chunk by chunk; a file that ends before the range does is an error.
    pub fn stream(&self) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
        let path = Arc::clone(&self.path);
        let start = self.start;
        let state = (None::<tokio::fs::File>, self.len);
        stream::try_unfold(state, move |(file, left)| {
            let path = Arc::clone(&path);
            async move {
                if left == 0 {
                    return Ok(None);
                }
                let mut file = match file {
                    Some(file) => file,
                    None => {
                        let mut file = tokio::fs::File::open(path.as_ref()).await?;
                        file.seek(SeekFrom::Start(start)).await?;
                        file
                    }
                };
                let want = usize::try_from(left)
                    .unwrap_or(CHUNK_BYTES)
                    .min(CHUNK_BYTES);
                let mut chunk = vec![0; want];
                let read = file.read(&mut chunk).await?;
                if read == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file became shorter while it was sent",
                    ));
                }
                chunk.truncate(read);
                Ok(Some((Bytes::from(chunk), (Some(file), left - read as u64))))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn streams_the_range_in_chunks_and_fails_past_the_end() {
        let dir = std::env::temp_dir().join(format!("file-body-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("range.bin");
        let bytes: Vec<u8> = (0..(CHUNK_BYTES * 2 + 10))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        let path = Arc::new(path);
        let range = FileRange {
            path: Arc::clone(&path),
            start: 5,
            len: (CHUNK_BYTES + 100) as u64,
        };
        let chunks: Vec<Bytes> = range.stream().try_collect().await.unwrap();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks.concat(), bytes[5..5 + CHUNK_BYTES + 100]);
        let empty = FileRange {
            path: Arc::clone(&path),
            start: 0,
            len: 0,
        };
        assert!(
            empty
                .stream()
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
                .is_empty()
        );
        let past = FileRange {
            path: Arc::clone(&path),
            start: bytes.len() as u64 - 3,
            len: 10,
        };
        let error = past.stream().try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(
            format!("{range:?}"),
            format!("FileRange({} bytes at 5)", CHUNK_BYTES + 100)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
