//! A part of the page that every navigation replaces whole.

use std::sync::atomic::{AtomicU64, Ordering};

use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos::tachys::html::InertElement;

/// Its children, which Leptos's islands router replaces whole whenever it brings in a
/// new page, rather than patching them in place. That router patches the page it moves
/// to node by node, and replaces whole only what sits between a pair of branch marks
/// (`<!--bo-…-->` … `<!--bc-…-->`) whose name differs from the last page's; a page that
/// differs from the last in what it lists or which notices it shows would otherwise
/// come out mixed. Wrap the header and the main content of the site in it.
///
/// The marks are named after the page's CSP nonce, which no two pages share (Keycard's
/// layers give every page one), and a count of the pages this server has rendered, in
/// case a host gives none. Leptos writes marks of its own only with its
/// `islands-router` feature, which costs every page rendering time and is not needed
/// here.
/// What the marks around the page are named by, after `bo` (open) or `bc` (close); the
/// browser finds the page's opening mark by it.
pub(crate) const PAGE_MARK: &str = "-page-";

#[component]
pub fn ReplaceOnNavigation(children: Children) -> impl IntoView {
    static RENDERED: AtomicU64 = AtomicU64::new(0);
    let nonce = use_nonce()
        .map(|nonce| nonce.to_string())
        .unwrap_or_default();
    let count = RENDERED.fetch_add(1, Ordering::Relaxed);
    let mark = |side: char| InertElement::new(format!("<!--b{side}{PAGE_MARK}{nonce}-{count}-->"));
    view! { {mark('o')} {children()} {mark('c')} }
}
