//! `/forgot-password`: a username or an address, then the same answer for everyone.
//! Only an account with a verified address is mailed a link.

use keycard_types::Page;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, FormAlert, SubmitButton, TextField, form_error};
use crate::{ForgotPassword, RESET_REQUESTED};
use keycard_types::Field;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let pages = use_pages();
    let forgot = ServerAction::<ForgotPassword>::new();
    let error = form_error(forgot.value());
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some() && error.get().is_none();
    let typed = query.get_untracked().get("login").unwrap_or_default();
    view! {
        <AuthCard title="Forgot your password?"
            intro="Enter your username or email address. We will mail a link to set a new password to your verified address.">
            {move || sent().then(|| view! {
                <p class="notice" role="status">{RESET_REQUESTED}". Check your inbox."</p>
            })}
            <ActionForm action=forgot>
                <FormAlert error/>
                <TextField label="Username or email" name="login" field=Field::Username
                    autocomplete="username" value=typed required=true error/>
                <SubmitButton label="Send the link" pending_label="Sending the link…"
                    pending=forgot.pending()/>
            </ActionForm>
            <p class="switch"><a href=pages.path(Page::Login)>"Back to log in"</a></p>
        </AuthCard>
    }
}
