//! TLS to PostgreSQL, used when the connection URL asks for it (`sslmode=require`). The
//! server's certificate is then always verified, against the system's roots and the
//! extra certificate authorities of `KEYCARD_DATABASE_CA`, like libpq's `verify-full`:
//! an encrypted connection to whoever answers would not keep a password or a session
//! from a machine in the middle.

use std::path::Path;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::OpenError;

/// A TLS connector trusting the system's roots and those in the PEM file `extra_ca`.
pub fn connector(extra_ca: Option<&Path>) -> Result<MakeRustlsConnect, OpenError> {
    let mut roots = RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(system.certs);
    let mut trusted = added;
    if let Some(path) = extra_ca {
        let unreadable = |reason: String| OpenError::Tls(format!("{}: {reason}", path.display()));
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|error| unreadable(error.to_string()))?;
        if certificates.is_empty() {
            return Err(unreadable("no certificate in it".to_owned()));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|error| unreadable(error.to_string()))?;
            trusted += 1;
        }
    }
    if trusted == 0 {
        return Err(OpenError::Tls(
            "no certificate authority to verify the server with: install the system's (ca-certificates) or set KEYCARD_DATABASE_CA".to_owned(),
        ));
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
