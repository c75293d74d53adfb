//! The server functions of two-step sign-in: the second step of a login, and turning
//! it on and off on `/two-factor`. Like the others, each parses its input, calls the
//! auth core, and sets cookies or redirects.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use keycard_types::AuthFnError;

/// Where the signed-in account's two-step sign-in stands, as `/two-factor` shows it.
/// `Debug` shows neither the secret nor recovery codes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorView {
    /// Two-step sign-in is off.
    Off,
    /// A secret waits for its first code: the app scans `qr_svg` or takes `secret`.
    SettingUp {
        /// The secret, for typing into the app.
        secret: String,
        /// The secret as a QR code, an inline SVG element.
        qr_svg: String,
    },
    /// Two-step sign-in is on.
    On {
        /// How many recovery codes are still unused.
        recovery_codes_left: usize,
        /// Recovery codes just made, for a browser without JavaScript: shown once.
        fresh_recovery_codes: Vec<String>,
    },
}

impl std::fmt::Debug for TwoFactorView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Off => f.write_str("Off"),
            Self::SettingUp { .. } => f.write_str("SettingUp { secret: [redacted], .. }"),
            Self::On {
                recovery_codes_left,
                fresh_recovery_codes,
            } => f
                .debug_struct("On")
                .field("recovery_codes_left", recovery_codes_left)
                .field("fresh_recovery_codes", &fresh_recovery_codes.len())
                .finish(),
        }
    }
}

/// Whether this browser is in the middle of a login that waits for its second step.
#[server(endpoint = "two_step_pending")]
pub async fn two_step_pending() -> Result<bool, AuthFnError> {
    use crate::server::FnRequest;

    let request = FnRequest::current()?;
    Ok(request
        .two_step_challenge()
        .is_some_and(|challenge| request.auth().two_step_is_pending(&challenge)))
}

/// The second step of a login: a code from the app, or a recovery code.
#[server(endpoint = "two_step")]
pub async fn complete_two_step(
    /// The six-digit code from the authenticator app, or empty.
    code: Option<String>,
    /// A recovery code instead, or empty.
    recovery_code: Option<String>,
    /// The local path to go to once signed in.
    next: Option<String>,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::{AuthError, SecondFactor};
    use keycard_core::domain::{NextPath, RecoveryCode, TotpCode};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let next = next.as_deref().and_then(NextPath::parse);
    let using_recovery_code = recovery_code.is_some();
    let completed = async {
        let challenge = request
            .two_step_challenge()
            .ok_or(AuthError::TwoStepExpired)?;
        let answer = match recovery_code.as_deref() {
            Some(code) => SecondFactor::RecoveryCode(RecoveryCode::parse(code)?),
            None => SecondFactor::Code(TotpCode::parse(code.as_deref().unwrap_or(""))?),
        };
        request
            .auth()
            .complete_two_step(&challenge, answer, request.client())
            .await
    };
    let form = FormReturn::new(request.page(Page::TwoStep))
        .keep("next", next.as_ref().map_or("", NextPath::as_str))
        .keep("recovery", if using_recovery_code { "1" } else { "" });
    match completed.await {
        Ok(signed_in) => {
            request.forget_two_step();
            request.signed_in_to(&signed_in, next.as_ref());
            Ok(())
        }
        Err(AuthError::WrongCode) if using_recovery_code => {
            Err(request.reject_public_form(AuthFnError::WrongRecoveryCode, &form))
        }
        Err(error) => {
            if matches!(error, AuthError::TwoStepExpired) {
                request.forget_two_step();
            }
            Err(request.reject_form(error, &form))
        }
    }
}

/// What `/two-factor` shows.
#[server(endpoint = "two_factor")]
pub async fn get_two_factor() -> Result<TwoFactorView, AuthFnError> {
    use crate::server::{FnRequest, qr_code_svg};
    use keycard_core::auth::TwoFactorStatus;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let status = request
        .auth()
        .two_factor_status(&session)
        .await
        .map_err(|error| request.reject(error))?;
    Ok(match status {
        TwoFactorStatus::Off => TwoFactorView::Off,
        TwoFactorStatus::SettingUp(setup) => TwoFactorView::SettingUp {
            qr_svg: qr_code_svg(&setup.otpauth_url)
                .map_err(|error| request.reject(error.into()))?,
            secret: setup.secret,
        },
        TwoFactorStatus::On {
            recovery_codes_left,
        } => TwoFactorView::On {
            recovery_codes_left,
            fresh_recovery_codes: request.take_recovery_codes().unwrap_or_default(),
        },
    })
}

/// "Turn on": the password, then a new secret for the app.
#[server(endpoint = "two_factor_begin")]
pub async fn begin_two_factor(
    /// The current password.
    password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let begun = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        request
            .auth()
            .begin_two_factor(&session, password, request.client())
            .await
    };
    let form = FormReturn::new(request.page(Page::TwoFactor));
    match begun.await {
        Ok(_) => {
            request.redirect(&request.page(Page::TwoFactor));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}

/// "Turn on two-step sign-in": the password again and the app's first code. Answers
/// the recovery codes.
#[server(endpoint = "two_factor_confirm")]
pub async fn confirm_two_factor(
    /// The current password.
    password: String,
    /// A code from the app, proving it was set up.
    code: String,
) -> Result<Vec<String>, AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::{Password, TotpCode};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let confirmed = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        let code = TotpCode::parse(&code)?;
        request
            .auth()
            .confirm_two_factor(&session, password, code, request.client())
            .await
    };
    let form = FormReturn::new(request.page(Page::TwoFactor));
    match confirmed.await {
        Ok(codes) => {
            request.hand_over_recovery_codes(&codes);
            request.redirect(&request.page(Page::TwoFactor));
            Ok(codes)
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}

/// "Turn off": the password and a current code.
#[server(endpoint = "two_factor_disable")]
pub async fn disable_two_factor(
    /// The current password.
    password: String,
    /// A code from the app, or a recovery code.
    code: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::{Password, TotpCode};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let disabled = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        let code = TotpCode::parse(&code)?;
        request
            .auth()
            .disable_two_factor(&session, password, code, request.client())
            .await
    };
    let form = FormReturn::new(request.page(Page::TwoFactor));
    match disabled.await {
        Ok(()) => {
            request.redirect(&request.page_with_query(Page::TwoFactor, "turned_off=1"));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}
