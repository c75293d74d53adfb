//! `/login`: username and password, then on to `next` or the profile.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::{next_in, use_pages};
use leptos_router::hooks::use_query_map;

use crate::Login;
use crate::components::{AuthCard, Form, Input, KeycardForm, redirected_error};
use keycard_types::Field;

#[component]
pub fn LoginPage() -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let username = query.get("username").unwrap_or_default();
    let next = next_in(&query);
    let logged_out = query.get("logged_out").is_some();
    #[cfg(feature = "passkeys")]
    let passkey_sign_in = view! { <crate::components::PasskeySignIn next=next.clone()/> };
    #[cfg(not(feature = "passkeys"))]
    let passkey_sign_in = ();
    view! {
        <AuthCard title="Log in" intro="Welcome back. Log in to see your profile.">
            {logged_out.then(|| view! {
                <p class="notice" role="status">"You are logged out"</p>
            })}
            <KeycardForm form=login_form(&next, username)/>
            {passkey_sign_in}
            <p class="switch"><a href=pages.path(Page::ForgotPassword)>"Forgot your password?"</a></p>
            <p class="switch">"New to Keycard? " <a href=pages.path(Page::Register)>"Create an account"</a></p>
        </AuthCard>
    }
}

/// `username` is what was typed before a refused no-JavaScript post.
fn login_form(next: &str, username: String) -> Form {
    Form::new(Login::url(), "Log in", "Logging in…")
        .hidden("next", next)
        .input(
            Input::text("Username", "username", Field::Username, "username")
                .value(username)
                .required(),
        )
        .input(Input::current_password())
        .error(redirected_error())
}
