//! Single sign-on against a real OpenID Connect provider of the test's own (`oidc-provider`
//! from npm, `end2end/oidc/provider.mjs`), walked as a browser walks it: Banter's button, the
//! provider's sign-in page, back to Banter. A first sign-in makes the account, later ones find
//! it by the provider's subject; every way a sign-in can be forged, replayed or spoiled is
//! refused with a sentence on the sign-in page and no session; a provider that is down costs
//! single sign-on only.

use banter::server::Config;

use crate::support::oidc_provider::{Landing, TestBrowser, TestProvider, TokenMode};
use crate::support::{TestServer, header};

/// Where `landing` was sent back to on the sign-in page: its `?error=` code.
fn refusal(landing: &Landing) -> Option<&str> {
    let url = landing.visited.iter().rev().find(|url| url.contains("/signin"))?;
    url.split("error=").nth(1)
}

/// The browser's Banter session on `server`, as a `Cookie` header's value.
fn session(browser: &TestBrowser, server: &TestServer) -> Option<String> {
    let token = browser.cookie(&format!("http://{}/", server.addr), "banter_session")?;
    Some(format!("banter_session={token}"))
}

/// Whether the browser holds a Banter session on `server`.
fn signed_in(browser: &TestBrowser, server: &TestServer) -> bool {
    session(browser, server).is_some()
}

fn start_url(server: &TestServer) -> String {
    format!("http://{}/auth/oidc/start", server.addr)
}

/// Sign in through `provider` as `login` in a fresh browser: where it ended, and the browser.
async fn sign_in_as(server: &TestServer, login: &str) -> (Landing, TestBrowser) {
    let browser = TestBrowser::new();
    let callback = browser.to_callback(&start_url(server), login).await;
    let landing = browser.follow(&callback, None).await;
    (landing, browser)
}

