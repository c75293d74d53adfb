use std::sync::Arc;
use std::time::Duration;

use keycard_core::auth::SessionPolicy;
use keycard_core::auth::*;
use keycard_core::auth::{
    ActivityEvent, LoginOutcome, NewPasskey, Rejection, SecondFactor, SignedIn,
};
use keycard_core::domain::Username;
use keycard_core::domain::*;
use keycard_testing::{
    ExpectSignedIn, PASSWORD, PostedLetters, assert_signed_out, client, count_rows, events,
    logged_in, service_mailing, service_signing, session_of, turned_on,
};

const NEW_PASSWORD: &str = "a brand new passphrase";
const ADDRESS: &str = "grace@example.com";

fn password(text: &str) -> Password {
    Password::parse(text).unwrap()
}

fn mailing(
    directory: &tempfile::TempDir,
    links: LinkLifetimes,
) -> (AuthService, Arc<PostedLetters>) {
    service_mailing(directory, SessionPolicy::default(), links)
}

/// Signs up "grace" with an address from curl; returns the sign-in.
async fn signed_up_with_email(auth: &AuthService) -> SignedIn {
    auth.register(
        Username::parse("grace").unwrap(),
        Some(Email::parse(ADDRESS).unwrap()),
        password(PASSWORD),
        &client("curl/8.5.0"),
    )
    .await
    .unwrap()
}

/// The token of the one link in `letters`, checking whom it went to and what for.
fn link_in(letters: &[Letter], to: &str, purpose: LinkPurpose) -> LinkToken {
    let [letter] = letters else {
        panic!("expected one letter, got {letters:?}");
    };
    assert_eq!(letter.to, to);
    match (&letter.notice, purpose) {
        (Notice::VerifyEmail { token }, LinkPurpose::VerifyEmail)
        | (Notice::ResetPassword { token }, LinkPurpose::ResetPassword) => token.clone(),
        (other, _) => panic!("expected a {purpose:?} link, got {other:?}"),
    }
}

/// Signs up "grace" with a verified address; the letters are emptied.
async fn verified(auth: &AuthService, letters: &PostedLetters) -> SignedIn {
    let signed_in = signed_up_with_email(auth).await;
    let token = link_in(&letters.take(), ADDRESS, LinkPurpose::VerifyEmail);
    auth.verify_email(&token, &client("curl")).await.unwrap();
    signed_in
}

/// The letters a background task posts within a second.
async fn letters_soon(letters: &PostedLetters) -> Vec<Letter> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut posted = letters.take();
    for _ in 0..7 {
        if !posted.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        posted = letters.take();
    }
    posted
}

async fn reset_link(auth: &AuthService, letters: &PostedLetters, login: &str) -> LinkToken {
    auth.request_password_reset(&Login::parse(login).unwrap(), &client("curl"))
        .await
        .unwrap();
    link_in(
        &letters_soon(letters).await,
        ADDRESS,
        LinkPurpose::ResetPassword,
    )
}

fn grace() -> Login {
    Login::parse("grace").unwrap()
}

async fn login(auth: &AuthService, with: &str) -> Result<SignedIn, AuthError> {
    auth.login(
        Username::parse("grace").unwrap(),
        password(with),
        &client("curl/8.5.0"),
    )
    .await
    .map(LoginOutcome::expect_signed_in)
}

#[tokio::test]
async fn signing_up_with_an_address_mails_a_link_that_verifies_it_once() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let signed_in = signed_up_with_email(&auth).await;
    assert!(!session_of(&auth, &signed_in).await.user.email_verified);
    let token = link_in(&letters.take(), ADDRESS, LinkPurpose::VerifyEmail);
    let stored = keycard_testing::sql(&directory, "SELECT verifier_hash FROM mail_links");
    assert!(
        !stored[0].contains(&token.reveal()[32..]),
        "only a hash is kept"
    );
    auth.verify_email(&token, &client("curl")).await.unwrap();
    let session = session_of(&auth, &signed_in).await;
    assert!(session.user.email_verified);
    assert!(matches!(
        auth.verify_email(&token, &client("curl")).await,
        Err(AuthError::InvalidLink)
    ));
    let newest = auth.activity(&session).await.unwrap();
    assert_eq!(newest[0].event, ActivityEvent::EmailVerified);
}

