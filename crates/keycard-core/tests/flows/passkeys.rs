use keycard_core::auth::*;
use keycard_testing::{
    PASSWORD, assert_signed_out, client, events, password_version, service, session_of, signed_up,
    turned_on,
};
use time::OffsetDateTime;

fn party() -> PasskeyRelyingParty {
    PasskeyRelyingParty::new(
        "http://localhost:3000",
        &JwtSecret::new(vec![9; 32]).unwrap(),
    )
    .unwrap()
}

#[test]
fn webauthn_needs_a_domain_name_for_its_rp_id() {
    let secret = JwtSecret::new(vec![9; 32]).unwrap();
    assert!(PasskeyRelyingParty::new("http://127.0.0.1:3000", &secret).is_err());
    assert!(PasskeyRelyingParty::new("https://auth.example.com", &secret).is_ok());
}

/// A passkey signs in on its own, so on a two-step account adding one takes a
/// current code besides the password, and the code is spent.
#[tokio::test]
async fn on_a_two_step_account_adding_a_passkey_takes_a_current_code() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await.with_passkeys(party());
    let session = session_of(&auth, &signed_up(&auth).await).await;
    let password = || keycard_core::domain::Password::parse(PASSWORD).unwrap();
    auth.begin_passkey_registration(&session, password(), None, &client("curl"))
        .await
        .expect("without two-step, the password is enough");
    let two_step = turned_on(&auth, &session).await;
    for code in [None, Some(two_step.code(0)), Some(two_step.code(40))] {
        let begun = auth
            .begin_passkey_registration(&session, password(), code, &client("curl"))
            .await;
        assert!(
            matches!(begun, Err(AuthError::WrongCode)),
            "{:?}",
            begun.err()
        );
    }
    let current = two_step.code(1);
    auth.begin_passkey_registration(&session, password(), Some(current.clone()), &client("curl"))
        .await
        .unwrap();
    let again = auth
        .begin_passkey_registration(&session, password(), Some(current), &client("curl"))
        .await;
    assert!(
        matches!(again, Err(AuthError::WrongCode)),
        "a code works once"
    );
}

/// A session a passkey signed in lives only as long as the passkey: removing it
/// signs that session out, and no other.
#[tokio::test]
async fn removing_a_passkey_ends_the_sessions_it_signed_in() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let session = session_of(&auth, &laptop).await;
    let user = session.user.id;
    auth.store().webauthn_handle(user, "handle").await.unwrap();
    let passkey = NewPasskey {
        id: "key-1".to_owned(),
        user,
        credential_id: "c0ffee".to_owned(),
        name: "Phone".to_owned(),
        credential: "{}".to_owned(),
    };
    let now = OffsetDateTime::now_utc();
    auth.store()
        .insert_passkey(&passkey, &client("curl"), now)
        .await
        .unwrap();
    let checked = password_version(&auth, user).await;
    let by_passkey = auth
        .start_session(
            user,
            checked,
            SecondStep::Passkey("key-1".to_owned()),
            &client("phone"),
        )
        .await
        .unwrap();
    session_of(&auth, &by_passkey).await;
    assert_eq!(
        auth.remove_passkey(&session, "key-1", &client("curl"))
            .await
            .unwrap(),
        1
    );
    assert_signed_out(&auth, &by_passkey).await;
    session_of(&auth, &laptop).await;
}

#[tokio::test]
async fn a_ceremony_is_spent_once() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let expires_at = OffsetDateTime::now_utc() + time::Duration::minutes(5);
    assert!(
        auth.store()
            .spend_once("ceremony", expires_at)
            .await
            .unwrap()
    );
    assert!(
        !auth
            .store()
            .spend_once("ceremony", expires_at)
            .await
            .unwrap()
    );
}

/// A spend checked as in time, then recorded a second later: by then the prune may
/// have deleted the id's earlier spend, so an id past its expiry is never recorded.
#[tokio::test]
async fn an_id_past_its_expiry_is_never_spent_so_a_pruned_spend_cannot_repeat() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let now = OffsetDateTime::now_utc();
    let id = "ceremony".to_owned();
    assert!(
        !auth
            .store()
            .spend_once(&id, now - time::Duration::seconds(1))
            .await
            .unwrap()
    );
    assert!(
        auth.store()
            .spend_once(&id, now + time::Duration::seconds(60))
            .await
            .unwrap()
    );
    assert!(
        !auth
            .store()
            .spend_once(&id, now + time::Duration::seconds(60))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn stored_passkeys_are_found_by_credential_until_removed() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let session = session_of(&auth, &signed_up(&auth).await).await;
    let user = session.user.id;
    let handle = auth.store().webauthn_handle(user, "first").await.unwrap();
    assert_eq!(handle, "first");
    assert_eq!(
        auth.store().webauthn_handle(user, "second").await.unwrap(),
        "first",
        "an account keeps its handle"
    );
    let new = NewPasskey {
        id: "key-1".to_owned(),
        user,
        credential_id: "c0ffee".to_owned(),
        name: "Laptop".to_owned(),
        credential: "{}".to_owned(),
    };
    let now = OffsetDateTime::now_utc();
    assert!(
        auth.store()
            .insert_passkey(&new, &client("curl"), now)
            .await
            .unwrap()
    );
    assert!(
        !auth
            .store()
            .insert_passkey(&new, &client("curl"), now)
            .await
            .unwrap(),
        "one credential, one row"
    );
    let found = auth.store().find_passkey("c0ffee").await.unwrap().unwrap();
    assert_eq!((found.user, found.user_handle.as_str()), (user, "first"));
    assert_eq!(found.last_used_at, None);
    assert!(
        auth.store()
            .record_passkey_use("key-1", "{}", Some("{\"counter\":1}"), now)
            .await
            .unwrap()
    );
    // A second sign-in checked against the state before the first was written: two
    // authenticators with one counter, and the second is refused.
    assert!(
        !auth
            .store()
            .record_passkey_use("key-1", "{}", Some("{\"counter\":1}"), now)
            .await
            .unwrap()
    );
    let listed = auth.list_passkeys(&session).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    assert!(matches!(
        auth.remove_passkey(&session, "someone-elses", &client("curl"))
            .await,
        Err(AuthError::PasskeyNotFound)
    ));
    auth.remove_passkey(&session, "key-1", &client("curl"))
        .await
        .unwrap();
    assert_eq!(auth.store().find_passkey("c0ffee").await.unwrap(), None);
    let events = events(&auth, &session).await;
    assert!(events.contains(&keycard_core::auth::ActivityEvent::PasskeyAdded));
    assert!(events.contains(&keycard_core::auth::ActivityEvent::PasskeyRemoved));
}
