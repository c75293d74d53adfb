//! `/email`: a new address (or none) and the password. The new address starts
//! unverified and is sent a link; a verified old one is told. The server's page guard
//! has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::ChangeEmail;
use crate::components::{AuthCard, Form, Input, KeycardForm, redirected_error};
use keycard_types::Field;

#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let changed = query.get("changed").is_some();
    let email = query.get("email").unwrap_or_default();
    view! {
        <AuthCard title="Change email"
            intro="A new address gets a link to confirm it; a verified old one is told of the change. Leave the field empty to remove your address.">
            {changed.then(|| view! {
                <p class="notice" role="status">
                    "Your email address has been changed. A new one has been sent a link to confirm it."
                </p>
            })}
            <KeycardForm form=change_email_form(email)/>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}

/// Refilled with the address a refused no-JavaScript post typed.
fn change_email_form(email: String) -> Form {
    Form::new(ChangeEmail::url(), "Change email", "Changing email…")
        .input(
            Input::text("New email", "email", Field::Email, "email")
                .email()
                .value(email),
        )
        .input(Input::password(
            "Current password",
            "password",
            Field::CurrentPassword,
            "current-password",
        ))
        .error(redirected_error())
}