#[tokio::test]
async fn reset_links_go_only_to_verified_addresses_and_the_answer_never_tells() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    signed_up_with_email(&auth).await;
    letters.take();
    for login in ["grace", ADDRESS, "nobody", "nobody@example.com", "!!"] {
        auth.request_password_reset(&Login::parse(login).unwrap(), &client("curl"))
            .await
            .unwrap();
    }
    assert_eq!(
        letters_soon(&letters).await,
        [],
        "unverified: no reset mail"
    );
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    verified(&auth, &letters).await;
    reset_link(&auth, &letters, "GRACE").await;
    reset_link(&auth, &letters, "Grace@Example.COM").await;
}

#[tokio::test]
async fn a_reset_spends_the_link_ends_every_session_and_kills_the_old_password() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let laptop = verified(&auth, &letters).await;
    let phone = logged_in(&auth, "Firefox/133.0").await;
    letters.take();
    let token = reset_link(&auth, &letters, "grace").await;
    auth.check_reset_link(&token, &client("x")).await.unwrap();
    assert!(matches!(
        auth.reset_password(&token, password("password123"), &client("x"))
            .await,
        Err(AuthError::InvalidInput(CredentialError::PasswordTooCommon))
    ));
    let fresh = auth
        .reset_password(&token, password(NEW_PASSWORD), &client("Firefox/133.0"))
        .await
        .unwrap()
        .expect_signed_in();
    for signed_in in [&laptop, &phone] {
        assert_signed_out(&auth, signed_in).await;
    }
    let session = session_of(&auth, &fresh).await;
    assert!(matches!(
        login(&auth, PASSWORD).await,
        Err(AuthError::InvalidCredentials)
    ));
    login(&auth, NEW_PASSWORD).await.unwrap();
    assert!(matches!(
        auth.reset_password(&token, password("yet another passphrase"), &client("x"))
            .await,
        Err(AuthError::InvalidLink)
    ));
    let told = letters.take();
    assert!(
        told.iter()
            .any(|letter| matches!(letter.notice, Notice::PasswordReset { .. }))
    );
    let events: Vec<ActivityEvent> = auth
        .activity(&session)
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.event)
        .collect();
    assert!(events.contains(&ActivityEvent::PasswordReset));
    assert_eq!(count_rows(&directory, "mail_links"), 0);
}

/// On grace's two-step account, `right` passes the password step and `wrong` does not.
async fn assert_password_is(auth: &AuthService, right: &str, wrong: &str) {
    let grace = || Username::parse("grace").unwrap();
    assert!(matches!(
        auth.login(grace(), password(right), &client("curl")).await,
        Ok(LoginOutcome::TwoStepRequired(_))
    ));
    assert!(matches!(
        auth.login(grace(), password(wrong), &client("curl")).await,
        Err(AuthError::InvalidCredentials)
    ));
}

