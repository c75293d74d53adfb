//! The app's own pages; Keycard's come from keycard-leptos.

mod home;
mod not_found;

pub use home::HomePage;
pub use not_found::NotFound;
