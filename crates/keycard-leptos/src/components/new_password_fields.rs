//! The two inputs that set a password on an existing account: "New password", with
//! the sign-up rule under it, and "Confirm new password".

use leptos::html::Input;
use leptos::prelude::*;

use super::TextField;
use crate::AuthFnError;
use keycard_types::{Field, password_rule};

#[component]
pub fn NewPasswordFields(
    error: Signal<Option<AuthFnError>>,
    new: NodeRef<Input>,
    confirmation: NodeRef<Input>,
) -> impl IntoView {
    view! {
        <TextField label="New password" name="new_password" field=Field::Password
            input_type="password" autocomplete="new-password" required=true
            hint=password_rule() error node_ref=new/>
        <TextField label="Confirm new password" name="confirm_new_password"
            field=Field::ConfirmPassword input_type="password"
            autocomplete="new-password" required=true error node_ref=confirmation/>
    }
}
