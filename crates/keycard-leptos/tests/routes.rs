//! The router serves every page of the route table at the table's path, wherever the
//! host mounts them, and nothing else: the links, redirects, mailed links and the page
//! guard all take their paths from that table.

use std::collections::BTreeSet;

use keycard_leptos::{KeycardRoutes, Page, Pages};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

fn routed_paths(pages: Pages) -> BTreeSet<String> {
    let app = move || {
        view! {
            <Router>
                <Routes fallback=|| "Not found">
                    <Route path=path!("notes") view=|| "The host's own page"/>
                    <KeycardRoutes pages/>
                </Routes>
            </Router>
        }
    };
    leptos_axum::generate_route_list(app)
        .into_iter()
        .map(|route| route.path().to_owned())
        .collect()
}

#[test]
fn every_page_is_routed_at_its_path_at_the_root_and_under_a_segment() {
    for pages in [Pages::ROOT, Pages::under("account")] {
        let mut expected: BTreeSet<String> =
            Page::ALL.iter().map(|&page| pages.path(page)).collect();
        expected.insert("/notes".to_owned());
        assert_eq!(routed_paths(pages), expected, "mounted at {pages:?}");
    }
}
