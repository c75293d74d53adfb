//! `/forgot-password`: a username or an address, then the same answer for everyone.
//! Only an account with a verified address is mailed a link.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, Form, Input, KeycardForm, redirected_error};
use crate::{ForgotPassword, RESET_REQUESTED};
use keycard_types::Field;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let sent = query.get("sent").is_some();
    let login = query.get("login").unwrap_or_default();
    view! {
        <AuthCard title="Forgot your password?"
            intro="Enter your username or email address. We will mail a link to set a new password to your verified address.">
            {sent.then(|| view! {
                <p class="notice" role="status">{RESET_REQUESTED}". Check your inbox."</p>
            })}
            <KeycardForm form=forgot_password_form(login)/>
            <p class="switch"><a href=pages.path(Page::Login)>"Back to log in"</a></p>
        </AuthCard>
    }
}

/// Refilled with what a refused no-JavaScript post typed.
fn forgot_password_form(login: String) -> Form {
    Form::new(ForgotPassword::url(), "Send the link", "Sending the link…")
        .input(
            Input::text("Username or email", "login", Field::Username, "username")
                .value(login)
                .required(),
        )
        .error(redirected_error())
}
