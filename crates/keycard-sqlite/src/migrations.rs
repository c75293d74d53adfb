//! The schema, one step per version; `PRAGMA user_version` records how far a file got.

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior};

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
    // 7: account and activity ids are never handed out again. Without AUTOINCREMENT,
    // SQLite gives a new row the highest id plus one, so deleting the newest account
    // passed its id, and every count, challenge or link keyed by it, to the next one.
    // Rebuilt in place (SQLite cannot add AUTOINCREMENT to a table), keeping every row.
    "CREATE TABLE users_rebuilt (
         id               INTEGER PRIMARY KEY AUTOINCREMENT,
         username         TEXT    NOT NULL,
         username_key     TEXT    NOT NULL UNIQUE,
         email            TEXT,
         password_hash    TEXT    NOT NULL,
         status           TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
         created_at       INTEGER NOT NULL,
         password_version INTEGER NOT NULL DEFAULT 1,
         email_key        TEXT,
         email_verified   INTEGER NOT NULL DEFAULT 0,
         webauthn_handle  TEXT
     ) STRICT;
     INSERT INTO users_rebuilt (id, username, username_key, email, password_hash, status,
                                created_at, password_version, email_key, email_verified,
                                webauthn_handle)
         SELECT id, username, username_key, email, password_hash, status, created_at,
                password_version, email_key, email_verified, webauthn_handle
         FROM users;
     DROP TABLE users;
     ALTER TABLE users_rebuilt RENAME TO users;
     CREATE INDEX users_by_email_key ON users (email_key) WHERE email_key IS NOT NULL;
     CREATE UNIQUE INDEX users_by_webauthn_handle ON users (webauthn_handle)
         WHERE webauthn_handle IS NOT NULL;
     CREATE TABLE activity_rebuilt (
         id             INTEGER PRIMARY KEY AUTOINCREMENT,
         user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         at             INTEGER NOT NULL,
         event          TEXT    NOT NULL,
         client_address TEXT    NOT NULL,
         user_agent     TEXT    NOT NULL
     ) STRICT;
     INSERT INTO activity_rebuilt SELECT id, user_id, at, event, client_address, user_agent
         FROM activity;
     DROP TABLE activity;
     ALTER TABLE activity_rebuilt RENAME TO activity;
     CREATE INDEX activity_by_user ON activity (user_id, at);
     CREATE INDEX activity_by_time ON activity (at);",
    // 8: the session a secret waiting for its first code was made in, the only one that
    // may show or confirm it; and the passkey a session was signed in with, so removing
    // the passkey ends it.
    "ALTER TABLE two_factor ADD COLUMN staged_in TEXT;
     ALTER TABLE sessions ADD COLUMN passkey_id TEXT;",
];

/// Brings the schema up to date inside one immediate transaction, so two processes
/// starting at once cannot both apply the same step.
///
/// Foreign keys are off while the steps run (SQLite only changes that outside a
/// transaction): a step that rebuilds a table drops the old one, which with them on
/// would delete every row that refers to it. Each step must leave every reference
/// whole, which is checked before the commit.
pub fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    connection.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = apply_steps(connection);
    connection.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}

fn apply_steps(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (version, step) in (1_i64..)
        .zip(STEPS)
        .skip(usize::try_from(current).unwrap_or(0))
    {
        transaction.execute_batch(step)?;
        transaction.pragma_update(None, "user_version", version)?;
    }
    let broken: Option<String> = transaction
        .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
        .optional()?;
    if let Some(table) = broken {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            Some(format!(
                "a migration step left rows of {table} pointing nowhere"
            )),
        ));
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

    /// A file from before step 7 keeps every account, its sessions and activity, and
    /// the id of a deleted account is never given to the next one.
    #[test]
    fn ids_are_not_reused_after_the_migration_and_no_row_is_lost() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .unwrap();
        let transaction = connection.transaction().unwrap();
        for step in &STEPS[..6] {
            transaction.execute_batch(step).unwrap();
        }
        transaction.pragma_update(None, "user_version", 6).unwrap();
        transaction
            .execute_batch(
                "INSERT INTO users (username, username_key, password_hash, created_at)
                     VALUES ('grace', 'grace', 'h', 1), ('alan', 'alan', 'h', 1);
                 INSERT INTO sessions VALUES ('s1', 1, 1, 1, 1, '::1', 'curl', NULL, NULL);
                 INSERT INTO activity (user_id, at, event, client_address, user_agent)
                     VALUES (1, 1, 'signed_in', '::1', 'curl'), (2, 1, 'signed_in', '::1', 'curl');",
            )
            .unwrap();
        transaction.commit().unwrap();

        migrate(&mut connection).unwrap();
        let count = |sql: &str| -> i64 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM users"), 2);
        assert_eq!(count("SELECT COUNT(*) FROM sessions WHERE user_id = 1"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM activity"), 2);

        connection
            .execute("DELETE FROM users WHERE id = 2", [])
            .unwrap();
        assert_eq!(
            count("SELECT COUNT(*) FROM activity"),
            1,
            "cascades still work"
        );
        connection
            .execute(
                "INSERT INTO users (username, username_key, password_hash, created_at)
                 VALUES ('mallory', 'mallory', 'h', 1)",
                [],
            )
            .unwrap();
        assert_eq!(count("SELECT id FROM users WHERE username = 'mallory'"), 3);
    }
}
