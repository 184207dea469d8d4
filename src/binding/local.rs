//! Work polled on the JavaScript thread: the requests whose every wait is a JavaScript event (an
//! app's `fetch` settling, a JavaScript timer firing, an abort), so that they run where those
//! events arrive, with no hop to the I/O runtime and back. A task is polled at once when it is
//! started and whenever it is woken on its thread (inside the native call that brought the event);
//! woken on another thread (a permit another request gave back, a store's answer), it is polled
//! through a threadsafe function of its thread. It ends by calling a JavaScript callback,
//! `done(error, value)`, on its thread: no promise of the binding's, and so no handle that would
//! keep the event loop alive, as a pure JavaScript client would have none (a test runner's fake
//! timers then stop it as they stop any other code).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::ThreadId;

use futures_util::FutureExt as _;
use napi::bindgen_prelude::{FnArgs, FunctionRef, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};

use super::error::panic_error;
use super::runtime;

/// The callback a task ends with: `done(error, value)`, the error's message or the value.
pub type Done<T> = FunctionRef<FnArgs<(Option<String>, Option<T>)>, ()>;

/// What a finished task does on its thread: call its `done`.
type Finish = Box<dyn FnOnce(&Env) + Send>;

/// The work of a task, until it is done.
type Work = Pin<Box<dyn Future<Output = Finish> + Send>>;

/// Posts a poll of a task to its JavaScript thread, from any other thread. Weak: it keeps no
/// event loop alive.
type Poster = ThreadsafeFunction<Arc<LocalTask>, (), (), Status, false, true>;

/// The states of a task's polling.
const IDLE: u8 = 0;
const POLLING: u8 = 1;
/// Woken while it was being polled: polled once more before it goes idle.
const NOTIFIED: u8 = 2;
const DONE: u8 = 3;

/// A task of one JavaScript thread.
struct LocalTask {
    thread: ThreadId,
    /// The thread's environment, as the address of its handle: used on `thread` only.
    env: usize,
    poster: Arc<Poster>,
    work: Mutex<Option<Work>>,
    state: AtomicU8,
}

thread_local! {
    /// This JavaScript thread's poster, made with its first task.
    static POSTER: RefCell<Option<Arc<Poster>>> = const { RefCell::new(None) };
    /// The environment of the task being polled on this thread: JavaScript may be called directly.
    static POLLING_ENV: Cell<Option<napi::sys::napi_env>> = const { Cell::new(None) };
}

/// The JavaScript environment, when the current code runs inside a task's poll on its JavaScript
/// thread: a JavaScript function may then be called directly.
pub fn current_env() -> Option<Env> {
    POLLING_ENV.with(Cell::get).map(Env::from_raw)
}

/// Starts `work` on the JavaScript thread of `env`, polling it at once: work that reaches an app's
/// `fetch` calls it before this returns, as a JavaScript client would. `done(error, value)` is
/// called once, on this thread, with the value, or with the error's message (a panic's too, as
/// `INTERNAL_ERROR`).
pub fn spawn_local<T, F>(env: &Env, work: F, done: Done<T>) -> napi::Result<()>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = napi::Result<T>> + Send + 'static,
{
    let poster = poster(env)?;
    let work = async move {
        let outcome = AssertUnwindSafe(work).catch_unwind().await;
        Box::new(move |env: &Env| {
            let args = match outcome {
                Ok(Ok(value)) => (None, Some(value)),
                Ok(Err(error)) => (Some(error.reason.clone()), None),
                Err(_) => (Some(panic_error().reason.clone()), None),
            };
            // A callback that throws has had its answer; nothing more to do with it.
            if let Ok(done) = done.borrow_back(env) {
                let _ = done.call(FnArgs::from(args));
            }
        }) as Finish
    };
    let task = Arc::new(LocalTask {
        thread: std::thread::current().id(),
        env: env.raw() as usize,
        poster,
        work: Mutex::new(Some(Box::pin(work))),
        state: AtomicU8::new(IDLE),
    });
    task.run();
    Ok(())
}

/// This thread's poster, made on first use: its callback polls the task it is given.
fn poster(env: &Env) -> napi::Result<Arc<Poster>> {
    POSTER.with(|slot| {
        if let Some(poster) = slot.borrow().as_ref() {
            return Ok(Arc::clone(poster));
        }
        let noop =
            env.create_function_from_closure::<(), (), _>("aemHeadlessLocalPoll", |_| Ok(()))?;
        let poster: Arc<Poster> = Arc::new(
            noop.build_threadsafe_function::<Arc<LocalTask>>()
                .callee_handled::<false>()
                .weak::<true>()
                .build_callback(|context| {
                    context.value.run();
                    Ok(())
                })?,
        );
        *slot.borrow_mut() = Some(Arc::clone(&poster));
        Ok(poster)
    })
}

impl LocalTask {
    /// Polls the task on its thread until it is pending and not woken meanwhile, or done; a task
    /// that is being polled already (woken from within its own poll) is only marked to be polled
    /// once more.
    fn run(self: &Arc<Self>) {
        loop {
            match self
                .state
                .compare_exchange(IDLE, POLLING, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(POLLING) => {
                    if self
                        .state
                        .compare_exchange(POLLING, NOTIFIED, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
        let env = Env::from_raw(self.env as napi::sys::napi_env);
        let waker = Waker::from(Arc::clone(self));
        loop {
            let polled = {
                let mut work = self.work.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(future) = work.as_mut() else { return };
                let runtime = runtime::enter();
                let _entered = runtime.as_ref().map(runtime::EnterRuntime::guard);
                let previous = POLLING_ENV.with(|cell| cell.replace(Some(env.raw())));
                let polled = future.as_mut().poll(&mut Context::from_waker(&waker));
                POLLING_ENV.with(|cell| cell.set(previous));
                if polled.is_ready() {
                    *work = None;
                }
                polled
            };
            if let Poll::Ready(finish) = polled {
                self.state.store(DONE, Ordering::Release);
                finish(&env);
                return;
            }
            if self
                .state
                .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
            // Woken while it was polled: once more.
            self.state.store(POLLING, Ordering::Release);
        }
    }
}

impl Wake for LocalTask {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if std::thread::current().id() == self.thread {
            self.run();
        } else {
            let _ = self
                .poster
                .call(Arc::clone(self), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}
