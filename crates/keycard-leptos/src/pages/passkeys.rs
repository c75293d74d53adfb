//! `/passkeys`: the account's passkeys, with "Add a passkey" (the password confirmed,
//! then the browser's own dialog) and "Remove" for each. Adding one needs the browser's
//! WebAuthn, so without JavaScript the page lists and removes only. The server's page
//! guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{
    AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, clear_on_success, form_error,
    page_data,
};
use crate::{
    AuthFnError, PasskeyRow, RemovePasskey, begin_passkey_registration, create_passkey,
    finish_passkey_registration, list_passkeys,
};
use keycard_types::Field;

#[component]
pub fn PasskeysPage() -> impl IntoView {
    let pages = use_pages();
    let remove = ServerAction::<RemovePasskey>::new();
    let add = Action::new(|(name, password, code): &(String, String, String)| {
        SendWrapper::new(add_passkey(name.clone(), password.clone(), code.clone()))
    });
    let passkeys = Resource::new_blocking(
        move || (remove.version().get(), add.version().get()),
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
                        let two_step_on = view.two_step_on;
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
                        view! { {list} <AddPasskey add two_step_on/> }.into_any()
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

/// The browser's half of adding a passkey, between the server's two.
async fn add_passkey(name: String, password: String, code: String) -> Result<(), AuthFnError> {
    let ceremony = begin_passkey_registration(password, code).await?;
    let credential = create_passkey(&ceremony.options).await?;
    finish_passkey_registration(name, ceremony.state, credential).await
}

#[component]
fn AddPasskey(
    add: Action<(String, String, String), Result<(), AuthFnError>>,
    two_step_on: bool,
) -> impl IntoView {
    // The form needs the browser's WebAuthn: shown once the page runs its code.
    let interactive = RwSignal::new(false);
    Effect::new(move || interactive.set(true));
    let error = form_error(add.value());
    let inputs = [
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
    ];
    let [name, password, code] = inputs;
    clear_on_error(error, [password, code]);
    clear_on_success(add.value(), inputs);
    let added = move || matches!(add.value().get(), Some(Ok(())));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value =
            |input: NodeRef<Input>| input.get().map(|input| input.value()).unwrap_or_default();
        add.dispatch((value(name), value(password), value(code)));
    };
    move || {
        if !interactive.get() {
            return view! { <p class="muted">"Adding a passkey needs JavaScript."</p> }.into_any();
        }
        view! {
            <section class="add-passkey" aria-labelledby="add-passkey-heading">
                <h2 id="add-passkey-heading">"Add a passkey"</h2>
                {move || added().then(|| view! {
                    <p class="notice" role="status">"Passkey added."</p>
                })}
                <form on:submit=submit>
                    <FormAlert error/>
                    <TextField label="Name" name="name" field=Field::PasskeyName
                        autocomplete="off" required=true hint="To tell it from others, e.g. \"Laptop\"."
                        error node_ref=name/>
                    <TextField label="Password" name="password" field=Field::Password
                        input_type="password" autocomplete="current-password" required=true
                        error node_ref=password/>
                    {two_step_on.then(|| view! {
                        <TextField label="Code" name="code" field=Field::Code
                            autocomplete="one-time-code" inputmode="numeric" required=true
                            hint="From your authenticator app: two-step sign-in is on."
                            error node_ref=code/>
                    })}
                    <SubmitButton label="Add a passkey" pending_label="Waiting for your passkey…"
                        pending=add.pending()/>
                </form>
            </section>
        }
        .into_any()
    }
}
