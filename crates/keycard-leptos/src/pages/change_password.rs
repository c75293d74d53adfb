//! `/password`: the current password, then a new one twice. Every other session of the
//! account ends; this one carries on. The server's page guard has already turned
//! signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::ChangePassword;
use crate::components::{AuthCard, Form, Input, KeycardForm, new_password, redirected_error};
use keycard_types::Field;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let pages = use_pages();
    let changed = use_query_map().get_untracked().get("changed").is_some();
    view! {
        <AuthCard title="Change password"
            intro="Every other device signed in to your account will be signed out.">
            {changed.then(|| view! {
                <p class="notice" role="status">"Your password has been changed."</p>
            })}
            <KeycardForm form=change_password_form()/>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}

fn change_password_form() -> Form {
    new_password(
        Form::new(
            ChangePassword::url(),
            "Change password",
            "Changing password…",
        )
        .input(Input::password(
            "Current password",
            "current_password",
            Field::CurrentPassword,
            "current-password",
        )),
    )
    .error(redirected_error())
}
