//! `/delete-account`: what goes, the password, and then it is gone. The server's page
//! guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;

use crate::DeleteAccount;
use crate::components::{AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, form_error};
use keycard_types::Field;

#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let pages = use_pages();
    let delete = ServerAction::<DeleteAccount>::new();
    let error = form_error(delete.value());
    let password = NodeRef::<Input>::new();
    clear_on_error(error, [password]);
    view! {
        <AuthCard title="Delete account" intro="This cannot be undone.">
            <p>"Deleting your account removes, at once and for good:"</p>
            <ul class="consequences">
                <li>"your account: its username, email and password"</li>
                <li>"every session, on every device, which are all signed out"</li>
                <li>"your account's activity record"</li>
            </ul>
            <p>"Anyone may then register your username."</p>
            <ActionForm action=delete>
                <FormAlert error/>
                <TextField label="Password" name="password" field=Field::Password
                    input_type="password" autocomplete="current-password" required=true
                    error node_ref=password/>
                <SubmitButton label="Delete account" pending_label="Deleting account…"
                    pending=delete.pending() danger=true/>
            </ActionForm>
            <p class="switch"><a href=pages.path(Page::Profile)>"Keep my account"</a></p>
        </AuthCard>
    }
}
