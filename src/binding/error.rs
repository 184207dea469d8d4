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
