//! The server side: the request a server function runs for, the layers in front of the
//! pages, and what the host calls to put Keycard into its router. Server only.

mod middleware;
mod qr_code;
mod request;

use axum::Router;
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use keycard_axum::{CspNonce, KeycardState, keycard_edge};
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::*;
use tower_cookies::CookieManagerLayer;

pub(crate) use qr_code::qr_code_svg;
pub(crate) use request::format_time;
pub use request::{FnRequest, FormReturn};

use middleware::page_rules;

/// What Keycard's pages and server functions read from the Leptos context: the host
/// calls it in the context function it gives `leptos_axum` for its routes and its
/// fallback. It also hands the page's scripts the nonce the CSP header allows.
pub fn provide_keycard(keycard: &KeycardState) {
    provide_context(keycard.clone());
    let nonce = with_context::<Parts, _>(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(Some(CspNonce(nonce))) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}

/// Every layer Keycard needs in front of a host's routes, in order: cookies, security
/// headers and the CSP nonce, the client's address, the refusal of cross-site requests,
/// the browser's session, then Keycard's rules for its pages and server functions (the
/// body limit, the reset link's token moved out of the address, the page guard,
/// server-function errors given their real status, redirects kept on the site and no
/// caching of private pages).
pub fn with_keycard_layers<S>(router: Router<S>, keycard: &KeycardState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(from_fn_with_state(keycard.clone(), page_rules))
        .layer(from_fn_with_state(keycard.clone(), keycard_edge))
        .layer(CookieManagerLayer::new())
}

/// Serves Leptos's island script and islands router for
/// [`IslandScripts`](crate::IslandScripts), as `HydrationScripts` would write them into
/// every page: taken once from what `HydrationScripts` renders.
///
/// # Panics
///
/// When `HydrationScripts` renders no script, which a Leptos this crate was not built
/// against could do: the server then stops as it starts, rather than serve pages whose
/// islands never run.
pub fn serve_island_script<S>(router: Router<S>, options: &LeptosOptions) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let script = island_script(options)
        .expect("Leptos's HydrationScripts renders its island script in a <script> element");
    router.route(
        &crate::island_scripts::island_script_path(options),
        get(move || {
            let script = script.clone();
            async move {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    script,
                )
            }
        }),
    )
}

/// The text of the script `HydrationScripts` writes for islands and the islands router.
fn island_script(options: &LeptosOptions) -> Option<axum::body::Bytes> {
    let owner = Owner::new();
    let html = owner.with(|| {
        view! { <HydrationScripts options=options.clone() islands=true islands_router=true/> }
            .to_html()
    });
    let (_, from_script) = html.split_once("<script")?;
    let (_, text) = from_script.split_once('>')?;
    let (text, _) = text.rsplit_once("</script>")?;
    Some(axum::body::Bytes::from(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_island_script_is_what_hydration_scripts_writes_for_islands() {
        let options = LeptosOptions::builder().output_name("site").build();
        let script = island_script(&options).expect("a script");
        let script = std::str::from_utf8(&script).expect("text");
        assert!(script.contains("hydrateIslands"), "the island script");
        assert!(script.contains("navigateToPage"), "the islands router");
        assert!(!script.contains("<script"), "only the script's text");
    }
}
