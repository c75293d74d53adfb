//! `/login`: username and password, then on to `next` or the profile.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::Login;
use crate::components::{AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, form_error};
use keycard_types::{Field, NextPath};

#[component]
pub fn LoginPage() -> impl IntoView {
    let pages = use_pages();
    let login = ServerAction::<Login>::new();
    let error = form_error(login.value());
    let query = use_query_map().get_untracked();
    let typed_username = query.get("username").unwrap_or_default();
    let next = query
        .get("next")
        .and_then(|next| NextPath::parse(&next))
        .map(|next| next.as_str().to_owned())
        .unwrap_or_default();
    let logged_out = query.get("logged_out").is_some();
    #[cfg(feature = "passkeys")]
    let passkey_sign_in = view! { <crate::components::PasskeySignIn next=next.clone()/> };
    #[cfg(not(feature = "passkeys"))]
    let passkey_sign_in = ();
    let password = NodeRef::<Input>::new();
    clear_on_error(error, [password]);
    view! {
        <AuthCard title="Log in" intro="Welcome back. Log in to see your profile.">
            {logged_out.then(|| view! {
                <p class="notice" role="status">"You are logged out"</p>
            })}
            <ActionForm action=login>
                <FormAlert error/>
                <input type="hidden" name="next" value=next/>
                <TextField label="Username" name="username" field=Field::Username
                    autocomplete="username" value=typed_username required=true error/>
                <TextField label="Password" name="password" field=Field::Password
                    input_type="password" autocomplete="current-password" required=true
                    error node_ref=password/>
                <SubmitButton label="Log in" pending_label="Logging in…" pending=login.pending()/>
            </ActionForm>
            {passkey_sign_in}
            <p class="switch"><a href=pages.path(Page::ForgotPassword)>"Forgot your password?"</a></p>
            <p class="switch">"New to Keycard? " <a href=pages.path(Page::Register)>"Create an account"</a></p>
        </AuthCard>
    }
}
