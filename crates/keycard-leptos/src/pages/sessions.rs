//! `/sessions`: everywhere the user is signed in, with a way to sign any other device
//! out. The server's page guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{FormAlert, SubmitButton, TextField, page_data, redirected_error};
use crate::{
    AuthFnError, ConfirmPassword, EndOtherSessions, EndSession, SessionRow, SessionsView,
    list_sessions,
};
use keycard_types::Field;

#[component]
pub fn SessionsPage() -> impl IntoView {
    let pages = use_pages();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let confirm = ServerAction::<ConfirmPassword>::new();
    let sessions = Resource::new_blocking(
        move || {
            (
                end_one.version().get(),
                end_others.version().get(),
                confirm.version().get(),
            )
        },
        |_| list_sessions(),
    );
    let error = page_error(end_one, end_others, confirm);
    view! {
        <Title text="Sessions"/>
        <section class="card sessions">
            <h1>"Sessions"</h1>
            <p class="intro">
                "Everywhere you are signed in. Sign out any device you do not recognise."
            </p>
            <Outcome/>
            <FormAlert error/>
            <Suspense fallback=|| view! { <p class="muted">"Loading your sessions…"</p> }>
                {move || Suspend::new(async move {
                    page_data(sessions.await, pages, Page::Sessions, |view| view! {
                        <SessionList view end_one end_others confirm error/>
                    }.into_any())
                })}
            </Suspense>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </section>
    }
}

/// The error of whichever form was used last, or, before any was used on this page, the
/// one a no-JavaScript redirect put in the URL.
fn page_error(
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
    confirm: ServerAction<ConfirmPassword>,
) -> Signal<Option<AuthFnError>> {
    let last_used = RwSignal::new(None::<Option<AuthFnError>>);
    let follow = move |result: Option<Option<AuthFnError>>| {
        if let Some(error) = result {
            last_used.set(Some(error));
        }
    };
    Effect::new(move || follow(end_one.value().get().map(Result::err)));
    Effect::new(move || follow(end_others.value().get().map(Result::err)));
    Effect::new(move || follow(confirm.value().get().map(Result::err)));
    let redirected = redirected_error();
    Signal::derive(move || last_used.get().unwrap_or_else(|| redirected.get()))
}

/// What the last form did, from the address it sent the browser to.
#[component]
fn Outcome() -> impl IntoView {
    let query = use_query_map();
    move || {
        let query = query.read();
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
}

#[component]
fn SessionList(
    view: SessionsView,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
    confirm: ServerAction<ConfirmPassword>,
    error: Signal<Option<AuthFnError>>,
) -> impl IntoView {
    let can_end = !view.needs_password;
    let has_others = view.sessions.iter().any(|row| !row.current);
    let rows = view
        .sessions
        .into_iter()
        .map(|row| view! { <SessionItem row end_one can_end/> })
        .collect_view();
    view! {
        {view.needs_password.then(|| view! { <ConfirmPasswordForm confirm error/> })}
        <ul class="session-list">{rows}</ul>
        {(can_end && has_others).then(|| view! {
            <ActionForm action=end_others>
                <SubmitButton label="Sign out all other sessions"
                    pending_label="Signing out other sessions…" pending=end_others.pending()
                    secondary=true/>
            </ActionForm>
        })}
    }
}

#[component]
fn SessionItem(row: SessionRow, end_one: ServerAction<EndSession>, can_end: bool) -> impl IntoView {
    let sign_out = (can_end && !row.current).then(|| {
        let id = row.id.clone();
        view! {
            <ActionForm action=end_one>
                <input type="hidden" name="id" value=id/>
                <SubmitButton label="Sign out" pending_label="Signing out…"
                    pending=end_one.pending() secondary=true/>
            </ActionForm>
        }
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

#[component]
fn ConfirmPasswordForm(
    confirm: ServerAction<ConfirmPassword>,
    error: Signal<Option<AuthFnError>>,
) -> impl IntoView {
    view! {
        <section class="confirm" aria-labelledby="confirm-heading">
            <h2 id="confirm-heading">"Confirm your password"</h2>
            <p class="intro">
                "You last entered your password here a while ago. Enter it again to sign out "
                "other sessions."
            </p>
            <ActionForm action=confirm>
                <TextField label="Password" name="password" field=Field::Password
                    input_type="password" autocomplete="current-password" required=true error/>
                <SubmitButton label="Confirm" pending_label="Confirming…" pending=confirm.pending()/>
            </ActionForm>
        </section>
    }
}
