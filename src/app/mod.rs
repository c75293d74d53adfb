//! The user interface: the HTML shell, the routes, the pages and their components, and
//! the server functions the forms call. Compiled for the server (rendering) and the
//! browser (hydration).

mod components;
mod pages;
mod passkey_browser;
mod passkey_fns;
mod server_fns;
mod two_factor_fns;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use keycard_types::{AuthFnError, ErrorReference, RESET_REQUESTED};
pub use passkey_browser::{create_passkey, use_passkey};
pub use passkey_fns::{
    BeginPasskeyRegistration, BeginPasskeySignIn, FinishPasskeyRegistration, FinishPasskeySignIn,
    ListPasskeys, PasskeyCeremony, PasskeyRow, PasskeysView, RemovePasskey,
    begin_passkey_registration, begin_passkey_sign_in, finish_passkey_registration,
    finish_passkey_sign_in, list_passkeys, remove_passkey,
};
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

use pages::{
    ActivityPage, ChangeEmailPage, ChangePasswordPage, DeleteAccountPage, ForgotPasswordPage,
    HomePage, LoginPage, NotFound, PasskeysPage, ProfilePage, RegisterPage, ResetPasswordPage,
    SessionsPage, TwoFactorPage, TwoStepPage, VerifyEmailPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/keycard.css"/>
        <Title formatter=|page: String| format!("{page} · Keycard")/>
        <Router>
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"K"</span>
                    "Keycard"
                </a>
            </header>
            <main class="page">
                // A route whose content waits on data renders in full before any of it is
                // sent (`SsrMode::Async`): a streamed page would swap its content in by a
                // script, which never runs with JavaScript off.
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("login") view=LoginPage/>
                    <Route path=path!("login/two-step") view=TwoStepPage ssr=SsrMode::Async/>
                    <Route path=path!("two-factor") view=TwoFactorPage ssr=SsrMode::Async/>
                    <Route path=path!("passkeys") view=PasskeysPage ssr=SsrMode::Async/>
                    <Route path=path!("register") view=RegisterPage/>
                    <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("sessions") view=SessionsPage ssr=SsrMode::Async/>
                    <Route path=path!("activity") view=ActivityPage ssr=SsrMode::Async/>
                    <Route path=path!("password") view=ChangePasswordPage/>
                    <Route path=path!("delete-account") view=DeleteAccountPage/>
                    <Route path=path!("email") view=ChangeEmailPage/>
                    <Route path=path!("forgot-password") view=ForgotPasswordPage/>
                    <Route path=path!("reset-password") view=ResetPasswordPage
                        ssr=SsrMode::Async/>
                    <Route path=path!("verify-email") view=VerifyEmailPage/>
                </Routes>
            </main>
            <footer class="footer">
                "Keycard · sign-up and login done right, in Rust"
            </footer>
        </Router>
    }
}
