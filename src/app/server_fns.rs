//! The server functions behind the forms, at fixed paths under `/api`. Each body
//! parses its input, calls the auth core, sets or clears the cookies and redirects;
//! `crate::server::FnRequest` does the HTTP side. Bodies exist on the server only;
//! the browser gets a client stub that posts to the same path.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use keycard_types::AuthFnError;

/// The profile page's data, sent only to its signed-in owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub status: String,
    pub member_since: String,
    pub signed_in_since: String,
}

/// The sessions page's data: the signed-in user's live sessions, this one first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsView {
    pub sessions: Vec<SessionRow>,
    /// The password was last entered in this session too long ago to end others.
    pub needs_password: bool,
}

/// One session as the sessions page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub device: String,
    pub address: String,
    pub signed_in: String,
    pub last_active: String,
    pub current: bool,
}

/// The activity page's data: the account's newest security events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub events: Vec<ActivityRow>,
}

/// One event as the activity page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub at: String,
    /// "Signed in", "Password changed", ...
    pub what: String,
    pub device: String,
    pub address: String,
}

#[server(endpoint = "register")]
pub async fn register(
    username: String,
    email: String,
    password: String,
    confirm_password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SIGNED_IN_HOME};
    use keycard_core::domain::{Email, Password, Username};

    let request = FnRequest::current()?;
    let signed_up = async {
        // Spaces around what a person typed are a slip of the finger, not part of it.
        let username = Username::parse(username.trim())?;
        let email = Email::parse_optional(email.trim())?;
        let password = Password::parse_confirmed(&password, &confirm_password)?;
        request
            .auth()
            .register(username, email, password, request.client())
            .await
    };
    match signed_up.await {
        Ok(signed_in) => {
            request.start_session(&signed_in, SIGNED_IN_HOME);
            Ok(())
        }
        Err(error) => {
            let form = FormReturn::new("/register")
                .keep("username", &username)
                .keep("email", &email);
            Err(request.reject_form(error, &form))
        }
    }
}

#[server(endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SIGNED_IN_HOME};
    use keycard_core::auth::{AuthError, LoginOutcome};
    use keycard_core::domain::{NextPath, Password, Username};

    let request = FnRequest::current()?;
    let next = next.as_deref().and_then(NextPath::parse);
    let logged_in = async {
        // A name or password that could never have been registered is simply wrong.
        let username =
            Username::parse(username.trim()).map_err(|_| AuthError::InvalidCredentials)?;
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        request
            .auth()
            .login(username, password, request.client())
            .await
    };
    match logged_in.await {
        Ok(LoginOutcome::SignedIn(signed_in)) => {
            let destination = next.as_ref().map_or(SIGNED_IN_HOME, NextPath::as_str);
            request.start_session(&signed_in, destination);
            Ok(())
        }
        Ok(LoginOutcome::TwoStepRequired(challenge)) => {
            request.ask_for_second_step(&challenge, next.as_ref());
            Ok(())
        }
        Err(error) => {
            let form = FormReturn::new("/login")
                .keep("username", &username)
                .keep("next", next.as_ref().map_or("", NextPath::as_str));
            Err(request.reject_form(error, &form))
        }
    }
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SIGNED_IN_HOME};

    let request = FnRequest::current()?;
    match request.session() {
        // Keep the cookies if the session was not ended: saying "logged out" while
        // its tokens still work would be a lie.
        Ok(session) => request
            .auth()
            .logout(&session, request.client())
            .await
            .map_err(|error| request.reject_form(error, &FormReturn::new(SIGNED_IN_HOME)))?,
        Err(AuthFnError::NotSignedIn) => {}
        Err(error) => return Err(request.reject_public(error)),
    }
    request.end_session();
    Ok(())
}

#[server(endpoint = "profile")]
pub async fn get_profile() -> Result<ProfileView, AuthFnError> {
    use crate::server::{FnRequest, profile_view};

    let request = FnRequest::current()?;
    Ok(profile_view(&request.require_session()?))
}

/// The signed-in user's name, or `None` when nobody is signed in.
#[server(endpoint = "session")]
pub async fn current_username() -> Result<Option<String>, AuthFnError> {
    use crate::server::FnRequest;

    let request = FnRequest::current()?;
    match request.session() {
        Ok(session) => Ok(Some(session.user.username)),
        Err(AuthFnError::NotSignedIn) => Ok(None),
        Err(error) => Err(request.reject_public(error)),
    }
}

