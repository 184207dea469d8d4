//! The one place where core errors become JavaScript errors.

use serde_json::json;

/// Marks a message that carries a core error as JSON; `index.js` turns it into an
/// `AEMHeadlessError` with the same code, message and details.
pub const NATIVE_ERROR_PREFIX: &str = "AEM_HEADLESS_ERROR ";

/// Converts a core error into a JavaScript error whose message is
/// `AEM_HEADLESS_ERROR {"code", "message", "details"}`.
pub fn to_js_error(error: impl std::borrow::Borrow<crate::Error>) -> napi::Error {
    let error = error.borrow();
    let payload = json!({
        "code": error.code().as_str(),
        "message": error.to_string(),
        "details": error.details(),
    });
    napi::Error::from_reason(format!("{NATIVE_ERROR_PREFIX}{payload}"))
}

std::thread_local! {
    /// Where the last panic on this thread happened (`file:line`), recorded by [`quiet_panics`].
    static PANIC_AT: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// Where the last panic of the process happened, recorded by [`quiet_panics`].
static LAST_PANIC_AT: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Replaces the panic hook of this addon's Rust code (each addon has its own standard library):
/// a panic prints nothing (its payload may quote data a secret passed through), and only where
/// it happened is kept, for the `INTERNAL_ERROR` that reports it.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()));
        PANIC_AT.with(|cell| cell.set(at.clone()));
        if let Ok(mut last) = LAST_PANIC_AT.lock() {
            *last = at;
        }
    }));
}

/// The error of a native call that panicked on this thread: `INTERNAL_ERROR`, saying where.
pub fn panic_error() -> napi::Error {
    let at = PANIC_AT.with(std::cell::Cell::take);
    to_js_error(crate::Error::Internal(at.map_or_else(
        || "a panic".to_owned(),
        |at| format!("a panic at {at}"),
    )))
}

/// Where the last panic of the process happened (`file:line`), once: for a synchronous call whose
/// panic napi-rs turned into an error of its own.
#[napi_derive::napi(catch_unwind)]
pub fn last_panic_location() -> Option<String> {
    LAST_PANIC_AT.lock().ok().and_then(|mut last| last.take())
}
