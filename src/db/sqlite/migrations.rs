//! The schema, one step per version; `PRAGMA user_version` records how far a file got.

use rusqlite::{Connection, TransactionBehavior};

/// Each entry moves the schema one version forward. Append only; never edit a step
/// that has shipped.
const STEPS: &[&str] = &[
    // 1: accounts and the blocklist of revoked token ids.
    "CREATE TABLE users (
         id            INTEGER PRIMARY KEY,
         username      TEXT    NOT NULL,
         username_key  TEXT    NOT NULL UNIQUE,
         email         TEXT,
         password_hash TEXT    NOT NULL,
         status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
         created_at    INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE revoked_tokens (
         jti        TEXT    PRIMARY KEY,
         expires_at INTEGER NOT NULL
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);",
    // 2: sessions, one per sign-in, and the refresh tokens that renew them (only their
    // SHA-256 fingerprints; every token a session ever had, so a replaced one is
    // recognised when it comes back).
    "CREATE TABLE sessions (
         id             TEXT    PRIMARY KEY,
         user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         created_at     INTEGER NOT NULL,
         last_active_at INTEGER NOT NULL,
         password_at    INTEGER NOT NULL,
         client_address TEXT    NOT NULL,
         user_agent     TEXT    NOT NULL,
         ended_at       INTEGER,
         end_reason     TEXT
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX sessions_by_user ON sessions (user_id);
     CREATE TABLE refresh_tokens (
         fingerprint TEXT    PRIMARY KEY,
         session_id  TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
         issued_at   INTEGER NOT NULL,
         replaced_at INTEGER
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);",
    // 3: each account's security activity, and a version of its password that a password
    // change bumps, so a sign-in that checked the old one cannot start a session after it.
    "ALTER TABLE users ADD COLUMN password_version INTEGER NOT NULL DEFAULT 1;
     CREATE TABLE activity (
         id             INTEGER PRIMARY KEY,
         user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         at             INTEGER NOT NULL,
         event          TEXT    NOT NULL,
         client_address TEXT    NOT NULL,
         user_agent     TEXT    NOT NULL
     ) STRICT;
     CREATE INDEX activity_by_user ON activity (user_id, at);
     CREATE INDEX activity_by_time ON activity (at);",
    // 4: email verification and the links mailed out (a keyed hash of each link's
    // verifier, never the link), and a case-folded key to find accounts by address.
    // Addresses stored before this step get SQLite's ASCII lower case as their key.
    "ALTER TABLE users ADD COLUMN email_key TEXT;
     ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
     UPDATE users SET email_key = lower(email) WHERE email IS NOT NULL;
     CREATE INDEX users_by_email_key ON users (email_key) WHERE email_key IS NOT NULL;
     CREATE TABLE mail_links (
         selector         TEXT    PRIMARY KEY,
         user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         purpose          TEXT    NOT NULL,
         verifier_hash    TEXT    NOT NULL,
         email            TEXT    NOT NULL,
         password_version INTEGER NOT NULL,
         created_at       INTEGER NOT NULL,
         expires_at       INTEGER NOT NULL
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX mail_links_by_user ON mail_links (user_id);
     CREATE INDEX mail_links_by_expiry ON mail_links (expires_at);",
    // 5: two-step sign-in: each account's sealed app secret with the last time step a
    // code was accepted for (-1: none yet), and its recovery codes as keyed hashes.
    "CREATE TABLE two_factor (
         user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
         sealed_secret TEXT    NOT NULL,
         enabled       INTEGER NOT NULL DEFAULT 0,
         last_step     INTEGER NOT NULL DEFAULT -1,
         created_at    INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE recovery_codes (
         user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         code_hash TEXT    NOT NULL,
         used_at   INTEGER,
         PRIMARY KEY (user_id, code_hash)
     ) STRICT, WITHOUT ROWID;",
    // 6: passkeys: each account's WebAuthn user handle, and its credentials (webauthn-rs's
    // JSON: public key, signature counter, flags), found by credential id.
    "ALTER TABLE users ADD COLUMN webauthn_handle TEXT;
     CREATE UNIQUE INDEX users_by_webauthn_handle ON users (webauthn_handle)
         WHERE webauthn_handle IS NOT NULL;
     CREATE TABLE passkeys (
         id            TEXT    PRIMARY KEY,
         user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         credential_id TEXT    NOT NULL UNIQUE,
         name          TEXT    NOT NULL,
         credential    TEXT    NOT NULL,
         created_at    INTEGER NOT NULL,
         last_used_at  INTEGER
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX passkeys_by_user ON passkeys (user_id);",
];

/// Brings the schema up to date inside one immediate transaction, so two processes
/// starting at once cannot both apply the same step.
pub fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (version, step) in (1_i64..)
        .zip(STEPS)
        .skip(usize::try_from(current).unwrap_or(0))
    {
        transaction.execute_batch(step)?;
        transaction.pragma_update(None, "user_version", version)?;
    }
    transaction.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        migrate(&mut connection).unwrap();
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, STEPS.len() as i64);
    }
}
