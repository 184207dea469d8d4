//! `FetchTransport`: a JavaScript `fetch` as the core's [`Transport`], for an app's own `fetch`
//! and for `transport: 'fetch'`. `lib/fetch-transport.js` makes the functions it calls and
//! hands each answer back through `settleFetch` or `failFetch`: module functions, so that the
//! JavaScript `send` holds no reference to its transport (which holds `send`), and a client's
//! transport is freed with the client.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use napi::Status;
use napi::bindgen_prelude::{BufferSlice, Function, FunctionRef};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use tokio::sync::oneshot;

use super::runtime;

use crate::http::failure::{FetchFailure, FetchFailureKind};
use crate::http::transport::{Fetch, FetchRequest, FetchedResponse, Transport};

/// One request, as `send` takes it.
#[napi(object)]
pub struct FetchCall {
    /// Names this request for `settleFetch`, `failFetch` and `cancel`.
    pub id: u32,
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL, or a path from the root.
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

type SendFunction = ThreadsafeFunction<FetchCall, (), FetchCall, Status, false, true>;
type CancelFunction = ThreadsafeFunction<u32, (), u32, Status, false, true>;

/// What a request waits for: the answer, or why there is none.
type Answer = Result<FetchedResponse, FetchFailure>;

struct Functions {
    /// `send`, callable from any thread.
    send: SendFunction,
    /// `send` itself, called directly on the JavaScript thread (see [`runtime::spawn_eager`]).
    send_now: FunctionRef<FetchCall, ()>,
    cancel: CancelFunction,
    retries_itself: bool,
}

/// The number of the next request, unique in the process.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// The requests sent through any `FetchTransport` and not answered yet.
static WAITING: Mutex<Option<HashMap<u32, oneshot::Sender<Answer>>>> = Mutex::new(None);

/// Runs `work` on the table of waiting requests.
fn waiting<T>(work: impl FnOnce(&mut HashMap<u32, oneshot::Sender<Answer>>) -> T) -> T {
    let mut table = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
    work(table.get_or_insert_with(HashMap::new))
}

/// Hands `answer` to the request `id` waits for; nothing when it no longer waits.
fn answer(id: u32, answer: Answer) {
    if let Some(waiter) = waiting(|table| table.remove(&id)) {
        let _ = waiter.send(answer);
    }
}

impl Functions {
    /// Calls `send`: directly when the request starts on the JavaScript thread, else through
    /// the thread-safe function.
    fn send(&self, call: FetchCall) -> napi::Result<()> {
        match runtime::eager_env() {
            Some(env) => self.send_now.borrow_back(&env)?.call(call),
            None => {
                let status = self
                    .send
                    .call(call, ThreadsafeFunctionCallMode::NonBlocking);
                if status == Status::Ok {
                    Ok(())
                } else {
                    Err(napi::Error::from_status(status))
                }
            }
        }
    }
}

/// A `fetch` function as a transport that clients and token providers take.
#[napi]
pub struct FetchTransport {
    functions: Arc<Functions>,
}

#[napi]
impl FetchTransport {
    /// `send(call)` sends one request and answers it with `settleFetch` or `failFetch` (it must
    /// not throw); `cancel(id)` aborts a request the core gave up on (a timeout, an abort). With
    /// `retriesItself`, the core makes one attempt per call and leaves retries to the `fetch`.
    #[napi(
        constructor,
        ts_args_type = "send: (call: FetchCall) => void, cancel: (id: number) => void, retriesItself: boolean"
    )]
    pub fn new(
        send: Function<FetchCall, ()>,
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
            }),
        })
    }
}

/// Answers request `id` of a `FetchTransport` with a response: its status, its header names and
/// values in turn, and its body's bytes (copied here). A status that is not an HTTP status fails
/// it. A request no longer waited for (it timed out, or was aborted) is ignored.
#[napi]
pub fn settle_fetch(id: u32, status: u32, headers: Vec<String>, body: Option<BufferSlice>) {
    let pairs: Vec<(String, String)> = headers
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let body = body.map(|bytes| bytes.to_vec()).unwrap_or_default();
    let result = u16::try_from(status)
        .ok()
        .and_then(|code| FetchedResponse::new(code, &pairs, body))
        .ok_or_else(|| FetchFailure {
            message: format!("the fetch answer's status {status} is not an HTTP status"),
            kind: FetchFailureKind::Answer,
        });
    answer(id, result);
}

/// Fails request `id` of a `FetchTransport`: `failure` is `connect`, `timeout`, `answer` or
/// `request` (see [`FetchFailureKind`]); the core takes the request's secrets out of `message`.
#[napi]
pub fn fail_fetch(id: u32, message: String, failure: String) {
    let kind = FetchFailureKind::from_name(&failure);
    answer(id, Err(FetchFailure { message, kind }));
}

impl FetchTransport {
    /// The core's transport over these functions.
    pub(crate) fn transport(&self) -> Transport {
        Transport::Fetch(Arc::new(JsFetch(Arc::clone(&self.functions))))
    }
}

struct JsFetch(Arc<Functions>);

/// Stops waiting for request `id` when its future is dropped before the answer came (a
/// timeout, an abort), and cancels it in JavaScript.
struct CancelOnDrop {
    functions: Arc<Functions>,
    id: u32,
    answered: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.answered && waiting(|table| table.remove(&self.id)).is_some() {
            let _ = self
                .functions
                .cancel
                .call(self.id, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

impl Fetch for JsFetch {
    fn fetch(&self, request: FetchRequest) -> Pin<Box<dyn Future<Output = Answer> + Send>> {
        let functions = Arc::clone(&self.0);
        Box::pin(async move {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
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
            let (answered, answer) = oneshot::channel();
            waiting(|table| table.insert(id, answered));
            let mut guard = CancelOnDrop {
                functions: Arc::clone(&functions),
                id,
                answered: false,
            };
            if let Err(error) = functions.send(call) {
                waiting(|table| table.remove(&id));
                guard.answered = true;
                return Err(FetchFailure {
                    message: format!(
                        "the fetch function could not be called: {}",
                        without_js_value(&error.reason)
                    ),
                    kind: FetchFailureKind::Request,
                });
            }
            let answer = answer.await;
            guard.answered = true;
            answer.unwrap_or_else(|_| {
                Err(FetchFailure {
                    message: "the fetch function's answer was lost".to_owned(),
                    kind: FetchFailureKind::Request,
                })
            })
        })
    }

    fn retries_itself(&self) -> bool {
        self.0.retries_itself
    }
}

/// napi's conversion errors quote the JavaScript value (`` JavaScript value `…` ``), which may
/// hold a token: the quote is left out.
fn without_js_value(reason: &str) -> String {
    match (reason.find('`'), reason.rfind('`')) {
        (Some(start), Some(end)) if end > start => {
            format!("{}…{}", &reason[..=start], &reason[end..])
        }
        _ => reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_errors_lose_the_value_they_quote() {
        assert_eq!(
            without_js_value(
                "Failed to convert JavaScript value `Object {\"token\":\"SECRET\"}` into rust type `String`"
            ),
            "Failed to convert JavaScript value `…`"
        );
        assert_eq!(without_js_value("Closing"), "Closing");
    }
}
