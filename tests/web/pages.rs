//! What the server-rendered pages contain, and what they must never contain.

use axum::http::{StatusCode, header};

use crate::helpers::{Client, PASSWORD, SignUp, spawn_app};

#[tokio::test]
async fn the_profile_shows_the_account_and_is_never_cached() {
    let app = spawn_app();
    let form = SignUp {
        username: "Ida",
        email: "ida@example.com",
        password: PASSWORD,
        confirmation: PASSWORD,
    };
    let response = app.submit_sign_up(&form, Client::Hydrated).await;
    let session = response.session().unwrap();
    let profile = app.get("/profile", Some(&session)).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.header(header::CACHE_CONTROL), Some("no-store"));
    for expected in [
        "<h1>Ida</h1>",
        "ida@example.com",
        "active",
        "Member since",
        "Signed in since",
        r#"href="/sessions""#,
        "Log out",
    ] {
        assert!(profile.body.contains(expected), "missing {expected:?}");
    }
}

#[tokio::test]
async fn a_profile_without_email_says_so() {
    let app = spawn_app();
    let session = app.signed_up("noemail").await;
    let profile = app.get("/profile", Some(&session)).await;
    assert!(profile.body.contains("No email set"));
}

#[tokio::test]
async fn no_page_a_signed_out_visitor_gets_carries_someone_elses_data() {
    let app = spawn_app();
    app.signed_up("secretive").await;
    for path in ["/", "/login", "/register", "/nope"] {
        let page = app.get(path, None).await;
        assert!(
            !page.body.contains("secretive"),
            "{path} leaked the username"
        );
    }
}

#[tokio::test]
async fn the_home_page_offers_sign_up_and_log_in_when_signed_out() {
    let app = spawn_app();
    let page = app.get("/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"href="/register""#));
    assert!(page.body.contains(r#"href="/login""#));
    assert!(!page.body.contains("Log out"));
}

#[tokio::test]
async fn the_home_page_offers_profile_and_log_out_when_signed_in() {
    let app = spawn_app();
    let session = app.signed_up("homebody").await;
    let page = app.get("/", Some(&session)).await;
    assert!(page.body.contains(r#"href="/profile""#));
    assert!(page.body.contains("Log out"));
    assert!(page.body.contains("homebody"));
}

/// A browser without JavaScript shows exactly the HTML it is sent: each page's content
/// must be in it, inside `<main>`, with no "loading" text only a script could replace.
#[tokio::test]
async fn every_page_is_sent_whole_signed_in_and_out() {
    let app = spawn_app();
    let session = app.signed_up("wholehearted").await;
    let pages: [(&str, Option<&str>, &[&str]); 7] = [
        ("/", None, &[r#"href="/register""#, r#"href="/login""#]),
        (
            "/",
            Some(&session),
            &["Signed in as", "wholehearted", "Log out"],
        ),
        ("/login", None, &[">Log in<"]),
        ("/register", None, &[">Create account<"]),
        (
            "/profile",
            Some(&session),
            &["<h1>wholehearted</h1>", "Member since"],
        ),
        ("/no-such-page", None, &["Page not found"]),
        ("/no-such-page", Some(&session), &["Page not found"]),
    ];
    for (path, cookie, content) in pages {
        let page = app.get(path, cookie).await;
        let main = page
            .body
            .split_once("<main")
            .and_then(|(_, rest)| rest.split_once("</main>"))
            .map(|(main, _)| main)
            .unwrap_or_else(|| panic!("{path} has no <main>"));
        for expected in content {
            assert!(
                main.contains(expected),
                "{path}: {expected:?} is not in <main>"
            );
        }
        for placeholder in ["Checking your session", "Loading"] {
            assert!(
                !page.body.contains(placeholder),
                "{path} sent {placeholder:?}"
            );
        }
    }
}

/// The header's account menu arrives whole in the HTML, on pages that stream and pages
/// that wait for their data alike: the name with Log out when signed in, the ways in
/// otherwise.
#[tokio::test]
async fn every_page_header_says_who_is_signed_in_without_javascript() {
    let app = spawn_app();
    let session = app.signed_up("headliner").await;
    let header = |body: &str| {
        // Content streamed out of order would come after the page, in a <template>
        // that only a script moves into place.
        assert!(
            !body.contains("<template"),
            "part of the page came streamed"
        );
        body.split_once("<header")
            .and_then(|(_, rest)| rest.split_once("</header>"))
            .map(|(header, _)| header.to_owned())
            .expect("every page has a header")
    };
    for path in [
        "/",
        "/login",
        "/register",
        "/forgot-password",
        "/no-such-page",
    ] {
        let header = header(&app.get(path, None).await.body);
        for expected in [r#"href="/login""#, r#"href="/register""#, ">Sign up<"] {
            assert!(header.contains(expected), "{path}: no {expected:?}");
        }
        assert!(!header.contains("Log out"), "{path} offers Log out");
    }
    for path in [
        "/",
        "/profile",
        "/password",
        "/delete-account",
        "/email",
        "/sessions",
    ] {
        let header = header(&app.get(path, Some(&session)).await.body);
        for expected in [
            "Signed in as",
            "<strong>headliner</strong>",
            r#"href="/profile""#,
            "Log out",
        ] {
            assert!(header.contains(expected), "{path}: no {expected:?}");
        }
        assert!(!header.contains(">Sign up<"), "{path} offers Sign up");
    }
}

#[tokio::test]
async fn the_forms_have_the_labels_people_look_for() {
    let app = spawn_app();
    let register = app.get("/register", None).await;
    for label in [
        ">Username<",
        ">Email (optional)<",
        ">Password<",
        ">Confirm password<",
        ">Create account<",
    ] {
        assert!(register.body.contains(label), "register lacks {label}");
    }
    let login = app.get("/login", None).await;
    for label in [">Username<", ">Password<", ">Log in<"] {
        assert!(login.body.contains(label), "login lacks {label}");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_404() {
    let app = spawn_app();
    let page = app.get("/no-such-page", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));
}

#[tokio::test]
async fn server_function_answers_are_never_cached() {
    let app = spawn_app();
    let response = app.login("anyone", PASSWORD, Client::Hydrated).await;
    assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
}
