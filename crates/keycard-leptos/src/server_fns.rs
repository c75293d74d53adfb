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
    /// The name.
    pub username: String,
    /// The email address, if any.
    pub email: Option<String>,
    /// Whether the address was confirmed from a mailed link.
    pub email_verified: bool,
    /// The account's status ("active", ...).
    pub status: String,
    /// When the account was made, written out.
    pub member_since: String,
    /// When this session started, written out.
    pub signed_in_since: String,
}

/// The sessions page's data: the signed-in user's live sessions, this one first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsView {
    /// The sessions, this one first.
    pub sessions: Vec<SessionRow>,
    /// The password was last entered in this session too long ago to end others.
    pub needs_password: bool,
}

/// One session as the sessions page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// Its id, for "End".
    pub id: String,
    /// The browser and system it started on.
    pub device: String,
    /// The network address it started from.
    pub address: String,
    /// When it started, written out.
    pub signed_in: String,
    /// When it was last used, written out.
    pub last_active: String,
    /// It is the session asking.
    pub current: bool,
}

/// The activity page's data: the account's newest security events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    /// The events, newest first.
    pub events: Vec<ActivityRow>,
}

/// One event as the activity page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    /// When it happened, written out.
    pub at: String,
    /// "Signed in", "Password changed", ...
    pub what: String,
    /// The browser and system it came from.
    pub device: String,
    /// The network address it came from.
    pub address: String,
}

/// What the profile page shows, with times written out for people.
#[cfg(feature = "ssr")]
fn profile_view(session: &keycard_core::auth::Session) -> ProfileView {
    let user = &session.user;
    ProfileView {
        username: user.username.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified,
        status: user.status.as_str().to_owned(),
        member_since: format_date(user.created_at),
        signed_in_since: crate::server::format_time(session.started_at()),
    }
}

#[cfg(feature = "ssr")]
fn format_date(moment: time::OffsetDateTime) -> String {
    moment
        .format(time::macros::format_description!(
            "[day padding:none] [month repr:long] [year]"
        ))
        .unwrap_or_else(|_| moment.date().to_string())
}

/// "Create account": a new account, signed in at once.
#[server(endpoint = "register")]
pub async fn register(
    /// The name to sign in with.
    username: String,
    /// An email address, or empty for none.
    email: String,
    /// The new password.
    password: String,
    /// The password again, to catch a slip.
    confirm_password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::domain::{Email, Password, Username};
    use keycard_types::Page;

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
            request.signed_in_to(&signed_in, None);
            Ok(())
        }
        Err(error) => {
            let form = FormReturn::new(request.page(Page::Register))
                .keep("username", &username)
                .keep("email", &email);
            Err(request.reject_form(error, &form))
        }
    }
}

/// "Log in" with a name and password: signed in, or sent to the second step.
#[server(endpoint = "login")]
pub async fn login(
    /// The account's name.
    username: String,
    /// Its password.
    password: String,
    /// The local path to go to once signed in.
    next: Option<String>,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::{AuthError, LoginOutcome};
    use keycard_core::domain::{NextPath, Password, Username};
    use keycard_types::Page;

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
            request.signed_in_to(&signed_in, next.as_ref());
            Ok(())
        }
        Ok(LoginOutcome::TwoStepRequired(challenge)) => {
            request.ask_for_second_step(&challenge, next.as_ref());
            Ok(())
        }
        Err(error) => {
            let form = FormReturn::new(request.page(Page::Login))
                .keep("username", &username)
                .keep("next", next.as_ref().map_or("", NextPath::as_str));
            Err(request.reject_form(error, &form))
        }
    }
}

/// "Log out": ends this session on the server and clears its cookies.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    match request.session() {
        // Keep the cookies if the session was not ended: saying "logged out" while
        // its tokens still work would be a lie.
        Ok(session) => request
            .auth()
            .logout(&session, request.client())
            .await
            .map_err(|error| {
                request.reject_form(error, &FormReturn::new(request.page(Page::Profile)))
            })?,
        Err(AuthFnError::NotSignedIn) => {}
        Err(error) => return Err(request.reject_public(error)),
    }
    request.end_session();
    Ok(())
}

/// The profile page's data, for its signed-in owner.
#[server(endpoint = "profile")]
pub async fn get_profile() -> Result<ProfileView, AuthFnError> {
    use crate::server::FnRequest;

    let request = FnRequest::current()?;
    Ok(profile_view(&request.require_session()?))
}

/// The signed-in user's name, or `None` when nobody is signed in.
#[server(endpoint = "session")]
pub async fn current_username() -> Result<Option<String>, AuthFnError> {
    use crate::server::FnRequest;

    // A failed session goes the long way, which gives the client its status.
    if let Some(Ok(known)) = FnRequest::known_username() {
        return Ok(known);
    }
    let request = FnRequest::current()?;
    match request.session() {
        Ok(session) => Ok(Some(session.user.username)),
        Err(AuthFnError::NotSignedIn) => Ok(None),
        Err(error) => Err(request.reject_public(error)),
    }
}