#[server(endpoint = "sessions")]
pub async fn list_sessions() -> Result<SessionsView, AuthFnError> {
    use crate::server::{FnRequest, format_time};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let sessions = request
        .auth()
        .list_sessions(&session)
        .await
        .map_err(|error| request.reject(error))?
        .into_iter()
        .map(|summary| SessionRow {
            id: summary.id.as_str().to_owned(),
            device: summary.device,
            address: summary.address,
            signed_in: format_time(summary.created_at),
            last_active: format_time(summary.last_active_at),
            current: summary.current,
        })
        .collect();
    Ok(SessionsView {
        sessions,
        needs_password: request.auth().needs_recent_password(&session),
    })
}

/// Ends one of the signed-in user's sessions: "Sign out" beside it on the sessions page.
#[server(endpoint = "end_session")]
pub async fn end_session(id: String) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SESSIONS_PAGE};
    use keycard_core::auth::{AuthError, Ended, SessionId};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let form = FormReturn::new(SESSIONS_PAGE);
    let id = SessionId::parse(&id)
        .ok_or(AuthError::SessionNotFound)
        .map_err(|error| request.reject_form(error, &form))?;
    match request
        .auth()
        .end_session_by_id(&session, &id, request.client())
        .await
    {
        Ok(Ended::ThisSession) => {
            request.end_session();
            Ok(())
        }
        Ok(Ended::AnotherSession) => {
            request.redirect(&format!("{SESSIONS_PAGE}?ended=1"));
            Ok(())
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}

/// "Sign out all other sessions".
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<usize, AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SESSIONS_PAGE};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    match request
        .auth()
        .end_other_sessions(&session, request.client())
        .await
    {
        Ok(ended) => {
            request.redirect(&format!("{SESSIONS_PAGE}?ended={ended}"));
            Ok(ended)
        }
        Err(error) => Err(request.reject_form(error, &FormReturn::new(SESSIONS_PAGE))),
    }
}

/// "Confirm your password": counts as a recent sign-in for this session.
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SESSIONS_PAGE};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let confirmed = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        request
            .auth()
            .confirm_password(&session, password, request.client())
            .await
    };
    match confirmed.await {
        Ok(()) => {
            request.redirect(&format!("{SESSIONS_PAGE}?confirmed=1"));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            let error = AuthFnError::IncorrectPassword;
            Err(request.reject_public_form(error, &FormReturn::new(SESSIONS_PAGE)))
        }
        Err(error) => Err(request.reject_form(error, &FormReturn::new(SESSIONS_PAGE))),
    }
}

