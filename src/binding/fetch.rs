//! `FetchTransport`: a JavaScript `fetch` as the core's [`Transport`], for an app's own `fetch`
//! and for `transport: 'fetch'`. `lib/fetch-transport.js` makes the two functions it calls.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use napi::Status;
use napi::bindgen_prelude::{Function, FunctionRef, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::runtime;

use crate::transport::{
    Fetch, FetchFailure, FetchFailureKind, FetchRequest, FetchedResponse, Transport,
};

/// One request, as `send` takes it.
#[napi(object)]
pub struct FetchCall {
    /// Names this request for `cancel`.
    pub id: u32,
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Header names and values in turn: `[name1, value1, …]`.
    pub headers: Vec<String>,
    /// The body, if any.
    pub body: Option<String>,
    /// The call's retries, for a `fetch` that retries by itself (its third argument).
    pub max_retries: u32,
    /// The call's first backoff, in milliseconds, likewise.
    pub initial_delay_ms: f64,
}

/// What `send` resolves with: a response, or why there is none.
#[napi(object)]
pub struct FetchAnswer {
    /// The HTTP status, when a response came.
    pub status: Option<u32>,
    /// Response header names and values in turn.
    pub headers: Option<Vec<String>>,
    /// The body as text.
    pub body: Option<String>,
    /// Why no response came (secrets of the request are taken out by the core).
    pub error: Option<String>,
    /// `connect`, `request`, `timeout` or `answer` (see [`FetchFailureKind`]).
    pub failure: Option<String>,
}

type SendFunction =
    ThreadsafeFunction<FetchCall, Promise<FetchAnswer>, FetchCall, Status, false, true>;
type CancelFunction = ThreadsafeFunction<u32, (), u32, Status, false, true>;

struct Functions {
    /// `send`, callable from any thread.
    send: SendFunction,
    /// `send` itself, called directly on the JavaScript thread (see [`runtime::spawn_eager`]).
    send_now: FunctionRef<FetchCall, Promise<FetchAnswer>>,
    cancel: CancelFunction,
    retries_itself: bool,
    next_id: AtomicU32,
}

/// A `fetch` function as a transport that clients and token providers take.
#[napi]
pub struct FetchTransport {
    functions: Arc<Functions>,
}

#[napi]
impl FetchTransport {
    /// `send(call)` sends one request and resolves with a [`FetchAnswer`] (it never rejects);
    /// `cancel(id)` aborts a request the core gave up on (a timeout, an abort). With
    /// `retriesItself`, the core makes one attempt per call and leaves retries to the `fetch`.
    #[napi(
        constructor,
        ts_args_type = "send: (call: FetchCall) => Promise<FetchAnswer>, cancel: (id: number) => void, retriesItself: boolean"
    )]
    pub fn new(
        send: Function<FetchCall, Promise<FetchAnswer>>,
        cancel: Function<u32, ()>,
        retries_itself: bool,
    ) -> napi::Result<Self> {
        Ok(Self {
            functions: Arc::new(Functions {
                send: send
                    .build_threadsafe_function()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()?,
                send_now: send.create_ref()?,
                cancel: cancel
                    .build_threadsafe_function()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()?,
                retries_itself,
                next_id: AtomicU32::new(1),
            }),
        })
    }
}

impl Functions {
    /// Calls `send` on the JavaScript thread, when the request starts there; else `None`.
    fn send_now(&self, call: FetchCall) -> Result<napi::Result<Promise<FetchAnswer>>, FetchCall> {
        match runtime::eager_env() {
            Some(env) => Ok(self
                .send_now
                .borrow_back(&env)
                .and_then(|send| send.call(call))),
            None => Err(call),
        }
    }
}

impl FetchTransport {
    /// The core's transport over these functions.
    pub(crate) fn transport(&self) -> Transport {
        Transport::Fetch(Arc::new(JsFetch(Arc::clone(&self.functions))))
    }
}

struct JsFetch(Arc<Functions>);

/// Cancels a request in JavaScript when its future is dropped before the answer came.
struct CancelOnDrop {
    functions: Arc<Functions>,
    id: u32,
    answered: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.answered {
            let _ = self
                .functions
                .cancel
                .call(self.id, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

impl Fetch for JsFetch {
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> Pin<Box<dyn Future<Output = Result<FetchedResponse, FetchFailure>> + Send>> {
        let functions = Arc::clone(&self.0);
        Box::pin(async move {
            let id = functions.next_id.fetch_add(1, Ordering::Relaxed);
            let call = FetchCall {
                id,
                method: request.method,
                url: request.url,
                headers: request
                    .headers
                    .into_iter()
                    .flat_map(|(name, value)| [name, value])
                    .collect(),
                body: request.body,
                max_retries: request.retry.max_retries,
                initial_delay_ms: request.retry.initial_delay.as_secs_f64() * 1000.0,
            };
            let mut guard = CancelOnDrop {
                functions: Arc::clone(&functions),
                id,
                answered: false,
            };
            let answer = async {
                let pending = match functions.send_now(call) {
                    Ok(pending) => pending?,
                    Err(call) => functions.send.call_async(call).await?,
                };
                pending.await
            }
            .await;
            guard.answered = true;
            let answer = answer.map_err(|error| FetchFailure {
                message: format!("the fetch function could not be called: {}", error.reason),
                kind: FetchFailureKind::Request,
            })?;
            read_answer(answer)
        })
    }

    fn retries_itself(&self) -> bool {
        self.0.retries_itself
    }
}

/// The core's view of what `send` resolved with.
fn read_answer(answer: FetchAnswer) -> Result<FetchedResponse, FetchFailure> {
    if let Some(message) = answer.error {
        let kind = match answer.failure.as_deref() {
            Some("connect") => FetchFailureKind::Connect,
            Some("timeout") => FetchFailureKind::Timeout,
            Some("answer") => FetchFailureKind::Answer,
            _ => FetchFailureKind::Request,
        };
        return Err(FetchFailure { message, kind });
    }
    let pairs: Vec<(String, String)> = answer
        .headers
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let status = answer.status.unwrap_or(0);
    u16::try_from(status)
        .ok()
        .and_then(|status| {
            FetchedResponse::new(status, &pairs, answer.body.unwrap_or_default().into_bytes())
        })
        .ok_or_else(|| FetchFailure {
            message: format!("the fetch answer's status {status} is not an HTTP status"),
            kind: FetchFailureKind::Answer,
        })
}
