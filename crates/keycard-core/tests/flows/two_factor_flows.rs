use std::time::Duration;

use keycard_core::auth::*;
use keycard_core::domain::*;
use keycard_testing::{
    PASSWORD, assert_signed_out, client, events, logged_in, password_version, service,
    service_signing, session_of, signed_up, turned_on,
};
use time::OffsetDateTime;

fn password(text: &str) -> Password {
    Password::parse(text).unwrap()
}

fn curl() -> ClientInfo {
    client("curl/8.5.0")
}

fn now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

async fn login(auth: &AuthService) -> LoginOutcome {
    auth.login(
        Username::parse("grace").unwrap(),
        password(PASSWORD),
        &client("curl/8.5.0"),
    )
    .await
    .unwrap()
}

/// Logs in and returns the challenge the password step gives.
async fn challenge(auth: &AuthService) -> String {
    match login(auth).await {
        LoginOutcome::TwoStepRequired(challenge) => challenge.token,
        LoginOutcome::SignedIn(_) => panic!("signed in without a second step"),
    }
}

#[tokio::test]
async fn turning_on_takes_the_password_and_a_code_and_ends_other_sessions() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let phone = logged_in(&auth, "phone").await;
    let session = session_of(&auth, &laptop).await;
    assert!(matches!(
        auth.begin_two_factor(&session, password("not the password"), &client("curl"))
            .await,
        Err(AuthError::InvalidCredentials)
    ));
    let setup = auth
        .begin_two_factor(&session, password(PASSWORD), &client("curl"))
        .await
        .unwrap();
    assert!(
        setup
            .otpauth_url
            .starts_with("otpauth://totp/Keycard:grace?")
    );
    assert_eq!(
        auth.two_factor_status(&session).await.unwrap(),
        TwoFactorStatus::SettingUp(setup.clone())
    );
    // Until it is confirmed, the password alone still signs in.
    assert!(matches!(login(&auth).await, LoginOutcome::SignedIn(_)));
    // The secret waiting for its first code is this session's alone: another
    // session of the account neither sees it nor confirms it, even with the password.
    let other = session_of(&auth, &phone).await;
    assert_eq!(
        auth.two_factor_status(&other).await.unwrap(),
        TwoFactorStatus::Off
    );
    assert!(matches!(
        auth.confirm_two_factor(
            &other,
            password(PASSWORD),
            code_for(&setup.secret, now()).unwrap(),
            &client("curl")
        )
        .await,
        Err(AuthError::TwoFactorNotStarted)
    ));
    // The confirmation asks for the password again.
    assert!(matches!(
        auth.confirm_two_factor(
            &session,
            password("not the password"),
            code_for(&setup.secret, now()).unwrap(),
            &client("curl")
        )
        .await,
        Err(AuthError::InvalidCredentials)
    ));
    let wrong = code_for(&setup.secret, now() + 300).unwrap();
    assert!(matches!(
        auth.confirm_two_factor(&session, password(PASSWORD), wrong, &client("curl"))
            .await,
        Err(AuthError::WrongCode)
    ));
    let codes = auth
        .confirm_two_factor(
            &session,
            password(PASSWORD),
            code_for(&setup.secret, now()).unwrap(),
            &client("curl"),
        )
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        auth.two_factor_status(&session).await.unwrap(),
        TwoFactorStatus::On {
            recovery_codes_left: 10
        }
    );
    assert_signed_out(&auth, &phone).await;
    session_of(&auth, &laptop).await;
    assert!(
        events(&auth, &session)
            .await
            .contains(&ActivityEvent::TwoFactorEnabled)
    );
    assert!(matches!(
        auth.begin_two_factor(&session, password(PASSWORD), &client("curl"))
            .await,
        Err(AuthError::TwoFactorAlreadyOn)
    ));
}

