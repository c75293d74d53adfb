//! The "Log out" button, a form of its own so it works without JavaScript.

use leptos::prelude::*;

use super::{FormAlert, SubmitButton, form_error};
use crate::Logout;

/// "Log out", a form of its own: ends the session and goes to the login page.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let error = form_error(logout.value());
    view! {
        <ActionForm action=logout>
            <FormAlert error/>
            <SubmitButton label="Log out" pending_label="Logging out…" pending=logout.pending() secondary=true/>
        </ActionForm>
    }
}
