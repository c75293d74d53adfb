//! Where the site mounts Keycard's pages, as `KeycardRoutes`
//! provides it to them.

use keycard_types::{NextPath, Page, Pages};
use leptos::prelude::use_context;
use leptos_router::params::ParamsMap;

/// Where the pages are: what `KeycardRoutes` provided, or the site's root.
pub(crate) fn use_pages() -> Pages {
    use_context::<Pages>().unwrap_or(Pages::ROOT)
}

/// The login page, which brings the visitor back to `wanted` (a local path, with its
/// query) once signed in.
pub(crate) fn login_returning_to(pages: Pages, wanted: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("next", wanted)
        .finish();
    pages.path_with_query(Page::Login, &query)
}

/// The address's `next` (where to go once signed in) when it is a local path, else
/// empty.
pub(crate) fn next_in(query: &ParamsMap) -> String {
    query
        .get("next")
        .and_then(|next| NextPath::parse(&next))
        .map(|next| next.as_str().to_owned())
        .unwrap_or_default()
}
