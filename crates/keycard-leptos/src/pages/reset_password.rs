//! `/reset-password`: where a reset link leads. The server has already moved the
//! link's token out of the address into a short-lived cookie; the page asks for the
//! new password twice under the name of the account it is for, or says at once that
//! the link cannot be used.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;

use crate::components::{AuthCard, Form, KeycardForm, new_password, redirected_error};
use crate::{AuthFnError, ResetPassword, reset_link_account};

const TITLE: &str = "Set a new password";

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let account = Resource::new_blocking(|| (), |()| reset_link_account());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(username)) => view! { <ResetForm username/> }.into_any(),
                    Ok(None) => view! { <Unusable error=AuthFnError::InvalidLink/> }.into_any(),
                    Err(error) => view! { <Unusable error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResetForm(username: String) -> impl IntoView {
    let pages = use_pages();
    let reset_form = new_password(Form::new(
        ResetPassword::url(),
        "Set new password",
        "Setting new password…",
    ))
    .error(redirected_error());
    view! {
        <AuthCard title=TITLE
            intro="Every device signed in to your account will be signed out, and you will be signed in here.">
            <p class="notice">
                "You are setting a new password for " <strong>{username}</strong>
                ". If that is not your account, do not go on."
            </p>
            <KeycardForm form=reset_form/>
            <p class="switch"><a href=pages.path(Page::ForgotPassword)>"Ask for a new link"</a></p>
        </AuthCard>
    }
}

#[component]
fn Unusable(error: AuthFnError) -> impl IntoView {
    let pages = use_pages();
    view! {
        <AuthCard title=TITLE intro="Reset links work once, for a limited time.">
            <p class="alert" role="alert">{error.to_string()}</p>
            <p class="switch"><a href=pages.path(Page::ForgotPassword)>"Ask for a new link"</a></p>
        </AuthCard>
    }
}
