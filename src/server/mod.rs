//! The axum side: configuration, application state, the router and its middleware,
//! the session cookie, and the glue server functions use. Server only.

mod config;
mod health;
mod middleware;
mod qr_code;
mod router;
mod secret;
mod server_fn;
mod state;

pub use config::{Config, ConfigError};
pub use qr_code::qr_code_svg;
pub use router::{build_state, router, run};
pub use server_fn::{
    DELETE_ACCOUNT_PAGE, EMAIL_PAGE, FORGOT_PASSWORD_PAGE, FnRequest, FormReturn, PASSKEYS_PAGE,
    PASSWORD_PAGE, RESET_PASSWORD_PAGE, SESSIONS_PAGE, SIGNED_IN_HOME, TWO_FACTOR_PAGE,
    TWO_STEP_PAGE, VERIFY_EMAIL_PAGE, format_time, profile_view,
};
pub use state::AppState;
