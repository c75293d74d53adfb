//! "Add a passkey" on `/passkeys` (the `passkeys` feature): the password confirmed,
//! then the browser's own dialog. It needs the browser's WebAuthn, so the form shows
//! only once the page runs its code.

use leptos::html::Input;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::components::{
    FormAlert, SubmitButton, TextField, clear_on_error, clear_on_success, form_error,
};
use crate::{AuthFnError, begin_passkey_registration, create_passkey, finish_passkey_registration};
use keycard_types::Field;

/// What "Add a passkey" runs: the browser's half between the server's two.
pub type AddAction = Action<(String, String, String), Result<(), AuthFnError>>;

/// The action the form dispatches; the page refetches its list when it has run.
pub fn add_action() -> AddAction {
    Action::new(|(name, password, code): &(String, String, String)| {
        SendWrapper::new(add_passkey(name.clone(), password.clone(), code.clone()))
    })
}

/// The browser's half of adding a passkey, between the server's two.
async fn add_passkey(name: String, password: String, code: String) -> Result<(), AuthFnError> {
    let ceremony = begin_passkey_registration(password, code).await?;
    let credential = create_passkey(&ceremony.options).await?;
    finish_passkey_registration(name, ceremony.state, credential).await
}

#[component]
pub fn AddPasskey(add: AddAction, two_step_on: bool) -> impl IntoView {
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
