//! A part of the page that every navigation replaces whole.

use leptos::nonce::use_nonce;
use leptos::prelude::*;

/// Its children, which Leptos's islands router replaces whole whenever it brings in a
/// new page, rather than patching them in place. That router patches a page it moves
/// to node by node and only replaces what sits between branch markers that differ; a
/// page that differs from the last in what it lists or which notices it shows would
/// come out mixed. Wrap the header and the main content of the site in it.
///
/// The children sit in a keyed list of one item whose key is the page's CSP nonce,
/// which no two pages share: Keycard's layers give every page one.
#[component]
pub fn ReplaceOnNavigation(children: ChildrenFn) -> impl IntoView {
    let this_page = use_nonce()
        .map(|nonce| nonce.to_string())
        .unwrap_or_default();
    view! {
        <For each=move || [this_page.clone()] key=String::clone children=move |_| children()/>
    }
}
