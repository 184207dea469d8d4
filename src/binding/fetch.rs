//! `FetchTransport`: a JavaScript `fetch` as the core's [`Transport`], for an app's own `fetch`
//! and for `transport: 'fetch'`. `lib/fetch-transport.js` makes the functions it calls (`send`,
//! `cancel`, `read`, `timer`) and hands each answer back through `settleFetch`, `failFetch` or
//! `settleTimer`: module functions, so that the JavaScript side holds no reference to its
//! transport (which holds the functions), and a client's transport is freed with the client. The
//! functions are called directly while the work that calls them is polled on their thread
//! ([`super::local`]), through threadsafe functions otherwise.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use std::time::Duration;

use napi::Status;
use napi::bindgen_prelude::{BufferSlice, Function, FunctionRef, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use tokio::sync::oneshot;

use super::local;

use crate::http::failure::{FetchFailure, FetchFailureKind};
use crate::http::transport::{
    Body, BodyRead, Fetch, FetchRequest, FetchedBody, FetchedResponse, Transport,
};

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
    /// The body, if it is a text.
    pub body: Option<String>,
    /// The id under which the JavaScript side holds the body (a stream, a `Blob`, `FormData`),
    /// if it holds it.
    pub body_id: Option<u32>,
    /// The id of fetch options the JavaScript side holds for the request (fields of `init` that
    /// no rule of the core is about), added to the hop.
    pub init_id: Option<u32>,
    /// A body read from a file as it is sent (a part of an upload): `len` bytes of `path` from
    /// `start`.
    pub body_file: Option<FileBody>,
    /// Read the answer's body whole, cancelling it past this many bytes; without it, hold the
    /// body, unread, under this request's id.
    pub body_limit: Option<f64>,
    /// The call's retries, for a `fetch` that retries by itself (its third argument).
    pub max_retries: u32,
    /// The call's first backoff, in milliseconds, likewise.
    pub initial_delay_ms: f64,
}

/// A range of a file sent as a request's body.
#[napi(object)]
pub struct FileBody {
    /// The file.
    pub path: String,
    /// The first byte sent.
    pub start: f64,
    /// How many bytes are sent.
    pub len: f64,
}

/// A read of a body held under `id`, answered under `waiter` with `settleFetch` (its chunks),
/// `settleFetchUnread` (too large) or `failFetch`.
#[napi(object)]
pub struct HeldRead {
    /// The id the body is held under.
    pub id: u32,
    /// The id to answer under.
    pub waiter: u32,
    /// The most bytes read; past it, the body is cancelled, or with `keep` held again, whole,
    /// under `id` (answered with `settleFetchUnread(waiter, …, true)`).
    pub limit: f64,
    /// Whether a body past the limit is held again rather than cancelled.
    pub keep: bool,
}

/// A JavaScript timer to start: `settleTimer(id)` when `ms` milliseconds have passed.
#[napi(object)]
pub struct TimerCall {
    /// Names the timer for `settleTimer` and `cancel`.
    pub id: u32,
    /// Its wait, in milliseconds.
    pub ms: f64,
}

/// A JavaScript function the core calls: directly while a task is polled on the function's own
/// thread, else through a threadsafe function (weak: it keeps no event loop alive).
struct JsFunction<T: 'static + ToNapiValue> {
    threadsafe: ThreadsafeFunction<T, (), T, Status, false, true>,
    direct: FunctionRef<T, ()>,
    thread: std::thread::ThreadId,
}

impl<T: 'static + ToNapiValue> JsFunction<T> {
    fn new(function: &Function<T, ()>) -> napi::Result<Self> {
        Ok(Self {
            threadsafe: function
                .build_threadsafe_function()
                .callee_handled::<false>()
                .weak::<true>()
                .build()?,
            direct: function.create_ref()?,
            thread: std::thread::current().id(),
        })
    }

    fn call(&self, value: T) -> napi::Result<()> {
        match local::current_env().filter(|_| std::thread::current().id() == self.thread) {
            Some(env) => self.direct.borrow_back(&env)?.call(value),
            None => match self
                .threadsafe
                .call(value, ThreadsafeFunctionCallMode::NonBlocking)
            {
                Status::Ok => Ok(()),
                status => Err(napi::Error::from_status(status)),
            },
        }
    }
}

/// What a request waits for: the answer, or why there is none.
type Answer = Result<FetchedResponse, FetchFailure>;

