//! `/passkeys`: the account's passkeys, with "Remove" for each and, with the `passkeys`
//! feature, "Add a passkey". Adding one needs the browser's WebAuthn, so without
//! JavaScript the page lists and removes only. The server's page guard has already
//! turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, Form, FormAlert, KeycardForm, page_data, redirected_error};
use crate::{PasskeyRow, RemovePasskey, list_passkeys};

#[component]
pub fn PasskeysPage() -> impl IntoView {
    let pages = use_pages();
    let passkeys = Resource::new_blocking(|| (), |()| list_passkeys());
    let query = use_query_map().get_untracked();
    let notice = if query.get("removed").is_some() {
        Some("The passkey was removed, and every session it signed in was signed out.")
    } else if query.get("added").is_some() {
        Some("Passkey added.")
    } else {
        None
    };
    view! {
        <AuthCard title="Passkeys"
            intro="A passkey signs you in with your fingerprint, face or screen lock instead of a password. It works only on this site, so a look-alike site cannot use it.">
            {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <FormAlert error=redirected_error()/>
            <Suspense fallback=|| view! { <p class="muted">"Loading your passkeys…"</p> }>
                {move || Suspend::new(async move {
                    page_data(passkeys.await, pages, Page::Passkeys, move |view| {
                        let list = if view.passkeys.is_empty() {
                            view! { <p>"You have no passkeys yet."</p> }.into_any()
                        } else {
                            let rows = view
                                .passkeys
                                .into_iter()
                                .map(|row| view! { <PasskeyItem row/> })
                                .collect_view();
                            view! { <ul class="passkey-list">{rows}</ul> }.into_any()
                        };
                        #[cfg(feature = "passkeys")]
                        let add_form = view! {
                            <super::add_passkey::AddPasskey two_step_on=view.two_step_on/>
                        };
                        #[cfg(not(feature = "passkeys"))]
                        let add_form = view! {
                            <p class="muted">"This site does not add new passkeys."</p>
                        };
                        view! { {list} {add_form} }.into_any()
                    })
                })}
            </Suspense>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}

#[component]
fn PasskeyItem(row: PasskeyRow) -> impl IntoView {
    let last_used = row.last_used.unwrap_or_else(|| "Never".to_owned());
    let remove = Form::new(RemovePasskey::url(), "Remove", "Removing…")
        .hidden("id", &row.id)
        .secondary();
    view! {
        <li class="passkey">
            <h2 class="passkey-name">{row.name}</h2>
            <dl class="details">
                <div><dt>"Added"</dt><dd>{row.added}</dd></div>
                <div><dt>"Last used"</dt><dd>{last_used}</dd></div>
            </dl>
            <KeycardForm form=remove/>
        </li>
    }
}
