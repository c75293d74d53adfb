//! The PostgreSQL schema, one step per version; `keycard_schema` records how far a
//! database got. The whole migration is one transaction holding an advisory lock, so
//! processes starting at once take turns and each step is applied exactly once.

use tokio_postgres::Client;

/// The advisory lock key of migrations: any constant no other user of the database
/// takes ("keycard" in ASCII).
const MIGRATION_LOCK: i64 = 0x006b_6579_6361_7264;

/// Each entry moves the schema one version forward. Append only; never edit a step
/// that has shipped. Times are Unix seconds, as in SQLite, so both stores share every
/// policy computation.
const STEPS: &[&str] = &[
    // 1: accounts, revoked token ids, sessions and their refresh tokens (only SHA-256
    // fingerprints), activity, and the brute-force counts every process shares.
    "CREATE TABLE users (
         id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         username         TEXT   NOT NULL,
         username_key     TEXT   NOT NULL UNIQUE,
         email            TEXT,
         password_hash    TEXT   NOT NULL,
         status           TEXT   NOT NULL DEFAULT 'active'
                                 CHECK (status IN ('active', 'disabled')),
         created_at       BIGINT NOT NULL,
         password_version BIGINT NOT NULL DEFAULT 1
     );
     CREATE TABLE revoked_tokens (
         jti        TEXT   PRIMARY KEY,
         expires_at BIGINT NOT NULL
     );
     CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
     CREATE TABLE sessions (
         id             TEXT   PRIMARY KEY,
         user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         created_at     BIGINT NOT NULL,
         last_active_at BIGINT NOT NULL,
         password_at    BIGINT NOT NULL,
         client_address TEXT   NOT NULL,
         user_agent     TEXT   NOT NULL,
         ended_at       BIGINT,
         end_reason     TEXT
     );
     CREATE INDEX sessions_by_user ON sessions (user_id);
     CREATE TABLE refresh_tokens (
         fingerprint TEXT   PRIMARY KEY,
         session_id  TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
         issued_at   BIGINT NOT NULL,
         replaced_at BIGINT
     );
     CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
     CREATE TABLE activity (
         id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         at             BIGINT NOT NULL,
         event          TEXT   NOT NULL,
         client_address TEXT   NOT NULL,
         user_agent     TEXT   NOT NULL
     );
     CREATE INDEX activity_by_user ON activity (user_id, at);
     CREATE INDEX activity_by_time ON activity (at);
     CREATE TABLE throttle_events (
         bucket TEXT   NOT NULL,
         at_ms  BIGINT NOT NULL
     );
     CREATE INDEX throttle_events_by_bucket ON throttle_events (bucket, at_ms);
     CREATE INDEX throttle_events_by_time ON throttle_events (at_ms);",
    // 2: email verification and the links mailed out (a keyed hash of each link's
    // verifier, never the link), and a case-folded key to find accounts by address.
    "ALTER TABLE users ADD COLUMN email_key TEXT;
     ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
     UPDATE users SET email_key = lower(email) WHERE email IS NOT NULL;
     CREATE INDEX users_by_email_key ON users (email_key) WHERE email_key IS NOT NULL;
     CREATE TABLE mail_links (
         selector         TEXT   PRIMARY KEY,
         user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         purpose          TEXT   NOT NULL,
         verifier_hash    TEXT   NOT NULL,
         email            TEXT   NOT NULL,
         password_version BIGINT NOT NULL,
         created_at       BIGINT NOT NULL,
         expires_at       BIGINT NOT NULL
     );
     CREATE INDEX mail_links_by_user ON mail_links (user_id);
     CREATE INDEX mail_links_by_expiry ON mail_links (expires_at);",
    // 3: two-step sign-in: each account's sealed app secret with the last time step a
    // code was accepted for (-1: none yet), and its recovery codes as keyed hashes.
    "CREATE TABLE two_factor (
         user_id       BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
         sealed_secret TEXT    NOT NULL,
         enabled       BOOLEAN NOT NULL DEFAULT FALSE,
         last_step     BIGINT  NOT NULL DEFAULT -1,
         created_at    BIGINT  NOT NULL
     );
     CREATE TABLE recovery_codes (
         user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         code_hash TEXT   NOT NULL,
         used_at   BIGINT,
         PRIMARY KEY (user_id, code_hash)
     );",
    // 4: passkeys: each account's WebAuthn user handle, and its credentials (webauthn-rs's
    // JSON: public key, signature counter, flags), found by credential id.
    "ALTER TABLE users ADD COLUMN webauthn_handle TEXT UNIQUE;
     CREATE TABLE passkeys (
         id            TEXT   PRIMARY KEY,
         user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         credential_id TEXT   NOT NULL UNIQUE,
         name          TEXT   NOT NULL,
         credential    TEXT   NOT NULL,
         created_at    BIGINT NOT NULL,
         last_used_at  BIGINT
     );
     CREATE INDEX passkeys_by_user ON passkeys (user_id);",
    // 5: the session a secret waiting for its first code was made in, the only one that
    // may show or confirm it; and the passkey a session was signed in with, so removing
    // the passkey ends it.
    "ALTER TABLE two_factor ADD COLUMN staged_in TEXT;
     ALTER TABLE sessions ADD COLUMN passkey_id TEXT;",
];

/// Brings the schema up to date.
pub async fn migrate(client: &mut Client) -> Result<(), tokio_postgres::Error> {
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    transaction
        .batch_execute("CREATE TABLE IF NOT EXISTS keycard_schema (version INTEGER NOT NULL)")
        .await?;
    let current: i32 = transaction
        .query_one("SELECT COALESCE(MAX(version), 0) FROM keycard_schema", &[])
        .await?
        .try_get(0)?;
    for (version, step) in (1_i32..)
        .zip(STEPS)
        .skip(usize::try_from(current).unwrap_or(0))
    {
        transaction.batch_execute(step).await?;
        transaction
            .execute(
                "INSERT INTO keycard_schema (version) VALUES ($1)",
                &[&version],
            )
            .await?;
    }
    transaction.commit().await
}
