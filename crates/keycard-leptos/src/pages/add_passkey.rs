//! "Add a passkey" on `/passkeys` (the `passkeys` feature): the password confirmed,
//! then the browser's own dialog, then back to the list.

use leptos::html::Input;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::components::{FormAlert, SubmitButton, TextField};
use crate::{AuthFnError, begin_passkey_registration, create_passkey, finish_passkey_registration};
use keycard_types::Field;

/// The browser's half of adding a passkey, between the server's two; the second sends
/// the page back to the list.
async fn add_passkey(name: String, password: String, code: String) -> Result<(), AuthFnError> {
    let ceremony = begin_passkey_registration(password, code).await?;
    let credential = create_passkey(&ceremony.options).await?;
    finish_passkey_registration(name, ceremony.state, credential).await
}

/// "Add a passkey", an island: it needs the browser's WebAuthn, so the form shows only
/// once the page runs its code.
#[island]
pub fn AddPasskey(two_step_on: bool) -> impl IntoView {
    let interactive = RwSignal::new(false);
    Effect::new(move || interactive.set(true));
    let add = Action::new(|(name, password, code): &(String, String, String)| {
        SendWrapper::new(add_passkey(name.clone(), password.clone(), code.clone()))
    });
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let inputs = [
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
    ];
    let [name, password, code] = inputs;
    clear_on_error(error, [password, code]);
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
                <form on:submit=submit>
                    <FormAlert error/>
                    <TextField label="Name" name="name" field=Field::PasskeyName
                        autocomplete="off" required=true hint=Some("To tell it from others, e.g. \"Laptop\".".to_owned())
                        error node_ref=name/>
                    <TextField label="Password" name="password" field=Field::Password
                        input_type="password" autocomplete="current-password" required=true
                        error node_ref=password/>
                    {two_step_on.then(|| view! {
                        <TextField label="Code" name="code" field=Field::Code
                            autocomplete="one-time-code" inputmode=Some("numeric".to_owned()) required=true
                            hint=Some("From your authenticator app: two-step sign-in is on.".to_owned())
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

/// Empties the given inputs whenever the form reports an error, as Keycard's other
/// forms empty their passwords and codes.
fn clear_on_error<const N: usize>(error: Signal<Option<AuthFnError>>, inputs: [NodeRef<Input>; N]) {
    Effect::new(move || {
        if error.get().is_some() {
            clear(&inputs);
        }
    });
}

fn clear(inputs: &[NodeRef<Input>]) {
    for input in inputs.iter().filter_map(NodeRef::get_untracked) {
        input.set_value("");
    }
}
