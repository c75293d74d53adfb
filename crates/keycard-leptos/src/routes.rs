//! Keycard's pages as one route a host app mounts, and how the pages find where they are.

use keycard_types::Pages;
use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route};
use leptos_router::{MatchNestedRoutes, SsrMode, StaticSegment, path};

use crate::pages::{
    ActivityPage, ChangeEmailPage, ChangePasswordPage, DeleteAccountPage, ForgotPasswordPage,
    LoginPage, PasskeysPage, ProfilePage, RegisterPage, ResetPasswordPage, SessionsPage,
    TwoFactorPage, TwoStepPage, VerifyEmailPage,
};

/// Every Keycard page, mounted inside the host's `<Routes>` where `pages` says: at the
/// root for [`Pages::ROOT`], below `/account` for `Pages::under("account")`. The paths
/// are those of [`Pages::path`]; the server side must be given the same `Pages` (in
/// `KeycardServices`), since its guard, redirects and mailed links use them.
///
/// Every page renders in full before any of it is sent (`SsrMode::Async`): a streamed
/// page would swap what waits on data (its own content, and the header's
/// [`AccountMenu`](crate::AccountMenu)) in by a script, which never runs with
/// JavaScript off.
#[component(transparent)]
pub fn KeycardRoutes(
    /// Where the pages are mounted.
    pages: Pages,
) -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=StaticSegment(pages.segment()) view=move || {
            provide_context(pages);
            view! { <Outlet/> }
        }>
            <Route path=path!("login") view=LoginPage ssr=SsrMode::Async/>
            <Route path=path!("login/two-step") view=TwoStepPage ssr=SsrMode::Async/>
            <Route path=path!("two-factor") view=TwoFactorPage ssr=SsrMode::Async/>
            <Route path=path!("passkeys") view=PasskeysPage ssr=SsrMode::Async/>
            <Route path=path!("register") view=RegisterPage ssr=SsrMode::Async/>
            <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
            <Route path=path!("sessions") view=SessionsPage ssr=SsrMode::Async/>
            <Route path=path!("activity") view=ActivityPage ssr=SsrMode::Async/>
            <Route path=path!("password") view=ChangePasswordPage ssr=SsrMode::Async/>
            <Route path=path!("delete-account") view=DeleteAccountPage ssr=SsrMode::Async/>
            <Route path=path!("email") view=ChangeEmailPage ssr=SsrMode::Async/>
            <Route path=path!("forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
            <Route path=path!("reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
            <Route path=path!("verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
        </ParentRoute>
    }
    .into_inner()
}
