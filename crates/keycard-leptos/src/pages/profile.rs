//! `/profile`: the signed-in user's account. The server's page guard has already
//! turned signed-out visitors away before this renders.

use keycard_types::Page;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::mounted::use_pages;
use leptos_meta::Title;

use leptos_router::hooks::use_query_map;

use crate::components::{Form, KeycardForm, LogoutButton, page_data, redirected_error};
use crate::{ProfileView, ResendVerification, get_profile};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let pages = use_pages();
    let profile = Resource::new_blocking(|| (), |()| get_profile());
    view! {
        <Title text="Your profile"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading your profile…"</p> }>
            {move || Suspend::new(async move {
                page_data(profile.await, pages, Page::Profile, |profile| {
                    view! { <ProfileCard profile/> }.into_any()
                })
            })}
        </Suspense>
    }
}

#[component]
fn ProfileCard(profile: ProfileView) -> impl IntoView {
    let pages = use_pages();
    let query = use_query_map().get_untracked();
    let notice = if query.get("password_reset").is_some() {
        Some("Your password has been reset, and every other device signed out.")
    } else if query.get("link_sent").is_some() {
        Some("We sent a new link to your address.")
    } else {
        None
    };
    let unverified = profile.email.is_some() && !profile.email_verified;
    let email = match profile.email {
        Some(email) => {
            let state = if profile.email_verified {
                "Verified"
            } else {
                "Not verified"
            };
            view! {
                {email}" "
                <span class="badge" class:muted-badge=!profile.email_verified>{state}</span>
            }
            .into_any()
        }
        None => "No email set".into_any(),
    };
    view! {
        <section class="card profile">
            {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <p class="eyebrow">"Your profile"</p>
            <h1>{profile.username}</h1>
            <dl class="details">
                <div><dt>"Email"</dt><dd>{email}</dd></div>
                <div>
                    <dt>"Status"</dt>
                    <dd><span class="badge">{profile.status}</span></dd>
                </div>
                <div><dt>"Member since"</dt><dd>{profile.member_since}</dd></div>
                <div><dt>"Signed in since"</dt><dd>{profile.signed_in_since}</dd></div>
            </dl>
            <nav class="account-links" aria-label="Your account">
                <a href=pages.path(Page::Sessions)>"Sessions"</a>
                <a href=pages.path(Page::Activity)>"Activity"</a>
                <a href=pages.path(Page::Email)>"Change email"</a>
                <a href=pages.path(Page::Password)>"Change password"</a>
                <a href=pages.path(Page::TwoFactor)>"Two-step sign-in"</a>
                <a href=pages.path(Page::Passkeys)>"Passkeys"</a>
                <a href=pages.path(Page::DeleteAccount)>"Delete account"</a>
            </nav>
            {unverified.then(|| {
                let resend = Form::new(ResendVerification::url(), "Send the link again", "Sending the link…")
                    .secondary()
                    .error(redirected_error());
                view! { <KeycardForm form=resend/> }
            })}
            <LogoutButton/>
        </section>
    }
}
