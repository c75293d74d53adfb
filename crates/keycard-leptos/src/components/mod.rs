//! Pieces the pages are built from.

mod auth_card;
mod form_alert;
mod keycard_form;
mod logout_button;
mod new_password;
mod page_data;
#[cfg(feature = "passkeys")]
mod passkey_sign_in;
mod submit_button;
mod text_field;

pub use auth_card::AuthCard;
pub use form_alert::{FormAlert, redirected_error};
pub use keycard_form::{Form, Input, KeycardForm};
pub use logout_button::LogoutButton;
pub use new_password::new_password;
pub use page_data::page_data;
#[cfg(feature = "passkeys")]
pub use passkey_sign_in::PasskeySignIn;
pub use submit_button::SubmitButton;
pub use text_field::TextField;