/// Someone with the mailbox alone: on a two-step account the reset changes nothing
/// (the owner stays signed in, the old password works, the link stays usable) until
/// the second step is passed; only then is the new password stored, every session
/// ended and the owner told.
#[tokio::test]
async fn a_reset_of_a_two_step_account_changes_nothing_before_the_code() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let laptop = verified(&auth, &letters).await;
    let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
    letters.take();
    let token = reset_link(&auth, &letters, "grace").await;
    let LoginOutcome::TwoStepRequired(challenge) = auth
        .reset_password(&token, password(NEW_PASSWORD), &client("x"))
        .await
        .unwrap()
    else {
        panic!("a reset of a two-step account signed in without the code");
    };
    session_of(&auth, &laptop).await;
    assert_password_is(&auth, PASSWORD, NEW_PASSWORD).await;
    assert!(
        !letters_soon(&letters)
            .await
            .iter()
            .any(|letter| matches!(letter.notice, Notice::PasswordReset { .. }))
    );
    auth.check_reset_link(&token, &client("x")).await.unwrap();

    let fresh = auth
        .complete_two_step(
            &challenge.token,
            SecondFactor::Code(two_step.code(1)),
            &client("x"),
        )
        .await
        .unwrap();
    assert_signed_out(&auth, &laptop).await;
    session_of(&auth, &fresh).await;
    assert_password_is(&auth, NEW_PASSWORD, PASSWORD).await;
    assert!(matches!(
        auth.check_reset_link(&token, &client("x")).await,
        Err(AuthError::InvalidLink)
    ));
    assert!(
        letters
            .take()
            .iter()
            .any(|letter| matches!(letter.notice, Notice::PasswordReset { .. }))
    );
}

/// The server's secret changed since two-step was turned on, so no code can ever be
/// right: a reset by mail still lets the owner in, turning two-step off and saying so.
#[tokio::test]
async fn after_the_signing_secret_changed_a_reset_still_lets_the_owner_in() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let laptop = verified(&auth, &letters).await;
    turned_on(&auth, &session_of(&auth, &laptop).await).await;
    let (rekeyed, letters) = service_signing(
        &directory,
        &keycard_core::auth::JwtSecret::new(vec![7; 32]).unwrap(),
        SessionPolicy::default(),
        LinkLifetimes::default(),
    );
    let token = reset_link(&rekeyed, &letters, "grace").await;
    let fresh = rekeyed
        .reset_password(&token, password(NEW_PASSWORD), &client("x"))
        .await
        .unwrap()
        .expect_signed_in();
    let session = session_of(&rekeyed, &fresh).await;
    assert_eq!(
        rekeyed.two_factor_status(&session).await.unwrap(),
        keycard_core::auth::TwoFactorStatus::Off
    );
    assert!(
        events(&rekeyed, &session)
            .await
            .contains(&ActivityEvent::TwoFactorDisabled)
    );
    assert!(
        letters
            .take()
            .iter()
            .any(|letter| letter.notice == Notice::TwoFactorDisabled)
    );
}

#[tokio::test]
async fn a_reset_link_expires_and_dies_with_any_later_password_change() {
    let directory = tempfile::tempdir().unwrap();
    let second = Duration::from_secs(1);
    let (auth, letters) = mailing(
        &directory,
        LinkLifetimes {
            verify_email: Duration::from_secs(60),
            reset_password: second,
        },
    );
    let laptop = verified(&auth, &letters).await;
    let token = reset_link(&auth, &letters, "grace").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(
        auth.check_reset_link(&token, &client("x")).await,
        Err(AuthError::InvalidLink)
    ));
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let token = reset_link(&auth, &letters, "grace").await;
    let session = session_of(&auth, &laptop).await;
    auth.change_password(
        &session,
        password(PASSWORD),
        password(NEW_PASSWORD),
        &client("curl"),
    )
    .await
    .unwrap();
    assert!(matches!(
        auth.reset_password(&token, password("yet another passphrase"), &client("x"))
            .await,
        Err(AuthError::InvalidLink)
    ));
    login(&auth, NEW_PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_link_works_only_for_its_purpose() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    signed_up_with_email(&auth).await;
    let token = link_in(&letters.take(), ADDRESS, LinkPurpose::VerifyEmail);
    assert!(matches!(
        auth.reset_password(&token, password(NEW_PASSWORD), &client("x"))
            .await,
        Err(AuthError::InvalidLink)
    ));
    let forged = LinkToken::parse(&format!("{}{}", token.selector(), "0".repeat(32))).unwrap();
    assert!(matches!(
        auth.verify_email(&forged, &client("x")).await,
        Err(AuthError::InvalidLink)
    ));
    auth.verify_email(&token, &client("x")).await.unwrap();
}

