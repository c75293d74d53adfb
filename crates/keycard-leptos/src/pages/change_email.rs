//! `/email`: a new address (or none) and the password. The new address starts
//! unverified and is sent a link; a verified old one is told. The server's page guard
//! has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::ChangeEmail;
use crate::components::{
    AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, clear_on_success, form_error,
};
use keycard_types::Field;

#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    let pages = use_pages();
    let change = ServerAction::<ChangeEmail>::new();
    let error = form_error(change.value());
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some() && error.get().is_none();
    let typed = query.get_untracked().get("email").unwrap_or_default();
    let password = NodeRef::<Input>::new();
    clear_on_error(error, [password]);
    clear_on_success(change.value(), [password]);
    view! {
        <AuthCard title="Change email"
            intro="A new address gets a link to confirm it; a verified old one is told of the change. Leave the field empty to remove your address.">
            {move || changed().then(|| view! {
                <p class="notice" role="status">
                    "Your email address has been changed. A new one has been sent a link to confirm it."
                </p>
            })}
            <ActionForm action=change>
                <FormAlert error/>
                <TextField label="New email" name="email" field=Field::Email input_type="email"
                    autocomplete="email" value=typed error/>
                <TextField label="Current password" name="password" field=Field::CurrentPassword
                    input_type="password" autocomplete="current-password" required=true error
                    node_ref=password/>
                <SubmitButton label="Change email" pending_label="Changing email…"
                    pending=change.pending()/>
            </ActionForm>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}
