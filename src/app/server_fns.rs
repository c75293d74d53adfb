//! The server functions behind the forms, at fixed paths under `/api`. Each body
//! parses its input, calls the auth core, sets or clears the cookie and redirects;
//! `crate::server::FnRequest` does the HTTP side. Bodies exist on the server only;
//! the browser gets a client stub that posts to the same path.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::auth_fn_error::AuthFnError;

/// The profile page's data, sent only to its signed-in owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub username: String,
    pub email: Option<String>,
    pub status: String,
    pub member_since: String,
    pub session_expires: String,
}

#[server(endpoint = "register")]
pub async fn register(
    username: String,
    email: String,
    password: String,
    confirm_password: String,
) -> Result<(), AuthFnError> {
    use crate::domain::{Email, Password, Username};
    use crate::server::{FnRequest, FormReturn, SIGNED_IN_HOME};

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
        Ok(token) => {
            request.start_session(token, SIGNED_IN_HOME);
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
    use crate::auth::AuthError;
    use crate::domain::{NextPath, Password, Username};
    use crate::server::{FnRequest, FormReturn, SIGNED_IN_HOME};

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
        Ok(token) => {
            let destination = next.as_ref().map_or(SIGNED_IN_HOME, NextPath::as_str);
            request.start_session(token, destination);
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
    if let Some(token) = request.session_token() {
        // Keep the cookie if the revocation was not recorded: saying "logged out"
        // while the token still works would be a lie.
        request
            .auth()
            .logout(&token)
            .await
            .map_err(|error| request.reject_form(error, &FormReturn::new(SIGNED_IN_HOME)))?;
    }
    request.end_session();
    request.redirect("/login?logged_out=1");
    Ok(())
}

#[server(endpoint = "profile")]
pub async fn get_profile() -> Result<ProfileView, AuthFnError> {
    use crate::server::{FnRequest, profile_view};

    let request = FnRequest::current()?;
    let session = request
        .session()
        .await
        .map_err(|error| request.reject(error))?;
    Ok(profile_view(&session))
}

/// The signed-in user's name, or `None` when nobody is signed in.
#[server(endpoint = "session")]
pub async fn current_username() -> Result<Option<String>, AuthFnError> {
    use crate::auth::AuthError;
    use crate::server::FnRequest;

    let request = FnRequest::current()?;
    match request.session().await {
        Ok(session) => Ok(Some(session.user.username)),
        Err(AuthError::Unauthenticated(_)) => Ok(None),
        Err(error) => Err(request.reject(error)),
    }
}