/// What a read of a held body gives.
type ReadAnswer = Result<FetchedBody, FetchFailure>;

struct Functions {
    send: JsFunction<FetchCall>,
    cancel: JsFunction<u32>,
    read: JsFunction<HeldRead>,
    timer: JsFunction<TimerCall>,
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

/// The JavaScript timers started and not fired yet.
static TIMERS: Mutex<Option<HashMap<u32, oneshot::Sender<()>>>> = Mutex::new(None);

/// Runs `work` on the table of timers.
fn timers<T>(work: impl FnOnce(&mut HashMap<u32, oneshot::Sender<()>>) -> T) -> T {
    let mut table = TIMERS.lock().unwrap_or_else(PoisonError::into_inner);
    work(table.get_or_insert_with(HashMap::new))
}

/// Hands `answer` to the request `id` waits for; nothing when it no longer waits.
fn answer(id: u32, answer: Answer) {
    if let Some(waiter) = waiting(|table| table.remove(&id)) {
        let _ = waiter.send(answer);
    }
}

impl Functions {
    /// Lets go of the body held under `id`, aborts the request `id` in flight, or clears the
    /// timer `id`.
    fn release(&self, id: u32) {
        let _ = self.cancel.call(id);
    }
}

/// A `fetch` function as a transport that clients and token providers take.
#[napi]
pub struct FetchTransport {
    functions: Arc<Functions>,
}

#[napi]
impl FetchTransport {
    /// `send(call)` sends one hop (`redirect: 'manual'`) and answers it with `settleFetch`,
    /// `settleFetchUnread` or `failFetch` (it must not throw); `cancel(id)` aborts a request the
    /// core gave up on (a timeout, an abort), or lets go of the body held under `id`; `read(read)`
    /// reads a held body up to a limit. With `retriesItself`, the core makes one attempt per hop
    /// and leaves retries to the `fetch`.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "send: (call: FetchCall) => void, cancel: (id: number) => void, read: (read: HeldRead) => void, timer: (timer: TimerCall) => void, retriesItself: boolean"
    )]
    pub fn new(
        send: Function<FetchCall, ()>,
        cancel: Function<u32, ()>,
        read: Function<HeldRead, ()>,
        timer: Function<TimerCall, ()>,
        retries_itself: bool,
    ) -> napi::Result<Self> {
        Ok(Self {
            functions: Arc::new(Functions {
                send: JsFunction::new(&send)?,
                cancel: JsFunction::new(&cancel)?,
                read: JsFunction::new(&read)?,
                timer: JsFunction::new(&timer)?,
                retries_itself,
            }),
        })
    }
}

/// Answers request `id` of a `FetchTransport` with a response: its status, its header names and
/// values in turn, and its body read whole as chunks (copied here once, into one buffer). A status
/// that is not an HTTP status fails it. A request no longer waited for (it timed out, or was
/// aborted) is ignored.
#[napi(catch_unwind)]
pub fn settle_fetch(id: u32, status: u32, headers: Vec<String>, chunks: Vec<BufferSlice>) {
    let mut body = Vec::with_capacity(chunks.iter().map(|chunk| chunk.len()).sum());
    for chunk in &chunks {
        body.extend_from_slice(chunk);
    }
    settle(id, status, &headers, FetchedBody::Read(body));
}

/// Answers request `id` of a `FetchTransport` with a response whose body was not read: `held`, it
/// is held under `id` for the caller; else it was longer than the limit, and cancelled there.
#[napi(catch_unwind)]
pub fn settle_fetch_unread(id: u32, status: u32, headers: Vec<String>, held: bool) {
    let body = if held {
        FetchedBody::Held(id)
    } else {
        FetchedBody::TooLarge
    };
    settle(id, status, &headers, body);
}

fn settle(id: u32, status: u32, headers: &[String], body: FetchedBody) {
    let pairs: Vec<(String, String)> = headers
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let result = u16::try_from(status)
        .ok()
        .and_then(|code| FetchedResponse::new(code, &pairs, body))
        .ok_or_else(|| FetchFailure {
            message: format!("the fetch answer's status {status} is not an HTTP status"),
            kind: FetchFailureKind::Answer,
            cause: None,
        });
    answer(id, result);
}

/// Fires the timer `id`: its wait has passed. A timer no longer waited for is ignored.
#[napi(catch_unwind)]
pub fn settle_timer(id: u32) {
    if let Some(fired) = timers(|table| table.remove(&id)) {
        let _ = fired.send(());
    }
}