#[tokio::test]
async fn a_login_then_needs_a_code_that_works_once_for_one_challenge() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
    let first = challenge(&auth).await;
    // The code that confirmed the setup was spent with its step (RFC 6238 §5.2).
    assert!(matches!(
        auth.complete_two_step(&first, SecondFactor::Code(two_step.code(0)), &curl())
            .await,
        Err(AuthError::WrongCode)
    ));
    // One step of clock skew is allowed: the app's next code is taken early.
    let signed_in = auth
        .complete_two_step(&first, SecondFactor::Code(two_step.code(1)), &curl())
        .await
        .unwrap();
    session_of(&auth, &signed_in).await;
    let second = challenge(&auth).await;
    assert!(matches!(
        auth.complete_two_step(&second, SecondFactor::Code(two_step.code(1)), &curl())
            .await,
        Err(AuthError::WrongCode)
    ));
    let recovery = RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
    assert!(
        matches!(
            auth.complete_two_step(&first, SecondFactor::RecoveryCode(recovery), &curl())
                .await,
            Err(AuthError::TwoStepExpired)
        ),
        "a challenge is spent once it succeeded"
    );
    assert!(matches!(
        auth.complete_two_step(
            "not a challenge",
            SecondFactor::Code(two_step.code(1)),
            &curl()
        )
        .await,
        Err(AuthError::TwoStepExpired)
    ));
}

#[tokio::test]
async fn each_recovery_code_signs_in_once_and_is_recorded() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
    let code = RecoveryCode::parse(&two_step.recovery_codes[3].to_uppercase()).unwrap();
    let recovery = SecondFactor::RecoveryCode(code);
    let signed_in = auth
        .complete_two_step(&challenge(&auth).await, recovery.clone(), &curl())
        .await
        .unwrap();
    let session = session_of(&auth, &signed_in).await;
    assert!(matches!(
        auth.complete_two_step(&challenge(&auth).await, recovery, &curl())
            .await,
        Err(AuthError::WrongCode)
    ));
    let unknown = SecondFactor::RecoveryCode(RecoveryCode::parse("abcde-23456").unwrap());
    assert!(matches!(
        auth.complete_two_step(&challenge(&auth).await, unknown, &curl())
            .await,
        Err(AuthError::WrongCode)
    ));
    assert_eq!(
        auth.two_factor_status(&session).await.unwrap(),
        TwoFactorStatus::On {
            recovery_codes_left: 9
        }
    );
    assert!(
        events(&auth, &session)
            .await
            .contains(&ActivityEvent::RecoveryCodeUsed)
    );
}

#[tokio::test]
async fn wrong_codes_run_into_the_login_limit() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
    let challenge = challenge(&auth).await;
    for _ in 0..5 {
        assert!(matches!(
            auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(20)), &curl())
                .await,
            Err(AuthError::WrongCode)
        ));
    }
    assert!(matches!(
        auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
            .await,
        Err(AuthError::Throttled(_))
    ));
}

/// The server's secret changed since two-step was turned on: the sealed app secret
/// and the recovery codes' hashes no longer match anything, which must read as wrong
/// codes, never as a server error.
#[tokio::test]
async fn after_the_signing_secret_changed_codes_are_wrong_not_server_errors() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
    let (rekeyed, _) = service_signing(
        &directory,
        &keycard_core::auth::JwtSecret::new(vec![7; 32]).unwrap(),
        keycard_core::auth::SessionPolicy::default(),
        keycard_core::auth::LinkLifetimes::default(),
    );
    let challenge = challenge(&rekeyed).await;
    let answer = rekeyed
        .complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
        .await;
    assert!(matches!(answer, Err(AuthError::WrongCode)), "{answer:?}");
    let recovery = RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
    let answer = rekeyed
        .complete_two_step(&challenge, SecondFactor::RecoveryCode(recovery), &curl())
        .await;
    assert!(matches!(answer, Err(AuthError::WrongCode)), "{answer:?}");
}

/// A sign-in whose password was checked before two-step was turned on, and whose
/// session is recorded after: the insert sees two-step on and refuses it.
#[tokio::test]
async fn a_password_only_session_is_refused_once_two_step_is_on() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let session = session_of(&auth, &laptop).await;
    let checked = password_version(&auth, session.user.id).await;
    turned_on(&auth, &session).await;
    let started = auth
        .start_session(session.user.id, checked, SecondStep::NotTaken, &curl())
        .await;
    assert!(
        matches!(started, Err(AuthError::InvalidCredentials)),
        "{started:?}"
    );
    auth.start_session(session.user.id, checked, SecondStep::Passed, &curl())
        .await
        .unwrap();
}