/// "Change password": the current one, then the new one twice. Every other session ends.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_new_password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, PASSWORD_PAGE};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let changed = async {
        // A current password that could never have been set is simply wrong.
        let current =
            Password::parse(&current_password).map_err(|_| AuthError::InvalidCredentials)?;
        let new = Password::parse_confirmed(&new_password, &confirm_new_password)?;
        request
            .auth()
            .change_password(&session, current, new, request.client())
            .await
    };
    let form = FormReturn::new(PASSWORD_PAGE);
    match changed.await {
        Ok(_) => {
            request.redirect(&format!("{PASSWORD_PAGE}?changed=1"));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectCurrentPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}

/// "Delete account": the password, then the account and everything of it is gone.
#[server(endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AuthFnError> {
    use crate::server::{DELETE_ACCOUNT_PAGE, FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let deleted = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        request
            .auth()
            .delete_account(&session, password, request.client())
            .await
    };
    let form = FormReturn::new(DELETE_ACCOUNT_PAGE);
    match deleted.await {
        Ok(()) => {
            request.account_deleted();
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}

#[server(endpoint = "activity")]
pub async fn list_activity() -> Result<ActivityView, AuthFnError> {
    use crate::server::{FnRequest, format_time};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let events = request
        .auth()
        .activity(&session)
        .await
        .map_err(|error| request.reject(error))?
        .into_iter()
        .map(|entry| ActivityRow {
            at: format_time(entry.at),
            what: entry.event.description().to_owned(),
            device: entry.device,
            address: entry.address,
        })
        .collect();
    Ok(ActivityView { events })
}

/// "Forgot your password?": the same answer for every name and address.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(login: String) -> Result<(), AuthFnError> {
    use crate::server::{FORGOT_PASSWORD_PAGE, FnRequest, FormReturn};
    use keycard_core::domain::Login;

    let request = FnRequest::current()?;
    let requested = async {
        let parsed = Login::parse(&login)?;
        request
            .auth()
            .request_password_reset(&parsed, request.client())
            .await
    };
    match requested.await {
        Ok(()) => {
            request.redirect(&format!("{FORGOT_PASSWORD_PAGE}?sent=1"));
            Ok(())
        }
        Err(error) => {
            let form = FormReturn::new(FORGOT_PASSWORD_PAGE).keep("login", &login);
            Err(request.reject_form(error, &form))
        }
    }
}

/// The account whose password the reset link this browser opened sets, if the link can
/// still be used, so the page names it above the form or says at once that it cannot.
#[server(endpoint = "reset_link")]
pub async fn reset_link_account() -> Result<Option<String>, AuthFnError> {
    use crate::server::FnRequest;
    use keycard_core::auth::AuthError;

    let request = FnRequest::current()?;
    let Some(token) = request.reset_token() else {
        return Ok(None);
    };
    match request
        .auth()
        .check_reset_link(&token, request.client())
        .await
    {
        Ok(username) => Ok(Some(username)),
        Err(AuthError::InvalidLink) => Ok(None),
        Err(error) => Err(request.reject(error)),
    }
}

/// "Set a new password" with the reset link this browser opened: every session of the
/// account ends, and this browser is signed in afresh.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    new_password: String,
    confirm_new_password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, RESET_PASSWORD_PAGE, SIGNED_IN_HOME};
    use keycard_core::auth::{AuthError, LoginOutcome};
    use keycard_core::domain::Password;

    let request = FnRequest::current()?;
    let reset = async {
        let token = request.reset_token().ok_or(AuthError::InvalidLink)?;
        let new = Password::parse_confirmed(&new_password, &confirm_new_password)?;
        request
            .auth()
            .reset_password(&token, new, request.client())
            .await
    };
    match reset.await {
        Ok(LoginOutcome::SignedIn(signed_in)) => {
            request.forget_reset_token();
            request.start_session(&signed_in, &format!("{SIGNED_IN_HOME}?password_reset=1"));
            Ok(())
        }
        Ok(LoginOutcome::TwoStepRequired(challenge)) => {
            request.forget_reset_token();
            request.ask_for_second_step(&challenge, None);
            Ok(())
        }
        Err(error) => Err(request.reject_form(error, &FormReturn::new(RESET_PASSWORD_PAGE))),
    }
}

/// "Verify email", on the page a verification link opens.
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, VERIFY_EMAIL_PAGE};
    use keycard_core::auth::{AuthError, LinkToken};

    let request = FnRequest::current()?;
    let verified = async {
        let token = LinkToken::parse(&token).ok_or(AuthError::InvalidLink)?;
        request.auth().verify_email(&token, request.client()).await
    };
    match verified.await {
        Ok(()) => {
            request.redirect(&format!("{VERIFY_EMAIL_PAGE}?verified=1"));
            Ok(())
        }
        Err(error) => Err(request.reject_form(error, &FormReturn::new(VERIFY_EMAIL_PAGE))),
    }
}

/// "Send the link again", on the profile page of an account whose address is not
/// verified.
#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn, SIGNED_IN_HOME};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    match request
        .auth()
        .resend_verification(&session, request.client())
        .await
    {
        Ok(()) => {
            request.redirect(&format!("{SIGNED_IN_HOME}?link_sent=1"));
            Ok(())
        }
        Err(error) => Err(request.reject_form(error, &FormReturn::new(SIGNED_IN_HOME))),
    }
}

/// "Change email": the new address (empty to remove it) and the password.
#[server(endpoint = "change_email")]
pub async fn change_email(email: String, password: String) -> Result<(), AuthFnError> {
    use crate::server::{EMAIL_PAGE, FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::{Email, Password};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let changed = async {
        let email = Email::parse_optional(email.trim())?;
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        request
            .auth()
            .change_email(&session, password, email, request.client())
            .await
    };
    let form = FormReturn::new(EMAIL_PAGE).keep("email", &email);
    match changed.await {
        Ok(()) => {
            request.redirect(&format!("{EMAIL_PAGE}?changed=1"));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectCurrentPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}
