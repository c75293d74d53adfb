//! `/verify-email?token=…`: where a verification link leads. Opening it changes
//! nothing (mail scanners open links too); pressing the button verifies the address.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::VerifyEmail;
use crate::components::{AuthCard, Form, KeycardForm, redirected_error};

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let verified = query.get("verified").is_some();
    let token = query.get("token").unwrap_or_default();
    view! {
        <AuthCard title="Verify your email" intro="Confirm that this address is yours.">
            {if verified {
                view! {
                    <p class="notice" role="status">"Your email address is verified."</p>
                    <p class="switch"><a href=pages.path(Page::Profile)>"Go to your profile"</a></p>
                }.into_any()
            } else {
                let verify = Form::new(VerifyEmail::url(), "Verify email", "Verifying…")
                    .hidden("token", &token)
                    .error(redirected_error());
                view! { <KeycardForm form=verify/> }.into_any()
            }}
        </AuthCard>
    }
}
