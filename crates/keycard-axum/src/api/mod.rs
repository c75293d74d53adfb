//! The JSON API for non-browser clients under `/api/v1`: the contract of the Flask +
//! flask-jwt-extended tutorial, served by the same auth core, users and blocklist as
//! the pages. Bearer tokens only: the session cookie is never read here, so a hostile
//! site cannot ride on a browser's session, and no request-origin check is needed.

mod account;
mod error;
mod handlers;
mod mail_links;
mod passkeys;
mod schema;
mod sessions;
mod two_factor;

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use error::ApiError;

use crate::KeycardState;
use crate::api_prefix::ApiPrefix;
use crate::public_error::log_unexpected;

/// The API's routes, to be nested at the state's [`ApiPrefix`]; anything else under it
/// is a JSON 404, and a known path with another method a JSON 405.
pub fn api_routes() -> Router<KeycardState> {
    Router::new()
        .route("/register", post(handlers::register))
        .route("/login", post(handlers::login))
        .route("/login/two-factor", post(two_factor::login))
        .route(
            "/two-factor",
            post(two_factor::begin).delete(two_factor::disable),
        )
        .route("/two-factor/confirm", post(two_factor::confirm))
        .route("/logout", delete(handlers::logout))
        .route("/user", get(handlers::user).delete(account::delete_account))
        .route("/password", post(account::change_password))
        .route("/password/forgot", post(mail_links::forgot_password))
        .route("/password/reset", post(mail_links::reset_password))
        .route("/email/verify", post(mail_links::verify_email))
        .route("/activity", get(account::activity))
        .route("/refresh", post(sessions::refresh))
        .route(
            "/sessions",
            get(sessions::list).delete(sessions::end_others),
        )
        .route("/sessions/{id}", delete(sessions::end_one))
        .route("/passkeys", get(passkeys::list))
        .route("/passkeys/{id}", delete(passkeys::remove))
        .route("/openapi.json", get(openapi_document))
        .fallback(|State(keycard): State<KeycardState>| async move {
            ApiError::NotFound(keycard.api_prefix)
        })
        .method_not_allowed_fallback(|State(keycard): State<KeycardState>| async move {
            ApiError::MethodNotAllowed(keycard.api_prefix)
        })
}

/// The OpenAPI 3.1 description of exactly these routes, generated from the handlers'
/// annotations and the types they take and return. Its paths are relative to where the
/// API is mounted; [`ApiDocument::at`] gives them in full.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keycard API",
        description = "Accounts, sessions and bearer tokens for non-browser clients. The same accounts, sessions, tokens and revocations as the Keycard web pages.",
    ),
    paths(
        handlers::register,
        handlers::login,
        two_factor::login,
        handlers::logout,
        handlers::user,
        account::change_password,
        account::delete_account,
        account::activity,
        mail_links::forgot_password,
        mail_links::reset_password,
        mail_links::verify_email,
        sessions::refresh,
        sessions::list,
        sessions::end_one,
        sessions::end_others,
        passkeys::list,
        passkeys::remove,
        two_factor::begin,
        two_factor::confirm,
        two_factor::disable,
    ),
    modifiers(&BearerScheme),
)]
pub struct ApiDocument;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

impl ApiDocument {
    /// The document for the API mounted at `prefix`, every path in full. The prose of
    /// its descriptions names endpoints under [`ApiPrefix::DEFAULT`];
    /// [`ApiDocument::served_at`] names them where they are.
    pub fn at(prefix: ApiPrefix) -> utoipa::openapi::OpenApi {
        let mut document = ApiDocument::openapi();
        document.paths.paths = std::mem::take(&mut document.paths.paths)
            .into_iter()
            .map(|(path, item)| (format!("{}{path}", prefix.as_str()), item))
            .collect();
        document
    }

    /// The document as the API serves it at `{prefix}/openapi.json`: [`ApiDocument::at`]
    /// as JSON, its descriptions naming endpoints under `prefix` too; the error if it
    /// cannot be written as JSON.
    pub fn served_at(prefix: ApiPrefix) -> Result<serde_json::Value, serde_json::Error> {
        let mut document = serde_json::to_value(Self::at(prefix))?;
        if prefix != ApiPrefix::DEFAULT {
            let default = format!("{}/", ApiPrefix::DEFAULT.as_str());
            rewrite_descriptions(&mut document, &default, &format!("{}/", prefix.as_str()));
        }
        Ok(document)
    }
}

/// Replaces `from` by `to` in every `summary` and `description` of an OpenAPI document
/// as JSON.
fn rewrite_descriptions(value: &mut serde_json::Value, from: &str, to: &str) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                match field {
                    serde_json::Value::String(text)
                        if name == "description" || name == "summary" =>
                    {
                        *text = text.replace(from, to);
                    }
                    _ => rewrite_descriptions(field, from, to),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                rewrite_descriptions(item, from, to);
            }
        }
        _ => {}
    }
}

async fn openapi_document(
    State(state): State<KeycardState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    ApiDocument::served_at(state.api_prefix)
        .map(Json)
        .map_err(|error| {
            ApiError::Internal(log_unexpected(format!("the OpenAPI document: {error}")))
        })
}
