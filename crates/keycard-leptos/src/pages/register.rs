//! `/register`: a new account, signed in straight away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::Register;
use crate::components::{AuthCard, Form, Input, KeycardForm, redirected_error};
use keycard_types::{Field, password_rule, username_rule};

#[component]
pub fn RegisterPage() -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let username = query.get("username").unwrap_or_default();
    let email = query.get("email").unwrap_or_default();
    view! {
        <AuthCard title="Create account" intro="One username, one password, and you are in.">
            <KeycardForm form=register_form(username, email)/>
            <p class="switch">"Already have an account? " <a href=pages.path(Page::Login)>"Log in"</a></p>
        </AuthCard>
    }
}

/// Refilled with what a refused no-JavaScript post typed.
fn register_form(username: String, email: String) -> Form {
    Form::new(Register::url(), "Create account", "Creating account…")
        .input(
            Input::text("Username", "username", Field::Username, "username")
                .value(username)
                .required()
                .hint(username_rule()),
        )
        .input(
            Input::text("Email (optional)", "email", Field::Email, "email")
                .email()
                .value(email),
        )
        .input(
            Input::password("Password", "password", Field::Password, "new-password")
                .hint(password_rule()),
        )
        .input(Input::password(
            "Confirm password",
            "confirm_password",
            Field::ConfirmPassword,
            "new-password",
        ))
        .error(redirected_error())
}