#[tokio::test]
async fn reset_mails_are_limited_per_name_whatever_the_address_asking() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    verified(&auth, &letters).await;
    for _ in 0..3 {
        auth.request_password_reset(&grace(), &client("curl"))
            .await
            .unwrap();
    }
    assert!(matches!(
        auth.request_password_reset(&grace(), &client("curl")).await,
        Err(AuthError::Throttled(_))
    ));
    assert!(matches!(
        auth.request_password_reset(&Login::parse("nobody").unwrap(), &client("curl"))
            .await,
        Ok(())
    ));
    assert_eq!(letters_soon(&letters).await.len(), 3);
}

#[tokio::test]
async fn a_new_address_starts_unverified_and_the_old_one_is_told() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let laptop = verified(&auth, &letters).await;
    let session = session_of(&auth, &laptop).await;
    assert!(matches!(
        auth.change_email(
            &session,
            password("not the password"),
            Some(Email::parse("new@example.com").unwrap()),
            &client("curl")
        )
        .await,
        Err(AuthError::InvalidCredentials)
    ));
    auth.change_email(
        &session,
        password(PASSWORD),
        Some(Email::parse("new@example.com").unwrap()),
        &client("curl"),
    )
    .await
    .unwrap();
    let posted = letters.take();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(posted[0].to, ADDRESS);
    assert_eq!(
        posted[0].notice,
        Notice::EmailChanged {
            new_address: Some("new@example.com".to_owned())
        }
    );
    let token = link_in(&posted[1..], "new@example.com", LinkPurpose::VerifyEmail);
    let session = session_of(&auth, &laptop).await;
    assert_eq!(session.user.email.as_deref(), Some("new@example.com"));
    assert!(!session.user.email_verified);
    auth.request_password_reset(&grace(), &client("curl"))
        .await
        .unwrap();
    assert_eq!(
        letters_soon(&letters).await,
        [],
        "an unverified address gets no reset"
    );
    auth.verify_email(&token, &client("curl")).await.unwrap();
    assert!(matches!(
        auth.change_email(
            &session_of(&auth, &laptop).await,
            password(PASSWORD),
            Some(Email::parse("new@example.com").unwrap()),
            &client("curl")
        )
        .await,
        Err(AuthError::InvalidInput(CredentialError::EmailUnchanged))
    ));
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_told_once_and_other_changes_are_told() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let laptop = verified(&auth, &letters).await;
    login(&auth, PASSWORD).await.unwrap();
    assert_eq!(letters.take(), [], "curl signed up, so it is known");
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    logged_in(&auth, firefox).await;
    let posted = letters.take();
    assert!(
        matches!(&posted[..], [Letter { notice: Notice::NewDevice { device, .. }, .. }] if device == "Firefox on Linux"),
        "{posted:?}"
    );
    logged_in(&auth, firefox).await;
    assert_eq!(letters.take(), []);
    let session = session_of(&auth, &laptop).await;
    auth.change_password(
        &session,
        password(PASSWORD),
        password(NEW_PASSWORD),
        &client("curl"),
    )
    .await
    .unwrap();
    auth.delete_account(&session, password(NEW_PASSWORD), &client("curl"))
        .await
        .unwrap();
    let told: Vec<Notice> = letters
        .take()
        .into_iter()
        .map(|letter| letter.notice)
        .collect();
    assert_eq!(told, [Notice::PasswordChanged, Notice::AccountDeleted]);
    assert!(matches!(
        auth.current_user(Some(&laptop.access.token)).await,
        Err(AuthError::Unauthenticated(
            Rejection::AccountGone | Rejection::SessionEnded
        ))
    ));
}

