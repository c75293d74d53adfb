//! `/verify-email?token=…`: where a verification link leads. Opening it changes
//! nothing (mail scanners open links too); pressing the button verifies the address.

use keycard_types::Page;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::VerifyEmail;
use crate::components::{AuthCard, FormAlert, SubmitButton, form_error};

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let pages = use_pages();
    let verify = ServerAction::<VerifyEmail>::new();
    let error = form_error(verify.value());
    let query = use_query_map();
    let verified = move || query.read().get("verified").is_some() && error.get().is_none();
    let token = query.get_untracked().get("token").unwrap_or_default();
    view! {
        <AuthCard title="Verify your email" intro="Confirm that this address is yours.">
            {move || if verified() {
                view! {
                    <p class="notice" role="status">"Your email address is verified."</p>
                    <p class="switch"><a href=pages.path(Page::Profile)>"Go to your profile"</a></p>
                }.into_any()
            } else {
                let token = token.clone();
                view! {
                    <ActionForm action=verify>
                        <FormAlert error/>
                        <input type="hidden" name="token" value=token/>
                        <SubmitButton label="Verify email" pending_label="Verifying…"
                            pending=verify.pending()/>
                    </ActionForm>
                }.into_any()
            }}
        </AuthCard>
    }
}
