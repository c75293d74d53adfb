//! The "Log out" button, a form of its own so it works without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use super::{Form, KeycardForm};
use crate::Logout;

/// "Log out", a form of its own: ends the session and goes to the login page.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let logout = Form::new(Logout::url(), "Log out", "Logging out…").secondary();
    view! { <KeycardForm form=logout/> }
}
