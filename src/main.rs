//! The `keycard` server binary: logging, then the app until SIGINT or SIGTERM.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

/// Requests allocate and free many small objects across threads; glibc's allocator
/// took a fifth of the CPU time of `GET /api/v1/user` in a profile (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match keycard::server::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keycard: {error:#}");
            ExitCode::FAILURE
        }
    }
}
