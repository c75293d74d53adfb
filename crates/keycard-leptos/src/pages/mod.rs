//! One component per Keycard page.

mod activity;
#[cfg(feature = "passkeys")]
mod add_passkey;
mod change_email;
mod change_password;
mod delete_account;
mod forgot_password;
mod login;
mod passkeys;
mod profile;
mod register;
mod reset_password;
mod sessions;
mod two_factor;
mod two_step;
mod verify_email;

pub use activity::ActivityPage;
pub use change_email::ChangeEmailPage;
pub use change_password::ChangePasswordPage;
pub use delete_account::DeleteAccountPage;
pub use forgot_password::ForgotPasswordPage;
pub use login::LoginPage;
pub use passkeys::PasskeysPage;
pub use profile::ProfilePage;
pub use register::RegisterPage;
pub use reset_password::ResetPasswordPage;
pub use sessions::SessionsPage;
pub use two_factor::TwoFactorPage;
pub use two_step::TwoStepPage;
pub use verify_email::VerifyEmailPage;