/// Throwaway accounts all naming one stranger's address: it gets five verification
/// mails in the hour, then no more, while every sign-up is answered the same.
#[tokio::test]
async fn one_address_gets_at_most_five_verification_mails_an_hour_from_many_accounts() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    for number in 0..8 {
        auth.register(
            Username::parse(&format!("throwaway{number}")).unwrap(),
            Some(
                Email::parse(if number % 2 == 0 {
                    "victim@example.com"
                } else {
                    "Victim@Example.com"
                })
                .unwrap(),
            ),
            password(PASSWORD),
            &client("curl/8.5.0"),
        )
        .await
        .unwrap();
    }
    let verifications = letters
        .take()
        .into_iter()
        .filter(|letter| matches!(letter.notice, Notice::VerifyEmail { .. }))
        .count();
    assert_eq!(verifications, 5);
}

/// An attacker with the password and many addresses: the account's twentieth wrong
/// code, whatever the addresses, locks the second step for everyone (the right code
/// too), and the owner is told in the activity record and by mail.
#[tokio::test]
async fn twenty_wrong_codes_from_many_addresses_lock_the_second_step_and_tell_the_owner() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let session = session_of(&auth, &verified(&auth, &letters).await).await;
    let two_step = turned_on(&auth, &session).await;
    letters.take();
    let from = |host: u8| ClientInfo {
        address: std::net::Ipv4Addr::new(198, 51, 100, host).into(),
        user_agent: keycard_core::auth::UserAgent::from_header(Some("curl/8.5.0")),
    };
    let LoginOutcome::TwoStepRequired(challenge) = auth
        .login(
            Username::parse("grace").unwrap(),
            password(PASSWORD),
            &from(1),
        )
        .await
        .unwrap()
    else {
        panic!("signed in without the second step");
    };
    let wrong = two_step.code(40);
    for host in 1..=5 {
        for _ in 0..4 {
            let answer = auth
                .complete_two_step(
                    &challenge.token,
                    SecondFactor::Code(wrong.clone()),
                    &from(host),
                )
                .await;
            assert!(matches!(answer, Err(AuthError::WrongCode)), "{answer:?}");
        }
    }
    let right = two_step.code(1);
    let answer = auth
        .complete_two_step(&challenge.token, SecondFactor::Code(right), &from(99))
        .await;
    assert!(matches!(answer, Err(AuthError::Throttled(_))), "{answer:?}");
    let events = events(&auth, &session).await;
    assert!(events.contains(&ActivityEvent::TwoStepLocked), "{events:?}");
    let told: Vec<Notice> = letters
        .take()
        .into_iter()
        .map(|letter| letter.notice)
        .collect();
    assert_eq!(
        told.iter()
            .filter(|notice| **notice == Notice::TwoStepLocked)
            .count(),
        1,
        "{told:?}"
    );
}

#[tokio::test]
async fn turning_two_step_on_and_off_and_removing_a_passkey_are_told() {
    let directory = tempfile::tempdir().unwrap();
    let (auth, letters) = mailing(&directory, LinkLifetimes::default());
    let session = session_of(&auth, &verified(&auth, &letters).await).await;
    let two_step = turned_on(&auth, &session).await;
    auth.disable_two_factor(
        &session,
        password(PASSWORD),
        two_step.code(1),
        &client("curl"),
    )
    .await
    .unwrap();
    let passkey = NewPasskey {
        id: "key-1".to_owned(),
        user: session.user.id,
        credential_id: "c0ffee".to_owned(),
        name: "Laptop".to_owned(),
        credential: "{}".to_owned(),
    };
    let now = time::OffsetDateTime::now_utc();
    auth.store()
        .insert_passkey(&passkey, &client("curl"), now)
        .await
        .unwrap();
    auth.remove_passkey(&session, "key-1", &client("curl"))
        .await
        .unwrap();
    let told: Vec<Notice> = letters
        .take()
        .into_iter()
        .map(|letter| letter.notice)
        .collect();
    assert_eq!(
        told,
        [
            Notice::TwoFactorEnabled,
            Notice::TwoFactorDisabled,
            Notice::PasskeyRemoved
        ]
    );
}
