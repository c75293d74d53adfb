//! Where the site mounts Keycard's pages, as [`KeycardRoutes`](crate::KeycardRoutes)
//! provides it to them.

use keycard_types::Pages;
use leptos::prelude::use_context;

/// Where the pages are: what `KeycardRoutes` provided, or the site's root.
pub(crate) fn use_pages() -> Pages {
    use_context::<Pages>().unwrap_or(Pages::ROOT)
}
