//! Sets the linker flags a Node-API addon needs on each platform (only with the `napi` feature).
fn main() {
    if std::env::var_os("CARGO_FEATURE_NAPI").is_some() {
        napi_build::setup();
    }
}
