//! Notes: a small Leptos + axum app whose accounts are Keycard's. Its own parts are a
//! home page, the private `/notes` page and `GET /api/notes`; Keycard's pages sit under
//! `/account`, and Keycard's header menu signs people in and out.

mod app;
mod notes;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{App, PAGES, shell};
pub use notes::{AddNote, ListNotes, MAX_NOTE_CHARS, add_note, list_notes};

/// The browser entry point: brings the page's islands (Keycard's forms) to life.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    keycard_leptos::hydrate_islands();
}
