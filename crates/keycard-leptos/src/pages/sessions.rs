//! `/sessions`: everywhere the user is signed in, with a way to sign any other device
//! out. The server's page guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{Form, FormAlert, Input, KeycardForm, page_data, redirected_error};
use crate::{
    ConfirmPassword, EndOtherSessions, EndSession, SessionRow, SessionsView, list_sessions,
};

#[component]
pub fn SessionsPage() -> impl IntoView {
    let pages = use_pages();
    let sessions = Resource::new_blocking(|| (), |()| list_sessions());
    view! {
        <Title text="Sessions"/>
        <section class="card sessions">
            <h1>"Sessions"</h1>
            <p class="intro">
                "Everywhere you are signed in. Sign out any device you do not recognise."
            </p>
            {outcome()}
            <Suspense fallback=|| view! { <p class="muted">"Loading your sessions…"</p> }>
                {move || Suspend::new(async move {
                    page_data(sessions.await, pages, Page::Sessions, |view| view! {
                        <SessionList view/>
                    }.into_any())
                })}
            </Suspense>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </section>
    }
}

/// What the last form did, from the address it sent the browser to.
fn outcome() -> Option<impl IntoView> {
    let query = use_query_map().get_untracked();
    let ended = query
        .get("ended")
        .and_then(|count| count.parse::<usize>().ok());
    let text = match ended {
        Some(0) => Some("There were no other sessions to sign out.".to_owned()),
        Some(1) => Some("Signed out 1 session.".to_owned()),
        Some(count) => Some(format!("Signed out {count} sessions.")),
        None => query
            .get("confirmed")
            .map(|_| "Password confirmed. You can sign out other sessions now.".to_owned()),
    };
    text.map(|text| view! { <p class="notice" role="status">{text}</p> })
}

#[component]
fn SessionList(view: SessionsView) -> impl IntoView {
    let can_end = !view.needs_password;
    let has_others = view.sessions.iter().any(|row| !row.current);
    let rows = view
        .sessions
        .into_iter()
        .map(|row| view! { <SessionItem row can_end/> })
        .collect_view();
    view! {
        {if view.needs_password {
            view! { <ConfirmPasswordSection/> }.into_any()
        } else {
            view! { <FormAlert error=redirected_error()/> }.into_any()
        }}
        <ul class="session-list">{rows}</ul>
        {(can_end && has_others).then(|| {
            let end_others = Form::new(
                EndOtherSessions::url(),
                "Sign out all other sessions",
                "Signing out other sessions…",
            )
            .secondary();
            view! { <KeycardForm form=end_others/> }
        })}
    }
}

#[component]
fn SessionItem(row: SessionRow, can_end: bool) -> impl IntoView {
    let sign_out = (can_end && !row.current).then(|| {
        let end_one = Form::new(EndSession::url(), "Sign out", "Signing out…")
            .hidden("id", &row.id)
            .secondary();
        view! { <KeycardForm form=end_one/> }
    });
    view! {
        <li class="session">
            <h2 class="session-device">
                {row.device}
                {row.current.then(|| view! { " " <span class="badge">"This device"</span> })}
            </h2>
            <dl class="details">
                <div><dt>"Address"</dt><dd>{row.address}</dd></div>
                <div><dt>"Signed in"</dt><dd>{row.signed_in}</dd></div>
                <div><dt>"Last active"</dt><dd>{row.last_active}</dd></div>
            </dl>
            {sign_out}
        </li>
    }
}

/// The password again, before other sessions can be signed out; a refused
/// no-JavaScript post's error shows in its form.
#[component]
fn ConfirmPasswordSection() -> impl IntoView {
    let confirm = Form::new(ConfirmPassword::url(), "Confirm", "Confirming…")
        .input(Input::current_password())
        .error(redirected_error());
    view! {
        <section class="confirm" aria-labelledby="confirm-heading">
            <h2 id="confirm-heading">"Confirm your password"</h2>
            <p class="intro">
                "You last entered your password here a while ago. Enter it again to sign out "
                "other sessions."
            </p>
            <KeycardForm form=confirm/>
        </section>
    }
}
