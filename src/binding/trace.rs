//! The trace context as JavaScript hands it over: the headers the app's propagator wrote, as
//! names and values in turn (`[name1, value1, …]`), a list being cheaper to read than an object.

use super::error::to_js_error;
use crate::error::Error;

/// `[name1, value1, name2, value2, …]` as header pairs, none for `None`; `INVALID_PARAM` for an
/// odd count. The pairs are checked as headers where they are sent.
pub(crate) fn trace_headers(list: Option<Vec<String>>) -> napi::Result<Vec<(String, String)>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    if list.len() % 2 != 0 {
        return Err(to_js_error(Error::InvalidParam(
            "trace headers must be names and values in turn".to_owned(),
        )));
    }
    let mut pairs = Vec::with_capacity(list.len() / 2);
    let mut items = list.into_iter();
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        pairs.push((name, value));
    }
    Ok(pairs)
}
