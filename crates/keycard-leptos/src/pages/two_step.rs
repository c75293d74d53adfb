//! `/login/two-step`: the second step of a login for an account with two-step sign-in
//! on. The login left its challenge in a short-lived cookie; this page asks for the
//! app's code, or (`?recovery=1`) for a recovery code, then goes on to `next`.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, form_error};
use crate::{AuthFnError, CompleteTwoStep, two_step_pending};
use keycard_types::{Field, NextPath};

const TITLE: &str = "Two-step sign-in";

#[component]
pub fn TwoStepPage() -> impl IntoView {
    let pending = Resource::new_blocking(|| (), |()| two_step_pending());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Checking your sign-in…"</p> }>
            {move || Suspend::new(async move {
                match pending.await {
                    Ok(true) => view! { <SecondStepForm/> }.into_any(),
                    Ok(false) => view! { <Expired error=AuthFnError::TwoStepExpired/> }.into_any(),
                    Err(error) => view! { <Expired error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SecondStepForm() -> impl IntoView {
    let pages = use_pages();
    let complete = ServerAction::<CompleteTwoStep>::new();
    let error = form_error(complete.value());
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .and_then(|next| NextPath::parse(&next))
            .map(|next| next.as_str().to_owned())
            .unwrap_or_default()
    };
    let recovery = move || query.read().get("recovery").is_some();
    let switch_to = move |recovery: bool| {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        let next = next();
        if !next.is_empty() {
            pairs.append_pair("next", &next);
        }
        if recovery {
            pairs.append_pair("recovery", "1");
        }
        let query = pairs.finish();
        if query.is_empty() {
            pages.path(Page::TwoStep)
        } else {
            pages.path_with_query(Page::TwoStep, &query)
        }
    };
    let input = NodeRef::<Input>::new();
    clear_on_error(error, [input]);
    view! {
        <AuthCard title=TITLE intro="Your password was right. One more step to sign in.">
            <ActionForm action=complete>
                <FormAlert error/>
                <input type="hidden" name="next" value=next/>
                {move || if recovery() {
                    view! {
                        <TextField label="Recovery code" name="recovery_code"
                            field=Field::RecoveryCode autocomplete="off" required=true
                            hint="One of the codes you saved when you turned two-step sign-in on. Each works once."
                            error node_ref=input/>
                    }.into_any()
                } else {
                    view! {
                        <TextField label="Code" name="code" field=Field::Code
                            autocomplete="one-time-code" inputmode="numeric" required=true
                            hint="The 6-digit code your authenticator app shows now."
                            error node_ref=input/>
                    }.into_any()
                }}
                <SubmitButton label="Sign in" pending_label="Checking…" pending=complete.pending()/>
            </ActionForm>
            <p class="switch">
                {move || if recovery() {
                    view! { <a href=switch_to(false)>"Use a code from your app"</a> }.into_any()
                } else {
                    view! { <a href=switch_to(true)>"Use a recovery code"</a> }.into_any()
                }}
            </p>
        </AuthCard>
    }
}

#[component]
fn Expired(error: AuthFnError) -> impl IntoView {
    let pages = use_pages();
    view! {
        <AuthCard title=TITLE intro="The second step has to follow the password within a few minutes.">
            <p class="alert" role="alert">{error.to_string()}</p>
            <p class="switch"><a href=pages.path(Page::Login)>"Log in again"</a></p>
        </AuthCard>
    }
}
