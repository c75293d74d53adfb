//! The error every auth server function returns, shared by server and browser: each
//! variant has one message a person can act on and one stable code.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::{CredentialError, Field};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AuthFnError {
    #[error(transparent)]
    Invalid(CredentialError),
    #[error("Invalid username or password")]
    InvalidCredentials,
    #[error("That username is taken")]
    UsernameTaken,
    #[error("Please log in to see this page")]
    NotSignedIn,
    #[error("The form could not be read. Reload the page and try again.")]
    BadRequest,
    #[error("Keycard could not be reached. Check your connection and try again.")]
    Unreachable,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

impl AuthFnError {
    /// The code that carries this error through a redirect when JavaScript is off.
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid(error) => error.code(),
            Self::InvalidCredentials => "invalid_credentials",
            Self::UsernameTaken => "username_taken",
            Self::NotSignedIn => "not_signed_in",
            Self::BadRequest => "bad_request",
            Self::Unreachable => "unreachable",
            Self::Internal => "internal",
        }
    }

    /// The inverse of [`AuthFnError::code`]; unknown codes show nothing, so a crafted
    /// link cannot put words on the page.
    pub fn from_code(code: &str) -> Option<Self> {
        if let Ok(error) = code.parse::<CredentialError>() {
            return Some(Self::Invalid(error));
        }
        [
            Self::InvalidCredentials,
            Self::UsernameTaken,
            Self::NotSignedIn,
            Self::BadRequest,
            Self::Unreachable,
            Self::Internal,
        ]
        .into_iter()
        .find(|error| error.code() == code)
    }

    /// The input the error is about, if it is about one.
    pub fn field(self) -> Option<Field> {
        match self {
            Self::Invalid(error) => Some(error.field()),
            Self::UsernameTaken => Some(Field::Username),
            _ => None,
        }
    }
}

impl From<CredentialError> for AuthFnError {
    fn from(error: CredentialError) -> Self {
        Self::Invalid(error)
    }
}

impl FromServerFnError for AuthFnError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::BadRequest,
            ServerFnErrorErr::Request(_) => Self::Unreachable,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_survives_the_trip_through_a_redirect() {
        let errors = [
            AuthFnError::Invalid(CredentialError::PasswordTooShort),
            AuthFnError::Invalid(CredentialError::EmailInvalid),
            AuthFnError::InvalidCredentials,
            AuthFnError::UsernameTaken,
            AuthFnError::NotSignedIn,
            AuthFnError::BadRequest,
            AuthFnError::Unreachable,
            AuthFnError::Internal,
        ];
        for error in errors {
            assert_eq!(AuthFnError::from_code(error.code()), Some(error));
        }
        assert_eq!(AuthFnError::from_code("<script>"), None);
    }

    #[test]
    fn the_messages_are_the_ones_people_see() {
        assert_eq!(
            AuthFnError::InvalidCredentials.to_string(),
            "Invalid username or password"
        );
        assert_eq!(
            AuthFnError::UsernameTaken.to_string(),
            "That username is taken"
        );
        assert_eq!(
            AuthFnError::from(CredentialError::PasswordMismatch).to_string(),
            "Passwords do not match"
        );
    }
}
