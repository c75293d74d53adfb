//! The authentication core: password hashing, tokens, the blocklist, users, sessions
//! with their refresh tokens, and the guard that decides who is signed in. It knows
//! nothing of HTTP or Leptos; the web pages, server functions and the JSON API are thin
//! adapters over it. Server only.

mod account_flows;
mod activity;
mod common_passwords;
mod device;
mod email_flows;
mod error;
mod guard;
mod hashing_threads;
mod keyed_hash;
mod link_token;
mod notices;
#[cfg(feature = "passkeys")]
mod passkey_ceremonies;
mod passkey_flows;
#[cfg(feature = "passkeys")]
mod passkey_party;
mod passkeys;
mod password;
mod random_id;
mod redacted;
mod refresh_token;
mod sealing;
mod service;
mod session_flows;
mod session_id;
mod sessions;
mod store;
mod throttle;
mod token;
mod touch;
mod two_factor;
mod two_factor_flows;
mod users;

pub use activity::{
    ACTIVITY_KEPT_PER_ACCOUNT, ACTIVITY_RETENTION, ACTIVITY_SHOWN, ActivityEntry, ActivityEvent,
};
pub use device::{ClientInfo, UserAgent, describe_device};
pub use error::{AuthError, Rejection};
pub use link_token::{
    LINK_TOKEN_LENGTH, LINK_TOKEN_PATTERN, LinkLifetimes, LinkPurpose, LinkToken, NewLink,
    StoredLink,
};
pub use notices::{Letter, Notice, Postbox};
#[cfg(feature = "passkeys")]
pub use passkey_ceremonies::CeremonyStart;
#[cfg(feature = "passkeys")]
pub use passkey_party::PasskeyRelyingParty;
pub use passkeys::{NewPasskey, PasskeySummary, StoredPasskey};
pub use password::PasswordHasher;
pub use redacted::Redacted;
pub use refresh_token::{REFRESH_TOKEN_LENGTH, REFRESH_TOKEN_PATTERN, RefreshToken};
pub use service::AuthService;
pub use session_flows::Ended;
pub use sessions::{
    EndReason, ExpiryCutoffs, GuardRecord, IssuedRefreshToken, NewSession, PresentedRefresh,
    Redemption, RefreshStep, SESSION_ID_PATTERN, SecondStep, Session, SessionId, SessionPolicy,
    SessionSummary, SessionTimes, SignedIn, StoredSession, timestamp,
};
pub use store::{
    AccountChange, ActivityStore, LinkStore, PasskeyStore, SessionStore, SharedStore, Store,
    StoreError, ThrottleStore, TwoStepStore, UserStore,
};
pub use throttle::{
    MAX_THROTTLE_WINDOW, MemoryThrottle, RECIPIENT_MAIL_WINDOW, RetryAfter, Throttle,
    ThrottlePolicy, client_network,
};
pub use token::{IssuedToken, JwtSecret, SecretError, TokenKeys, VerifiedToken};
#[cfg(feature = "two-factor")]
pub use two_factor::code_for;
pub use two_factor::{
    DEFAULT_TWO_STEP_LIFETIME, LoginOutcome, PendingReset, RECOVERY_CODES, SecondFactorProof,
    SecondFactorSpend, StoredTwoFactor, TwoStepAfterReset, TwoStepChallenge,
};
pub use two_factor_flows::{SecondFactor, TotpSetup, TwoFactorStatus};
pub use users::{
    AccountLookup, PasswordVersion, Recipient, StoredCredentials, User, UserId, UserStatus,
};
