//! Keycard: sign-up, login, a guarded profile page and logout, server-rendered with
//! Leptos on axum and hydrated in the browser.
//!
//! `app` compiles for both targets; `server` is the server side and exists only with
//! the `ssr` feature. The auth core, its stores and its mail are the crates under
//! `crates/`.

pub mod app;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: attaches the app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Marks the page as interactive, for styles and for tests that must not race it.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
