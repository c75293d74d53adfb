//! `/passkeys`: the account's passkeys, with "Remove" for each and, with the `passkeys`
//! feature, "Add a passkey". Adding one needs the browser's WebAuthn, so without
//! JavaScript the page lists and removes only. The server's page guard has already
//! turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, FormAlert, SubmitButton, form_error, page_data};
use crate::{PasskeyRow, RemovePasskey, list_passkeys};

#[component]
pub fn PasskeysPage() -> impl IntoView {
    let pages = use_pages();
    let remove = ServerAction::<RemovePasskey>::new();
    #[cfg(feature = "passkeys")]
    let add = super::add_passkey::add_action();
    #[cfg(feature = "passkeys")]
    let added = move || add.version().get();
    #[cfg(not(feature = "passkeys"))]
    let added = || 0;
    let passkeys = Resource::new_blocking(
        move || (remove.version().get(), added()),
        |_| list_passkeys(),
    );
    let query = use_query_map();
    // A plain form post comes back with `?removed=1`; the hydrated page has the result.
    let removed = move || match remove.value().get() {
        Some(result) => result.is_ok(),
        None => query.read().get("removed").is_some(),
    };
    let remove_error = form_error(remove.value());
    view! {
        <AuthCard title="Passkeys"
            intro="A passkey signs you in with your fingerprint, face or screen lock instead of a password. It works only on this site, so a look-alike site cannot use it.">
            {move || removed().then(|| view! {
                <p class="notice" role="status">
                    "The passkey was removed, and every session it signed in was signed out."
                </p>
            })}
            <FormAlert error=remove_error/>
            <Suspense fallback=|| view! { <p class="muted">"Loading your passkeys…"</p> }>
                {move || Suspend::new(async move {
                    page_data(passkeys.await, pages, Page::Passkeys, move |view| {
                        let list = if view.passkeys.is_empty() {
                            view! { <p>"You have no passkeys yet."</p> }.into_any()
                        } else {
                            let rows = view
                                .passkeys
                                .into_iter()
                                .map(|row| view! { <PasskeyItem row remove/> })
                                .collect_view();
                            view! { <ul class="passkey-list">{rows}</ul> }.into_any()
                        };
                        #[cfg(feature = "passkeys")]
                        let add_form = view! {
                            <super::add_passkey::AddPasskey add two_step_on=view.two_step_on/>
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
fn PasskeyItem(row: PasskeyRow, remove: ServerAction<RemovePasskey>) -> impl IntoView {
    let last_used = row.last_used.unwrap_or_else(|| "Never".to_owned());
    view! {
        <li class="passkey">
            <h2 class="passkey-name">{row.name}</h2>
            <dl class="details">
                <div><dt>"Added"</dt><dd>{row.added}</dd></div>
                <div><dt>"Last used"</dt><dd>{last_used}</dd></div>
            </dl>
            <ActionForm action=remove>
                <input type="hidden" name="id" value=row.id/>
                <SubmitButton label="Remove" pending_label="Removing…" pending=remove.pending()
                    secondary=true/>
            </ActionForm>
        </li>
    }
}
