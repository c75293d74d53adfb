//! `/delete-account`: what goes, the password, and then it is gone. The server's page
//! guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;

use crate::DeleteAccount;
use crate::components::{AuthCard, Form, Input, KeycardForm, redirected_error};

#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let pages = use_pages();
    view! {
        <AuthCard title="Delete account" intro="This cannot be undone.">
            <p>"Deleting your account removes, at once and for good:"</p>
            <ul class="consequences">
                <li>"your account: its username, email and password"</li>
                <li>"every session, on every device, which are all signed out"</li>
                <li>"your account's activity record"</li>
            </ul>
            <p>"Anyone may then register your username."</p>
            <KeycardForm form=delete_account_form()/>
            <p class="switch"><a href=pages.path(Page::Profile)>"Keep my account"</a></p>
        </AuthCard>
    }
}

fn delete_account_form() -> Form {
    Form::new(DeleteAccount::url(), "Delete account", "Deleting account…")
        .danger()
        .input(Input::current_password())
        .error(redirected_error())
}
