//! `/profile`: the signed-in user's account. The server's page guard has already
//! turned signed-out visitors away before this renders.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::{LogoutButton, page_data};
use crate::app::{ProfileView, get_profile};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new_blocking(|| (), |()| get_profile());
    view! {
        <Title text="Your profile"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading your profile…"</p> }>
            {move || Suspend::new(async move {
                page_data(profile.await, "/profile", |profile| {
                    view! { <ProfileCard profile/> }.into_any()
                })
            })}
        </Suspense>
    }
}

#[component]
fn ProfileCard(profile: ProfileView) -> impl IntoView {
    let email = profile.email.unwrap_or_else(|| "No email set".to_owned());
    view! {
        <section class="card profile">
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
                <a href="/sessions">"Sessions"</a>
                <a href="/activity">"Activity"</a>
                <a href="/password">"Change password"</a>
                <a href="/delete-account">"Delete account"</a>
            </nav>
            <LogoutButton/>
        </section>
    }
}
