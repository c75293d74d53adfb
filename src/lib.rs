//! Keycard: sign-up, login, a guarded profile page and logout, server-rendered with
//! Leptos on axum and hydrated in the browser.
//!
//! `app` and `domain` compile for both targets; `auth`, `db`, `mail` and `server` are the
//! server side and exist only with the `ssr` feature.

pub mod app;
pub mod domain;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod mail;
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