/// The sessions page's data: the signed-in user's live sessions.
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
pub async fn end_session(
    /// The session's id, as the list gave it.
    id: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::{AuthError, Ended, SessionId};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let form = FormReturn::new(request.page(Page::Sessions));
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
            request.redirect(&request.page_with_query(Page::Sessions, "ended=1"));
            Ok(())
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}

/// "Sign out all other sessions".
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<usize, AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    match request
        .auth()
        .end_other_sessions(&session, request.client())
        .await
    {
        Ok(ended) => {
            request.redirect(&request.page_with_query(Page::Sessions, &format!("ended={ended}")));
            Ok(ended)
        }
        Err(error) => {
            Err(request.reject_form(error, &FormReturn::new(request.page(Page::Sessions))))
        }
    }
}

/// "Confirm your password": counts as a recent sign-in for this session.
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(
    /// The current password.
    password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;
    use keycard_types::Page;

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
            request.redirect(&request.page_with_query(Page::Sessions, "confirmed=1"));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            let error = AuthFnError::IncorrectPassword;
            Err(request.reject_public_form(error, &FormReturn::new(request.page(Page::Sessions))))
        }
        Err(error) => {
            Err(request.reject_form(error, &FormReturn::new(request.page(Page::Sessions))))
        }
    }
}

/// "Change password": the current one, then the new one twice. Every other session ends.
#[server(endpoint = "change_password")]
pub async fn change_password(
    /// The password now.
    current_password: String,
    /// The new password.
    new_password: String,
    /// The new password again.
    confirm_new_password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;
    use keycard_types::Page;

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
    let form = FormReturn::new(request.page(Page::Password));
    match changed.await {
        Ok(_) => {
            request.redirect(&request.page_with_query(Page::Password, "changed=1"));
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
pub async fn delete_account(
    /// The current password.
    password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::Password;
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let deleted = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        request
            .auth()
            .delete_account(&session, password, request.client())
            .await
    };
    let form = FormReturn::new(request.page(Page::DeleteAccount));
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

/// The activity page's data: the account's newest security events.
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
pub async fn forgot_password(
    /// The account's name or email address.
    login: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::domain::Login;
    use keycard_types::Page;

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
            request.redirect(&request.page_with_query(Page::ForgotPassword, "sent=1"));
            Ok(())
        }
        Err(error) => {
            let form = FormReturn::new(request.page(Page::ForgotPassword)).keep("login", &login);
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
    /// The new password.
    new_password: String,
    /// The new password again.
    confirm_new_password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::{AuthError, LoginOutcome};
    use keycard_core::domain::Password;
    use keycard_types::Page;

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
            request.start_session(
                &signed_in,
                &request.page_with_query(Page::Profile, "password_reset=1"),
            );
            Ok(())
        }
        Ok(LoginOutcome::TwoStepRequired(challenge)) => {
            request.forget_reset_token();
            request.ask_for_second_step(&challenge, None);
            Ok(())
        }
        Err(error) => {
            Err(request.reject_form(error, &FormReturn::new(request.page(Page::ResetPassword))))
        }
    }
}

/// "Verify email", on the page a verification link opens.
#[server(endpoint = "verify_email")]
pub async fn verify_email(
    /// The token from the mailed link.
    token: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::{AuthError, LinkToken};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let verified = async {
        let token = LinkToken::parse(&token).ok_or(AuthError::InvalidLink)?;
        request.auth().verify_email(&token, request.client()).await
    };
    match verified.await {
        Ok(()) => {
            request.redirect(&request.page_with_query(Page::VerifyEmail, "verified=1"));
            Ok(())
        }
        Err(error) => {
            Err(request.reject_form(error, &FormReturn::new(request.page(Page::VerifyEmail))))
        }
    }
}

/// "Send the link again", on the profile page of an account whose address is not
/// verified.
#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    match request
        .auth()
        .resend_verification(&session, request.client())
        .await
    {
        Ok(()) => {
            request.redirect(&request.page_with_query(Page::Profile, "link_sent=1"));
            Ok(())
        }
        Err(error) => {
            Err(request.reject_form(error, &FormReturn::new(request.page(Page::Profile))))
        }
    }
}

/// "Change email": the new address (empty to remove it) and the password.
#[server(endpoint = "change_email")]
pub async fn change_email(
    /// The new address, or empty to remove it.
    email: String,
    /// The current password.
    password: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_core::auth::AuthError;
    use keycard_core::domain::{Email, Password};
    use keycard_types::Page;

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
    let form = FormReturn::new(request.page(Page::Email)).keep("email", &email);
    match changed.await {
        Ok(()) => {
            request.redirect(&request.page_with_query(Page::Email, "changed=1"));
            Ok(())
        }
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public_form(AuthFnError::IncorrectCurrentPassword, &form))
        }
        Err(error) => Err(request.reject_form(error, &form)),
    }
}
