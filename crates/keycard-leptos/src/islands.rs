//! The browser's start: Keycard's islands brought to life, and the redirects their
//! server functions answer with followed inside the page.

use wasm_bindgen::JsCast as _;

/// Starts the browser's side of a page: call it from the site's `#[wasm_bindgen] fn
/// hydrate()`, which Leptos's island script runs before it hydrates the islands.
///
/// A server function's redirect (after a sign-in, say) then moves the page as a click
/// on a link to the same place would: through Leptos's islands router when the page
/// has it (the page stays and only what changed is replaced), as a plain navigation
/// otherwise. The redirects come from the site's own server functions, and Keycard's
/// layers on the server (`with_keycard_layers`) keep them on the site.
///
/// Once the islands run, `<body>` gets a `data-hydrated` attribute, for styles and for
/// tests that must not race them.
pub fn hydrate_islands() {
    let _ = leptos::server_fn::redirect::set_redirect_hook(click_link_to);
    leptos::mount::hydrate_islands();
    // The island script hydrates the islands as soon as this returns, before the
    // browser's next task.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}

/// A click on a link the page does not show: the islands router listens for clicks on
/// links, and a browser follows one itself when nothing else does.
pub(crate) fn click_link_to(location: &str) {
    let document = leptos::prelude::document();
    let Some(body) = document.body() else {
        return;
    };
    let Ok(link) = document.create_element("a") else {
        return;
    };
    let Ok(link) = link.dyn_into::<web_sys::HtmlAnchorElement>() else {
        return;
    };
    link.set_href(location);
    link.set_hidden(true);
    if body.append_child(&link).is_ok() {
        link.click();
        link.remove();
    }
}
