use keycard_core::auth::*;
use keycard_testing::{client, service, session_of, signed_up, sql};

#[tokio::test]
async fn a_fresh_token_is_accepted_and_names_its_user() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let signed_in = signed_up(&auth).await;
    let session = session_of(&auth, &signed_in).await;
    assert_eq!(session.user.username, "grace");
    assert_eq!(session.id(), &signed_in.session_id);
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let token = signed_up(&auth).await.access.token;
    let session = auth.current_user(Some(&token)).await.unwrap();
    auth.logout(&session, &client("curl")).await.unwrap();
    assert!(matches!(
        auth.current_user(Some(&token)).await,
        Err(AuthError::Unauthenticated(Rejection::Revoked))
    ));
}

#[tokio::test]
async fn a_token_of_a_deleted_account_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let token = signed_up(&auth).await.access.token;
    sql(&directory, "DELETE FROM users");
    assert!(matches!(
        auth.current_user(Some(&token)).await,
        Err(AuthError::Unauthenticated(Rejection::AccountGone))
    ));
}

#[tokio::test]
async fn no_token_means_not_signed_in() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    assert!(matches!(
        auth.current_user(None).await,
        Err(AuthError::Unauthenticated(Rejection::MissingToken))
    ));
}
