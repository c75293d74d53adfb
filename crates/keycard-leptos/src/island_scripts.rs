//! The scripts that bring a page's islands to life, as a file of their own rather than
//! written into every page.

use leptos::config::LeptosOptions;
use leptos::nonce::use_nonce;
use leptos::prelude::*;

/// For the shell's `<head>`, in place of Leptos's `<HydrationScripts options
/// islands=true islands_router=true/>`: the same preloads of the site's script and
/// wasm, and Leptos's island script and islands router as a file
/// ([`server::serve_island_script`](crate::server::serve_island_script) serves it),
/// which the browser fetches once per page load, where `HydrationScripts` writes its
/// 12 KB into every page, every page the islands router fetches included. Unlike it,
/// this takes no hashed file names (`hash-files`).
#[component]
pub fn IslandScripts(
    /// The site's settings: where its files are.
    options: LeptosOptions,
) -> impl IntoView {
    // As HydrationScripts does for islands: what the server renders outside an island
    // is not hydrated, so it carries no hydration data.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let nonce = use_nonce();
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    view! {
        <link rel="modulepreload" href=format!("{pkg}.js") crossorigin="anonymous"/>
        <link rel="preload" href=format!("{pkg}.wasm") r#as="fetch" r#type="application/wasm"
            crossorigin="anonymous"/>
        <script type="module" nonce=nonce src=island_script_path(&options)></script>
    }
}

/// Where the island script is served: `/pkg/keycard-islands.js` for Keycard.
pub(crate) fn island_script_path(options: &LeptosOptions) -> String {
    format!(
        "/{}/{}-islands.js",
        options.site_pkg_dir, options.output_name
    )
}
