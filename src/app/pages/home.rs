//! `/`: what Keycard is, and the way in (or out).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use keycard_leptos::{LogoutButton, Page, current_username};

use crate::app::PAGES;

#[component]
pub fn HomePage() -> impl IntoView {
    let username = Resource::new(|| (), |()| current_username());
    let deleted = use_query_map()
        .get_untracked()
        .get("account_deleted")
        .is_some();
    view! {
        <Title text="Welcome"/>
        <section class="hero">
            {deleted.then(|| view! {
                <p class="notice" role="status">"Your account has been deleted."</p>
            })}
            <h1>"Sign-up and login, done right."</h1>
            <p class="lead">
                "Keycard is a small Rust web app for accounts: argon2id password hashing, "
                "signed session tokens in an HttpOnly cookie, and logout that takes effect at once."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Checking your session…"</p> }>
                {move || Suspend::new(async move {
                    match username.await {
                        Ok(Some(name)) => view! {
                            <p class="muted">"Signed in as " <strong>{name}</strong></p>
                            <div class="actions">
                                <a class="button" href=PAGES.path(Page::Profile)>"Profile"</a>
                                <LogoutButton/>
                            </div>
                        }.into_any(),
                        _ => view! {
                            <div class="actions">
                                <a class="button" href=PAGES.path(Page::Register)>"Sign up"</a>
                                <a class="button secondary" href=PAGES.path(Page::Login)>"Log in"</a>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="features" aria-label="What Keycard does">
            <article>
                <h2>"Passwords"</h2>
                <p>"Hashed with argon2id and a fresh salt; never stored, logged or truncated."</p>
            </article>
            <article>
                <h2>"Sessions"</h2>
                <p>"A signed, short-lived token in a cookie scripts cannot read."</p>
            </article>
            <article>
                <h2>"Logout"</h2>
                <p>"Revokes the token on the server, so a copied cookie stops working too."</p>
            </article>
        </section>
    }
}
