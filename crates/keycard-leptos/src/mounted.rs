//! Where the site mounts Keycard's pages, as `KeycardRoutes`
//! provides it to them.

use keycard_types::{Page, Pages};
use leptos::prelude::use_context;

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
