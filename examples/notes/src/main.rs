//! The `notes` server: its settings from `LEPTOS_*` variables (as cargo-leptos sets
//! them), its data in `NOTES_DATA` (default `notes-data`).

use std::net::SocketAddr;
use std::path::PathBuf;

use keycard_example_notes::server::{AppState, keycard, router};
use leptos::prelude::get_configuration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let leptos_options = get_configuration(None)?.leptos_options;
    let listener = tokio::net::TcpListener::bind(leptos_options.site_addr).await?;
    let address = listener.local_addr()?;
    let data = PathBuf::from(std::env::var_os("NOTES_DATA").unwrap_or("notes-data".into()));
    let state = AppState {
        keycard: keycard(&data, address)?,
        leptos_options,
        notes: Default::default(),
    };
    println!("Notes is listening on http://{address}");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
