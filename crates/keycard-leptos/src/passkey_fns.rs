//! The server functions of the passkeys a person already has: listing and removing
//! them on `/passkeys`. These work without the `passkeys` feature too, so passkeys added
//! before it was turned off can still be seen and removed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use keycard_types::AuthFnError;

/// What `/passkeys` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeysView {
    /// The account's passkeys, oldest first.
    pub passkeys: Vec<PasskeyRow>,
    /// Adding a passkey then asks for a code too.
    pub two_step_on: bool,
}

/// One passkey as the passkeys page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRow {
    /// Its id, for "Remove".
    pub id: String,
    /// The name its owner gave it.
    pub name: String,
    /// When it was added, written out.
    pub added: String,
    /// When it last signed in, written out, if ever.
    pub last_used: Option<String>,
}

/// The passkeys page's data: the account's passkeys.
#[server(endpoint = "passkeys")]
pub async fn list_passkeys() -> Result<PasskeysView, AuthFnError> {
    use crate::server::{FnRequest, format_time};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let passkeys = request
        .auth()
        .list_passkeys(&session)
        .await
        .map_err(|error| request.reject(error))?;
    let two_step_on = request
        .auth()
        .two_step_is_on(&session)
        .await
        .map_err(|error| request.reject(error))?;
    Ok(PasskeysView {
        two_step_on,
        passkeys: passkeys
            .into_iter()
            .map(|passkey| PasskeyRow {
                id: passkey.id,
                name: passkey.name,
                added: format_time(passkey.created_at),
                last_used: passkey.last_used_at.map(format_time),
            })
            .collect(),
    })
}

/// "Remove" on one passkey: the sessions it signed in end with it.
#[server(endpoint = "passkey_remove")]
pub async fn remove_passkey(
    /// The passkey's id, as the list gave it.
    id: String,
) -> Result<(), AuthFnError> {
    use crate::server::{FnRequest, FormReturn};
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    match request
        .auth()
        .remove_passkey(&session, &id, request.client())
        .await
    {
        Ok(_ended) => {
            request.redirect(&request.page_with_query(Page::Passkeys, "removed=1"));
            Ok(())
        }
        Err(error) => {
            Err(request.reject_form(error, &FormReturn::new(request.page(Page::Passkeys))))
        }
    }
}
