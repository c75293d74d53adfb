//! The browser's start: Keycard's islands brought to life, and the redirects their
//! server functions answer with followed inside the page.

use wasm_bindgen::JsCast as _;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlElement, MutationObserver, MutationObserverInit};

use crate::replace_on_navigation::PAGE_MARK;

/// Starts the browser's side of a page: call it from the site's `#[wasm_bindgen] fn
/// hydrate()`, which Leptos's island script runs before it hydrates the islands.
///
/// A server function's redirect (after a sign-in, say) then moves the page as a click
/// on a link to the same place would: through Leptos's islands router when the page
/// has it (the page stays and only what changed is replaced), as a plain navigation
/// otherwise. The redirects come from the site's own server functions, and Keycard's
/// layers on the server (`with_keycard_layers`) keep them on the site.
///
/// Each page the islands router brings in starts at its top, with the focus on its
/// `<h1>` (so a screen reader reads where it is), as a page load would.
///
/// Once the islands run, `<body>` gets a `data-hydrated` attribute, for styles and for
/// tests that must not race them.
pub fn hydrate_islands() {
    let _ = leptos::server_fn::redirect::set_redirect_hook(click_link_to);
    start_each_new_page_at_its_top();
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

/// Watches the opening mark [`ReplaceOnNavigation`](crate::ReplaceOnNavigation) writes:
/// the islands router renames it when it swaps in a new page.
fn start_each_new_page_at_its_top() {
    let document = leptos::prelude::document();
    let Some(body) = document.body() else {
        return;
    };
    // NodeFilter.SHOW_COMMENT: only comments.
    let Ok(walker) = document.create_tree_walker_with_what_to_show(&body, 0x80) else {
        return;
    };
    let opening = format!("bo{PAGE_MARK}");
    let mark = std::iter::from_fn(|| walker.next_node().ok().flatten()).find(|node| {
        node.node_value()
            .is_some_and(|text| text.starts_with(&opening))
    });
    let Some(mark) = mark else {
        return;
    };
    let new_page = Closure::<dyn FnMut()>::new(move || {
        let window = leptos::prelude::window();
        window.scroll_to_with_x_and_y(0.0, 0.0);
        let heading = leptos::prelude::document()
            .query_selector("main h1")
            .ok()
            .flatten()
            .and_then(|heading| heading.dyn_into::<HtmlElement>().ok());
        if let Some(heading) = heading {
            let _ = heading.set_attribute("tabindex", "-1");
            let _ = heading.focus();
        }
    });
    let Ok(observer) = MutationObserver::new(new_page.as_ref().unchecked_ref()) else {
        return;
    };
    let watch = MutationObserverInit::new();
    watch.set_character_data(true);
    if observer.observe_with_options(&mark, &watch).is_ok() {
        // The page's whole life: it watches every page the router brings in.
        new_page.forget();
    }
}
