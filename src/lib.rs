//! Keycard: sign-up, login, a guarded profile page and logout, server-rendered with
//! Leptos on axum; the browser hydrates the forms (Leptos's islands).
//!
//! `app` compiles for both targets; `server` is the server side and exists only with
//! the `ssr` feature. The auth core, its stores and its mail are the crates under
//! `crates/`.

pub mod app;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: brings the page's islands (Keycard's forms) to life.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    keycard_leptos::hydrate_islands();
}
