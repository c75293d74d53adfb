//! `/activity`: the account's newest security events, with when, what, and from which
//! device and address. The server's page guard has already turned signed-out visitors
//! away.

use keycard_types::Page;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_meta::Title;

use crate::components::page_data;
use crate::{ActivityRow, list_activity};

#[component]
pub fn ActivityPage() -> impl IntoView {
    let pages = use_pages();
    let activity = Resource::new_blocking(|| (), |()| list_activity());
    view! {
        <Title text="Activity"/>
        <section class="card activity">
            <h1>"Activity"</h1>
            <p class="intro">
                "Your account's security events of the last 90 days, newest first. If one was "
                "not you, " <a href=pages.path(Page::Password)>"change your password"</a> "."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading your activity…"</p> }>
                {move || Suspend::new(async move {
                    page_data(activity.await, pages, Page::Activity, |view| {
                        if view.events.is_empty() {
                            return view! { <p class="muted">"Nothing has happened yet."</p> }
                                .into_any();
                        }
                        let events = view.events.into_iter().map(|row| view! { <Event row/> });
                        view! { <ol class="event-list">{events.collect_view()}</ol> }.into_any()
                    })
                })}
            </Suspense>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </section>
    }
}

#[component]
fn Event(row: ActivityRow) -> impl IntoView {
    view! {
        <li class="event">
            <h2 class="event-what">{row.what}</h2>
            <dl class="details">
                <div><dt>"When"</dt><dd>{row.at}</dd></div>
                <div><dt>"Device"</dt><dd>{row.device}</dd></div>
                <div><dt>"Address"</dt><dd>{row.address}</dd></div>
            </dl>
        </li>
    }
}
