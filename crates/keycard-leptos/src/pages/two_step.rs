//! `/login/two-step`: the second step of a login for an account with two-step sign-in
//! on. The login left its challenge in a short-lived cookie; this page asks for the
//! app's code, or (`?recovery=1`) for a recovery code, then goes on to `next`.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::{next_in, use_pages};
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, Form, Input, KeycardForm, redirected_error};
use crate::{AuthFnError, CompleteTwoStep, two_step_pending};
use keycard_types::Field;

const TITLE: &str = "Two-step sign-in";

#[component]
pub fn TwoStepPage() -> impl IntoView {
    let pending = Resource::new_blocking(|| (), |()| two_step_pending());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Checking your sign-in…"</p> }>
            {move || Suspend::new(async move {
                match pending.await {
                    Ok(true) => view! { <SecondStep/> }.into_any(),
                    Ok(false) => view! { <Expired error=AuthFnError::TwoStepExpired/> }.into_any(),
                    Err(error) => view! { <Expired error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SecondStep() -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let next = next_in(&query);
    let recovery = query.get("recovery").is_some();
    let mut switch_to = form_urlencoded::Serializer::new(String::new());
    if !next.is_empty() {
        switch_to.append_pair("next", &next);
    }
    if !recovery {
        switch_to.append_pair("recovery", "1");
    }
    let switch_to = match switch_to.finish() {
        query if query.is_empty() => pages.path(Page::TwoStep),
        query => pages.path_with_query(Page::TwoStep, &query),
    };
    let switch_text = if recovery {
        "Use a code from your app"
    } else {
        "Use a recovery code"
    };
    view! {
        <AuthCard title=TITLE intro="Your password was right. One more step to sign in.">
            <KeycardForm form=second_step_form(&next, recovery)/>
            <p class="switch"><a href=switch_to>{switch_text}</a></p>
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

/// The app's code, or with `recovery` a recovery code.
fn second_step_form(next: &str, recovery: bool) -> Form {
    let input = if recovery {
        Input::code(
            "Recovery code",
            "recovery_code",
            Field::RecoveryCode,
            "off",
            false,
        )
        .hint("One of the codes you saved when you turned two-step sign-in on. Each works once.")
    } else {
        Input::code("Code", "code", Field::Code, "one-time-code", true)
            .hint("The 6-digit code your authenticator app shows now.")
    };
    Form::new(CompleteTwoStep::url(), "Sign in", "Checking…")
        .hidden("next", next)
        .input(input)
        .error(redirected_error())
}