#[tokio::test]
async fn a_first_sign_in_makes_the_account_and_later_ones_find_it_by_the_subject() {
    let provider = TestProvider::start(TokenMode::AsIssued).await;
    let server = TestServer::start_with(|config| provider.configure(config)).await;
    // The sign-in page offers the provider, beside the password form.
    let page = server.get("/signin").await;
    assert!(page.contains(r#"href="/auth/oidc/start""#) && page.contains("Sign in with Test ID"), "{page}");
    assert!(page.contains(r#"id="signin-form""#), "{page}");

    let (landing, browser) = sign_in_as(&server, "Jane.Doe").await;
    assert_eq!((landing.status, landing.url.ends_with('/')), (200, true), "{landing:?}");
    assert!(signed_in(&browser, &server));
    // The flow's own cookie is gone with it.
    assert_eq!(browser.cookie(&start_url(&server), "banter_sso"), None);
    let store = server.store().await;
    let jane = store.user_by_username("jane.doe").await.unwrap().expect("the account made");
    assert_eq!(jane.display_name, "Jane.Doe Example");
    assert!(landing.body.contains("jane.doe"), "the chat page, as Jane");
    // She joined the default room, as everyone new does.
    let general = server.get_as(&session(&browser, &server).unwrap(), "/r/general").await;
    assert!(general.contains("HTTP/1.1 200"), "{general}");

    // The account has no password: no password signs in to it.
    let guessed = server.post_form("/api/sign_in", None, "username=jane.doe&password=%21").await;
    assert_eq!(
        header(&guessed, "location"),
        Some("/signin?error=wrong-password&username=jane%2Edoe"),
        "{guessed}"
    );

    // Later, from another browser: the same account, found again.
    let (again, other) = sign_in_as(&server, "Jane.Doe").await;
    assert_eq!(again.status, 200, "{again:?}");
    assert!(signed_in(&other, &server) && again.body.contains("jane.doe"));
    assert_eq!(store.user_by_username("jane.doe-2").await.unwrap(), None, "no second account");

    // A provider's person named like an existing account gets a name of their own, never it.
    let max = server.cookie("max").await;
    let (theirs, _) = sign_in_as(&server, "max").await;
    assert_eq!(theirs.status, 200, "{theirs:?}");
    assert!(store.user_by_username("max-2").await.unwrap().is_some(), "a free username derived");
    assert!(server.get_as(&max, "/profile").await.contains("HTTP/1.1 200"), "the first max is untouched");

    // Deactivated by an administrator: the provider's word no longer lets them in.
    assert!(store.set_deactivated("jane.doe", true).await.unwrap());
    let (refused, browser) = sign_in_as(&server, "Jane.Doe").await;
    assert_eq!(refusal(&refused), Some("deactivated"), "{refused:?}");
    assert!(!signed_in(&browser, &server));
    assert!(refused.body.contains("This account has been deactivated"), "the sign-in page says why");
}

#[tokio::test]
async fn a_callback_from_another_browser_a_wrong_state_or_a_replayed_code_is_refused() {
    let provider = TestProvider::start(TokenMode::AsIssued).await;
    let server = TestServer::start_with(|config| provider.configure(config)).await;
    let browser = TestBrowser::new();
    let callback = browser.to_callback(&start_url(&server), "ann").await;

    // Carried to a browser that did not start it (login CSRF): refused.
    let elsewhere = TestBrowser::new();
    let landing = elsewhere.follow(&callback, None).await;
    assert_eq!(refusal(&landing), Some("sso-expired"), "{landing:?}");
    assert!(!signed_in(&elsewhere, &server));
    // Even with the first browser's cookie copied: a wrong state is refused.
    let state = browser.cookie(&start_url(&server), "banter_sso").expect("the flow's cookie");
    let thief = TestBrowser::new();
    thief.set_cookie(&callback, "banter_sso", &state);
    let forged = callback.replace(&format!("state={state}"), "state=forged");
    assert_ne!(forged, callback);
    let landing = thief.follow(&forged, None).await;
    assert_eq!(refusal(&landing), Some("sso-expired"), "{landing:?}");
    assert!(!signed_in(&thief, &server));

    // The browser that started it is let in, once.
    let landing = browser.follow(&callback, None).await;
    assert_eq!(landing.status, 200, "{landing:?}");
    assert!(signed_in(&browser, &server));
    // The same callback again, even with the state's cookie put back: the sign-in is used up.
    let replay = TestBrowser::new();
    replay.set_cookie(&callback, "banter_sso", &state);
    let landing = replay.follow(&callback, None).await;
    assert_eq!(refusal(&landing), Some("sso-expired"), "{landing:?}");
    assert!(!signed_in(&replay, &server));

    // The used code under a fresh sign-in of the replayer's own: the provider refuses it.
    let fresh = TestBrowser::new();
    let fresh_callback = fresh.to_callback(&start_url(&server), "eve").await;
    let code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let fresh_code = fresh_callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let landing = fresh.follow(&fresh_callback.replace(fresh_code, code), None).await;
    assert_eq!(refusal(&landing), Some("sso-failed"), "{landing:?}");
    assert!(!signed_in(&fresh, &server));
    assert!(landing.body.contains("did not work"), "the sign-in page says so: {}", landing.body);
}

#[tokio::test]
async fn a_tampered_or_expired_id_token_signs_nobody_in() {
    for mode in [TokenMode::Tampered, TokenMode::Expired] {
        let provider = TestProvider::start(mode).await;
        let server = TestServer::start_with(|config| provider.configure(config)).await;
        let (landing, browser) = sign_in_as(&server, "mallory").await;
        assert_eq!(refusal(&landing), Some("sso-failed"), "{mode:?}: {landing:?}");
        assert!(!signed_in(&browser, &server), "{mode:?}");
        let store = server.store().await;
        assert_eq!(store.user_by_username("mallory").await.unwrap(), None, "{mode:?}: no account made");
    }
}

#[tokio::test]
async fn a_provider_that_is_down_is_a_clear_error_and_passwords_still_work() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let server = TestServer::start_with(|config| {
        config.oidc_issuer = Some(format!("http://{closed}"));
        config.oidc_client_id = Some("banter".into());
        config.oidc_name = "Test ID".into();
    })
    .await;
    let browser = TestBrowser::new();
    let landing = browser.follow(&start_url(&server), None).await;
    assert_eq!(refusal(&landing), Some("sso-unavailable"), "{landing:?}");
    assert!(landing.body.contains("cannot be reached"), "{}", landing.body);
    // Asked again at once, the answer is the same (without waiting on the provider again).
    let again = browser.follow(&start_url(&server), None).await;
    assert_eq!(refusal(&again), Some("sso-unavailable"), "{again:?}");
    // Password sign-up and sign-in are untouched.
    let ann = server.cookie("ann").await;
    assert!(server.get_as(&ann, "/").await.contains("HTTP/1.1 200"));
}

#[tokio::test]
async fn with_passwords_off_the_provider_is_the_only_way_in() {
    let provider = TestProvider::start(TokenMode::AsIssued).await;
    let server = TestServer::start_with(|config| {
        provider.configure(config);
        config.password_sign_in = false;
    })
    .await;
    let page = server.get("/signin").await;
    assert!(page.contains("Sign in with Test ID") && !page.contains(r#"id="signin-form""#), "{page}");
    let signup = server.post_form("/api/sign_up", None, "username=pat&password=correct+horse").await;
    assert_eq!(header(&signup, "location"), Some("/signup?error=password-sign-in-off"), "{signup}");
    let script = server.call("/api/sign_in", "", "username=pat&password=correct+horse").await;
    assert!(script.starts_with("HTTP/1.1 403") && script.contains("takes no passwords"), "{script}");
    let (landing, browser) = sign_in_as(&server, "pat").await;
    assert_eq!(landing.status, 200, "{landing:?}");
    assert!(signed_in(&browser, &server));

    // Without a provider, turning passwords off would lock everyone out: the server says so.
    let fresh = crate::support::FreshDatabase::new().await;
    let mut config = Config::with_database(fresh.database.clone());
    config.password_sign_in = false;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = banter::server::run(config, crate::support::leptos_options(), listener, async {}).await;
    let error = format!("{:#}", refused.expect_err("refuses to start"));
    assert!(error.contains("--password-sign-in off needs single sign-on"), "{error}");
}