/// The password changed between a login's two steps, so its second step may start
/// no session: the recovery code it was answered with stays unused.
#[tokio::test]
async fn a_recovery_code_is_not_used_up_by_a_sign_in_that_starts_no_session() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let session = session_of(&auth, &laptop).await;
    let two_step = turned_on(&auth, &session).await;
    let stale = challenge(&auth).await;
    let new_password = "a brand new passphrase";
    auth.change_password(
        &session,
        password(PASSWORD),
        password(new_password),
        &curl(),
    )
    .await
    .unwrap();
    let recovery = || RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
    let refused = auth
        .complete_two_step(&stale, SecondFactor::RecoveryCode(recovery()), &curl())
        .await;
    assert!(
        matches!(refused, Err(AuthError::InvalidCredentials)),
        "{refused:?}"
    );
    let LoginOutcome::TwoStepRequired(fresh) = auth
        .login(
            Username::parse("grace").unwrap(),
            password(new_password),
            &curl(),
        )
        .await
        .unwrap()
    else {
        panic!("signed in without the second step");
    };
    auth.complete_two_step(
        &fresh.token,
        SecondFactor::RecoveryCode(recovery()),
        &curl(),
    )
    .await
    .expect("the recovery code was not used up");
}

#[tokio::test]
async fn the_second_step_expires() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory)
        .await
        .with_two_step_lifetime(Duration::from_secs(1));
    let laptop = signed_up(&auth).await;
    let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
    let challenge = challenge(&auth).await;
    assert!(auth.two_step_is_pending(&challenge));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(!auth.two_step_is_pending(&challenge));
    assert!(matches!(
        auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
            .await,
        Err(AuthError::TwoStepExpired)
    ));
}

#[tokio::test]
async fn turning_off_takes_the_password_and_an_unused_code_and_ends_other_sessions() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let session = session_of(&auth, &laptop).await;
    let two_step = turned_on(&auth, &session).await;
    let recovery = RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
    let phone = auth
        .complete_two_step(
            &challenge(&auth).await,
            SecondFactor::RecoveryCode(recovery),
            &client("phone"),
        )
        .await
        .unwrap();
    let wrong_password = password("not the password");
    assert!(matches!(
        auth.disable_two_factor(&session, wrong_password, two_step.code(1), &curl())
            .await,
        Err(AuthError::InvalidCredentials)
    ));
    assert!(
        matches!(
            auth.disable_two_factor(&session, password(PASSWORD), two_step.code(0), &curl())
                .await,
            Err(AuthError::WrongCode)
        ),
        "the code that turned it on cannot turn it off"
    );
    auth.disable_two_factor(&session, password(PASSWORD), two_step.code(1), &curl())
        .await
        .unwrap();
    assert_signed_out(&auth, &phone).await;
    session_of(&auth, &laptop).await;
    assert_eq!(
        auth.two_factor_status(&session).await.unwrap(),
        TwoFactorStatus::Off
    );
    assert!(matches!(login(&auth).await, LoginOutcome::SignedIn(_)));
    assert!(
        events(&auth, &session)
            .await
            .contains(&ActivityEvent::TwoFactorDisabled)
    );
    assert!(matches!(
        auth.disable_two_factor(&session, password(PASSWORD), two_step.code(1), &curl())
            .await,
        Err(AuthError::TwoFactorNotOn)
    ));
}

#[tokio::test]
async fn a_password_changed_between_the_steps_ends_the_sign_in() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let session = session_of(&auth, &laptop).await;
    let two_step = turned_on(&auth, &session).await;
    let challenge = challenge(&auth).await;
    let changed = password("a different passphrase");
    auth.change_password(&session, password(PASSWORD), changed, &curl())
        .await
        .unwrap();
    assert!(matches!(
        auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
            .await,
        Err(AuthError::InvalidCredentials)
    ));
}
