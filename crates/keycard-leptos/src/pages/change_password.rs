//! `/password`: the current password, then a new one twice. Every other session of the
//! account ends; this one carries on. The server's page guard has already turned
//! signed-out visitors away.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::ChangePassword;
use crate::components::{
    AuthCard, FormAlert, NewPasswordFields, SubmitButton, TextField, clear_on_error,
    clear_on_success, form_error,
};
use keycard_types::Field;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let pages = use_pages();
    let change = ServerAction::<ChangePassword>::new();
    let error = form_error(change.value());
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some() && error.get().is_none();
    let inputs = [
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
    ];
    clear_on_error(error, inputs);
    clear_on_success(change.value(), inputs);
    let [current, new, confirmation] = inputs;
    view! {
        <AuthCard title="Change password"
            intro="Every other device signed in to your account will be signed out.">
            {move || changed().then(|| view! {
                <p class="notice" role="status">"Your password has been changed."</p>
            })}
            <ActionForm action=change>
                <FormAlert error/>
                <TextField label="Current password" name="current_password"
                    field=Field::CurrentPassword input_type="password"
                    autocomplete="current-password" required=true error node_ref=current/>
                <NewPasswordFields error new confirmation/>
                <SubmitButton label="Change password" pending_label="Changing password…"
                    pending=change.pending()/>
            </ActionForm>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}