/// Fails request `id` of a `FetchTransport`: `failure` is `connect`, `timeout`, `certificate`, `answer` or
/// `request` (see [`FetchFailureKind`]); `cause` is what lies underneath the error, if anything.
/// The core takes the request's secrets out of `message` and `cause`.
#[napi(catch_unwind)]
pub fn fail_fetch(id: u32, message: String, failure: String, cause: Option<String>) {
    let kind = FetchFailureKind::from_name(&failure);
    answer(
        id,
        Err(FetchFailure {
            message,
            kind,
            cause,
        }),
    );
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
            self.functions.release(self.id);
        }
    }
}

/// Clears a timer whose wait was dropped before it fired (a request that ended first).
struct ClearOnDrop {
    functions: Arc<Functions>,
    id: u32,
}

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        if timers(|table| table.remove(&self.id)).is_some() {
            self.functions.release(self.id);
        }
    }
}

impl Fetch for JsFetch {
    fn fetch(&self, request: FetchRequest) -> Pin<Box<dyn Future<Output = Answer> + Send>> {
        let functions = Arc::clone(&self.0);
        Box::pin(async move {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let (body, body_id, body_file) = match request.body {
                None => (None, None, None),
                Some(Body::Text(text)) => (Some(text), None, None),
                Some(Body::Held(held)) => (None, Some(held), None),
                Some(Body::File(range)) => (
                    None,
                    None,
                    Some(FileBody {
                        path: range.path.to_string_lossy().into_owned(),
                        start: range.start as f64,
                        len: range.len as f64,
                    }),
                ),
            };
            let call = FetchCall {
                id,
                method: request.method,
                url: request.url,
                headers: request
                    .headers
                    .into_iter()
                    .flat_map(|(name, value)| [name, value])
                    .collect(),
                body,
                body_id,
                body_file,
                init_id: request.init,
                body_limit: match request.read {
                    BodyRead::UpTo(limit) => Some(limit as f64),
                    BodyRead::Hold => None,
                },
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
            if let Err(error) = functions.send.call(call) {
                waiting(|table| table.remove(&id));
                guard.answered = true;
                return Err(FetchFailure {
                    message: format!(
                        "the fetch function could not be called: {}",
                        without_js_value(&error.reason)
                    ),
                    kind: FetchFailureKind::Request,
                    cause: None,
                });
            }
            let answer = answer.await;
            guard.answered = true;
            answer.unwrap_or_else(|_| {
                Err(FetchFailure {
                    message: "the fetch function's answer was lost".to_owned(),
                    kind: FetchFailureKind::Request,
                    cause: None,
                })
            })
        })
    }

    fn read(
        &self,
        id: u32,
        limit: u64,
        keep: bool,
    ) -> Pin<Box<dyn Future<Output = ReadAnswer> + Send>> {
        let functions = Arc::clone(&self.0);
        Box::pin(async move {
            let waiter = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let (answered, answer) = oneshot::channel();
            waiting(|table| table.insert(waiter, answered));
            let read = HeldRead {
                id,
                waiter,
                limit: limit as f64,
                keep,
            };
            if functions.read.call(read).is_err() {
                waiting(|table| table.remove(&waiter));
                functions.release(id);
                return Err(FetchFailure {
                    message: "the held body could not be read".to_owned(),
                    kind: FetchFailureKind::Answer,
                    cause: None,
                });
            }
            match answer.await {
                Ok(Ok(response)) => Ok(response.body),
                Ok(Err(failure)) => Err(failure),
                Err(_) => Err(FetchFailure {
                    message: "the held body's answer was lost".to_owned(),
                    kind: FetchFailureKind::Answer,
                    cause: None,
                }),
            }
        })
    }

    fn release(&self, id: u32) {
        self.0.release(id);
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let functions = Arc::clone(&self.0);
        Box::pin(async move {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let (fire, fired) = oneshot::channel();
            timers(|table| table.insert(id, fire));
            let _clear = ClearOnDrop {
                functions: Arc::clone(&functions),
                id,
            };
            // setTimeout takes at most 2^31 - 1 ms; a longer wait is as good as never.
            let ms = (duration.as_secs_f64() * 1000.0).min(f64::from(i32::MAX));
            if functions.timer.call(TimerCall { id, ms }).is_err() {
                // No JavaScript timer: the runtime's clock instead.
                tokio::time::sleep(duration).await;
                return;
            }
            let _ = fired.await;
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
