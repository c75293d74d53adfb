//! `/register`: a new account, signed in straight away.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::Register;
use crate::components::{AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, form_error};
use keycard_types::{Field, password_rule, username_rule};

#[component]
pub fn RegisterPage() -> impl IntoView {
    let pages = use_pages();
    let register = ServerAction::<Register>::new();
    let error = form_error(register.value());
    let query = use_query_map().get_untracked();
    let typed_username = query.get("username").unwrap_or_default();
    let typed_email = query.get("email").unwrap_or_default();
    let password = NodeRef::<Input>::new();
    let confirmation = NodeRef::<Input>::new();
    clear_on_error(error, [password, confirmation]);
    view! {
        <AuthCard title="Create account" intro="One username, one password, and you are in.">
            <ActionForm action=register>
                <FormAlert error/>
                <TextField label="Username" name="username" field=Field::Username
                    autocomplete="username" value=typed_username required=true
                    hint=username_rule() error/>
                <TextField label="Email (optional)" name="email" field=Field::Email
                    input_type="email" autocomplete="email" value=typed_email error/>
                <TextField label="Password" name="password" field=Field::Password
                    input_type="password" autocomplete="new-password" required=true
                    hint=password_rule() error node_ref=password/>
                <TextField label="Confirm password" name="confirm_password"
                    field=Field::ConfirmPassword input_type="password"
                    autocomplete="new-password" required=true error node_ref=confirmation/>
                <SubmitButton label="Create account" pending_label="Creating account…"
                    pending=register.pending()/>
            </ActionForm>
            <p class="switch">"Already have an account? " <a href=pages.path(Page::Login)>"Log in"</a></p>
        </AuthCard>
    }
}
