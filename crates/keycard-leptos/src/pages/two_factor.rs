//! `/two-factor`: turn two-step sign-in on (password, then scan the QR code and type
//! the password and the app's first code, then save the recovery codes) and off (password and a code).
//! The server's page guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::html::Input;
use leptos::prelude::*;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::AuthFnError;
use crate::components::{
    AuthCard, FormAlert, SubmitButton, TextField, clear_on_error, form_error, page_data,
};
use crate::{BeginTwoFactor, ConfirmTwoFactor, DisableTwoFactor, TwoFactorView, get_two_factor};
use keycard_types::Field;

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let pages = use_pages();
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new_blocking(
        move || {
            (
                begin.version().get(),
                confirm.version().get(),
                disable.version().get(),
            )
        },
        |_| get_two_factor(),
    );
    let query = use_query_map();
    // A plain form post comes back with `?turned_off=1`; the hydrated page has the result.
    let turned_off = move || match disable.value().get() {
        Some(result) => result.is_ok(),
        None => query.read().get("turned_off").is_some(),
    };
    view! {
        <AuthCard title="Two-step sign-in"
            intro="After your password, signing in also asks for a code from an authenticator app on your phone, so a stolen password alone is not enough.">
            {move || turned_off().then(|| view! {
                <p class="notice" role="status">"Two-step sign-in is off."</p>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    page_data(status.await, pages, Page::TwoFactor, move |view| match view {
                        TwoFactorView::Off => view! { <TurnOn begin/> }.into_any(),
                        TwoFactorView::SettingUp { secret, qr_svg } => {
                            view! { <Confirm confirm secret qr_svg/> }.into_any()
                        }
                        TwoFactorView::On { recovery_codes_left, fresh_recovery_codes } => {
                            let fresh = move || match confirm.value().get() {
                                Some(Ok(codes)) => codes,
                                _ => fresh_recovery_codes.clone(),
                            };
                            view! {
                                <RecoveryCodes codes=fresh/>
                                <TurnOff disable recovery_codes_left/>
                            }
                            .into_any()
                        }
                    })
                })}
            </Suspense>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}

#[component]
fn TurnOn(begin: ServerAction<BeginTwoFactor>) -> impl IntoView {
    let error = form_error(begin.value());
    let password = NodeRef::<Input>::new();
    clear_on_error(error, [password]);
    view! {
        <p>"Two-step sign-in is off. You need an authenticator app, such as the one built into your phone's password manager."</p>
        <ActionForm action=begin>
            <FormAlert error/>
            <TextField label="Password" name="password" field=Field::Password
                input_type="password" autocomplete="current-password" required=true error
                node_ref=password/>
            <SubmitButton label="Turn on" pending_label="Starting…" pending=begin.pending()/>
        </ActionForm>
    }
}

#[component]
fn Confirm(
    confirm: ServerAction<ConfirmTwoFactor>,
    secret: String,
    qr_svg: String,
) -> impl IntoView {
    let error = form_error(confirm.value());
    view! {
        <ol class="steps">
            <li>"Scan this QR code with your authenticator app, or type the key below into it."</li>
            <li>"Type your password and the 6-digit code the app shows, to prove it is set up."</li>
        </ol>
        <div class="qr-code" inner_html=qr_svg></div>
        <p>"Key: " <code class="secret">{group_in_fours(&secret)}</code></p>
        <ActionForm action=confirm>
            <FormAlert error/>
            <PasswordAndCode error/>
            <SubmitButton label="Turn on two-step sign-in" pending_label="Checking…"
                pending=confirm.pending()/>
        </ActionForm>
    }
}

/// The recovery codes just made, the only time they are shown.
#[component]
fn RecoveryCodes(codes: impl Fn() -> Vec<String> + Send + Sync + 'static) -> impl IntoView {
    move || {
        let codes = codes();
        (!codes.is_empty()).then(|| view! {
            <section class="recovery" aria-labelledby="recovery-heading">
                <h2 id="recovery-heading">"Save your recovery codes"</h2>
                <p>
                    "If you lose your phone, each of these signs you in once in place of a code. "
                    "Keep them somewhere safe: they are shown only this once."
                </p>
                <ul class="recovery-codes">
                    {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                </ul>
            </section>
        })
    }
}

#[component]
fn TurnOff(disable: ServerAction<DisableTwoFactor>, recovery_codes_left: usize) -> impl IntoView {
    let error = form_error(disable.value());
    let left = match recovery_codes_left {
        1 => "1 recovery code left".to_owned(),
        count => format!("{count} recovery codes left"),
    };
    view! {
        <p class="notice" role="status">"Two-step sign-in is on. " {left} "."</p>
        <section aria-labelledby="turn-off-heading">
            <h2 id="turn-off-heading">"Turn off"</h2>
            <ActionForm action=disable>
                <FormAlert error/>
                <PasswordAndCode error/>
                <SubmitButton label="Turn off two-step sign-in" pending_label="Turning off…"
                    pending=disable.pending() secondary=true/>
            </ActionForm>
        </section>
    }
}

/// The password asked again and a current code, both emptied when the form is refused.
#[component]
fn PasswordAndCode(error: Signal<Option<AuthFnError>>) -> impl IntoView {
    let inputs = [NodeRef::<Input>::new(), NodeRef::<Input>::new()];
    clear_on_error(error, inputs);
    let [password, code] = inputs;
    view! {
        <TextField label="Password" name="password" field=Field::Password
            input_type="password" autocomplete="current-password" required=true error
            node_ref=password/>
        <TextField label="Code" name="code" field=Field::Code autocomplete="one-time-code"
            inputmode="numeric" required=true error node_ref=code/>
    }
}

/// "JBSWY3DPEHPK3PXP" as "JBSW Y3DP EHPK 3PXP", easier to copy by eye.
fn group_in_fours(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
