#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod account_menu;
mod components;
mod island_scripts;
#[cfg(feature = "hydrate")]
mod islands;
mod mounted;
mod pages;
#[cfg(feature = "passkeys")]
mod passkey_browser;
#[cfg(feature = "passkeys")]
mod passkey_ceremony_fns;
mod passkey_fns;
mod replace_on_navigation;
mod require_user;
mod routes;
mod server_fns;
mod two_factor_fns;

#[cfg(feature = "ssr")]
pub mod server;

pub use account_menu::{AccountMenu, use_current_user};
pub use components::LogoutButton;
pub use island_scripts::IslandScripts;
#[cfg(feature = "hydrate")]
pub use islands::hydrate_islands;
pub use keycard_types::{AuthFnError, ErrorReference, Page, Pages, RESET_REQUESTED};
#[cfg(feature = "passkeys")]
pub use passkey_browser::{create_passkey, use_passkey};
#[cfg(feature = "passkeys")]
pub use passkey_ceremony_fns::{
    BeginPasskeyRegistration, BeginPasskeySignIn, FinishPasskeyRegistration, FinishPasskeySignIn,
    PasskeyCeremony, begin_passkey_registration, begin_passkey_sign_in,
    finish_passkey_registration, finish_passkey_sign_in,
};
pub use passkey_fns::{
    ListPasskeys, PasskeyRow, PasskeysView, RemovePasskey, list_passkeys, remove_passkey,
};
pub use replace_on_navigation::ReplaceOnNavigation;
pub use require_user::RequireUser;
pub use routes::KeycardRoutes;
pub use server_fns::{
    ActivityRow, ActivityView, ChangeEmail, ChangePassword, ConfirmPassword, CurrentUsername,
    DeleteAccount, EndOtherSessions, EndSession, ForgotPassword, GetProfile, ListActivity,
    ListSessions, Login, Logout, ProfileView, Register, ResendVerification, ResetPassword,
    SessionRow, SessionsView, VerifyEmail, change_email, change_password, confirm_password,
    current_username, delete_account, end_other_sessions, end_session, forgot_password,
    get_profile, list_activity, list_sessions, login, logout, register, resend_verification,
    reset_link_account, reset_password, verify_email,
};
pub use two_factor_fns::{
    BeginTwoFactor, CompleteTwoStep, ConfirmTwoFactor, DisableTwoFactor, GetTwoFactor,
    TwoFactorView, TwoStepPending, begin_two_factor, complete_two_step, confirm_two_factor,
    disable_two_factor, get_two_factor, two_step_pending,
};
