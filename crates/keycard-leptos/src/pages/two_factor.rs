//! `/two-factor`: turn two-step sign-in on (password, then scan the QR code and type
//! the password and the app's first code, then save the recovery codes) and off (password and a code).
//! The server's page guard has already turned signed-out visitors away.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthCard, Form, Input, KeycardForm, page_data, redirected_error};
use crate::{BeginTwoFactor, ConfirmTwoFactor, DisableTwoFactor, TwoFactorView, get_two_factor};
use keycard_types::Field;

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let pages = use_pages();
    let status = Resource::new_blocking(|| (), |()| get_two_factor());
    let turned_off = use_query_map().get_untracked().get("turned_off").is_some();
    view! {
        <AuthCard title="Two-step sign-in"
            intro="After your password, signing in also asks for a code from an authenticator app on your phone, so a stolen password alone is not enough.">
            {turned_off.then(|| view! {
                <p class="notice" role="status">"Two-step sign-in is off."</p>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    page_data(status.await, pages, Page::TwoFactor, move |view| match view {
                        TwoFactorView::Off => view! {
                            <p>"Two-step sign-in is off. You need an authenticator app, such as the one built into your phone's password manager."</p>
                            <KeycardForm form=turn_on_form()/>
                        }.into_any(),
                        TwoFactorView::SettingUp { secret, qr_svg } => view! {
                            <ol class="steps">
                                <li>"Scan this QR code with your authenticator app, or type the key below into it."</li>
                                <li>"Type your password and the 6-digit code the app shows, to prove it is set up."</li>
                            </ol>
                            <div class="qr-code" inner_html=qr_svg></div>
                            <p>"Key: " <code class="secret">{group_in_fours(&secret)}</code></p>
                            <KeycardForm form=confirm_form()/>
                        }.into_any(),
                        TwoFactorView::On { recovery_codes_left, fresh_recovery_codes } => view! {
                            <RecoveryCodes codes=fresh_recovery_codes/>
                            <TurnOff recovery_codes_left/>
                        }.into_any(),
                    })
                })}
            </Suspense>
            <p class="switch"><a href=pages.path(Page::Profile)>"Back to your profile"</a></p>
        </AuthCard>
    }
}

/// "Turn on": the password again, then the page shows the QR code.
fn turn_on_form() -> Form {
    Form::new(BeginTwoFactor::url(), "Turn on", "Starting…")
        .input(Input::current_password())
        .error(redirected_error())
}

/// The password and the app's first code, proving it was set up.
fn confirm_form() -> Form {
    password_and_code(Form::new(
        ConfirmTwoFactor::url(),
        "Turn on two-step sign-in",
        "Checking…",
    ))
}

/// The recovery codes just made, the only time they are shown.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
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

#[component]
fn TurnOff(recovery_codes_left: usize) -> impl IntoView {
    let left = match recovery_codes_left {
        1 => "1 recovery code left".to_owned(),
        count => format!("{count} recovery codes left"),
    };
    view! {
        <p class="notice" role="status">"Two-step sign-in is on. " {left} "."</p>
        <section aria-labelledby="turn-off-heading">
            <h2 id="turn-off-heading">"Turn off"</h2>
            <KeycardForm form=turn_off_form()/>
        </section>
    }
}

/// "Turn off two-step sign-in": the password and a current code.
fn turn_off_form() -> Form {
    password_and_code(
        Form::new(
            DisableTwoFactor::url(),
            "Turn off two-step sign-in",
            "Turning off…",
        )
        .secondary(),
    )
}

/// The password asked again and a current code.
fn password_and_code(form: Form) -> Form {
    form.input(Input::current_password())
        .input(Input::code(
            "Code",
            "code",
            Field::Code,
            "one-time-code",
            true,
        ))
        .error(redirected_error())
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
