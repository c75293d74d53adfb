//! The signing secret: from configuration, or generated once and kept next to the
//! database so sign-ins survive a restart.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use anyhow::Context as _;

use keycard_core::auth::JwtSecret;

const SECRET_FILE: &str = "jwt-secret";
const GENERATED_SECRET_BYTES: usize = 32;

/// Whether a missing secret file may be replaced by a new secret.
#[derive(Debug, Clone, Copy)]
pub struct NewSecret {
    /// The database beside it already holds accounts.
    pub accounts_exist: bool,
    /// `KEYCARD_ALLOW_NEW_SECRET`: make one even so.
    pub allowed_anyway: bool,
}

/// Reads `<directory>/jwt-secret`, creating it with 256 random bits and owner-only
/// permissions if it does not exist yet, unless the database already holds accounts:
/// a lost file is then far more likely than a first start, and a new secret would sign
/// everyone out and leave every two-step secret sealed under a key nobody has.
pub fn load_or_create_secret(directory: &Path, new: NewSecret) -> anyhow::Result<JwtSecret> {
    let path = directory.join(SECRET_FILE);
    if !path.exists() {
        if new.accounts_exist && !new.allowed_anyway {
            anyhow::bail!(
                "the signing secret {path} is missing, but the database beside it holds accounts. \
                 Restore {path} from a backup (or set KEYCARD_JWT_SECRET to the secret it held): \
                 with a new secret every session ends and two-step sign-in stops working for \
                 every account that has it on. To start with a new secret anyway, set \
                 KEYCARD_ALLOW_NEW_SECRET=true.",
                path = path.display()
            );
        }
        if new.accounts_exist {
            tracing::warn!(path = %path.display(), "the signing secret was missing beside a database with accounts; making a new one as KEYCARD_ALLOW_NEW_SECRET says");
        }
        create_secret_file(&path)?;
    }
    let encoded = fs::read_to_string(&path)
        .with_context(|| format!("could not read the JWT secret at {}", path.display()))?;
    let bytes = hex::decode(encoded.trim())
        .with_context(|| format!("the JWT secret at {} is not hex", path.display()))?;
    JwtSecret::new(bytes)
        .with_context(|| format!("the JWT secret at {} is unusable", path.display()))
}

/// Writes the new secret to a private temporary file, then links it into place, so
/// a second process starting at the same moment either wins or reads a whole file.
fn create_secret_file(path: &Path) -> anyhow::Result<()> {
    let mut bytes = [0u8; GENERATED_SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for a secret: {e}"))?;
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(hex::encode(bytes).as_bytes())?;
        file.sync_all()
    };
    let written = write().with_context(|| {
        format!(
            "could not write a new JWT secret in {}",
            temporary.display()
        )
    });
    let linked = written.and_then(|()| match fs::hard_link(&temporary, path) {
        Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(error).with_context(|| format!("could not create {}", path.display()))
        }
        _ => Ok(()),
    });
    let _ = fs::remove_file(&temporary);
    linked?;
    tracing::info!(path = %path.display(), "generated a new JWT secret");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    const FIRST_START: NewSecret = NewSecret {
        accounts_exist: false,
        allowed_anyway: false,
    };

    #[test]
    fn a_generated_secret_is_private_and_kept_for_the_next_start() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join(SECRET_FILE);
        load_or_create_secret(directory.path(), FIRST_START).unwrap();
        let first = fs::read_to_string(&path).unwrap();
        let with_accounts = NewSecret {
            accounts_exist: true,
            ..FIRST_START
        };
        load_or_create_secret(directory.path(), with_accounts).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), first);
        assert_eq!(first.len(), 2 * GENERATED_SECRET_BYTES);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o077, 0);
    }

    #[test]
    fn a_missing_secret_beside_accounts_is_not_replaced_unless_allowed() {
        let directory = tempfile::tempdir().unwrap();
        let lost = NewSecret {
            accounts_exist: true,
            allowed_anyway: false,
        };
        let refusal =
            load_or_create_secret(directory.path(), lost).expect_err("the start is refused");
        let message = refusal.to_string();
        assert!(message.contains(&directory.path().join(SECRET_FILE).display().to_string()));
        assert!(
            message.contains("KEYCARD_ALLOW_NEW_SECRET=true"),
            "{message}"
        );
        assert!(!directory.path().join(SECRET_FILE).exists());
        let allowed = NewSecret {
            allowed_anyway: true,
            ..lost
        };
        load_or_create_secret(directory.path(), allowed).unwrap();
        assert!(directory.path().join(SECRET_FILE).exists());
    }
}
