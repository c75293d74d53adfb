//! The card that frames the login and sign-up forms.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AuthCard(
    /// The page heading, also used as the document title.
    title: &'static str,
    /// One line under the heading.
    intro: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="card auth-card">
            <h1>{title}</h1>
            <p class="intro">{intro}</p>
            {children()}
        </section>
    }
}
