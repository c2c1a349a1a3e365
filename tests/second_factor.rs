//! A second factor for password sign-in, from outside: setting up an authenticator app (the
//! secret and its QR code, a first code, recovery codes shown once), the code asked for after
//! the password (each code once, each recovery code once, wrong codes throttled like
//! passwords), turning it off (the password again; every other session ends), and
//! `--require-2fa` (no session until a factor is set up). Codes are computed as an
//! authenticator app computes them, from the secret the page shows.

use banter::server::accounts::second_factor::totp::code_at;

use crate::support::{TestServer, header, set_cookie};

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The secret the security page shows while setting up.
fn shown_secret(page: &str) -> String {
    let start = page.find(r#"<code id="totp-secret">"#).unwrap_or_else(|| panic!("a secret: {page}"));
    let rest = &page[start + r#"<code id="totp-secret">"#.len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

/// The recovery codes the security page shows (only right after turning the factor on).
fn shown_codes(page: &str) -> Vec<String> {
    let Some(list) = page.split(r#"<ul id="recovery-codes">"#).nth(1) else { return Vec::new() };
    let list = list.split("</ul>").next().unwrap();
    list.split("<code>").skip(1).map(|item| item.split('<').next().unwrap().to_owned()).collect()
}

/// Turn a second factor on for the account behind `cookie`: its secret and recovery codes.
async fn turn_on(server: &TestServer, cookie: &str) -> (String, Vec<String>) {
    let begun = server.post_form("/api/begin_totp", Some(cookie), "").await;
    assert_eq!(header(&begun, "location"), Some("/profile/security"), "{begun}");
    let page = server.get_as(cookie, "/profile/security").await;
    assert!(page.contains("<svg") && page.contains("QR code for your authenticator app"), "{page}");
    let secret = shown_secret(&page);
    let wrong = server.post_form("/api/confirm_totp", Some(cookie), "code=000000").await;
    assert_eq!(header(&wrong, "location"), Some("/profile/security?error=wrong-code"), "{wrong}");
    let code = code_at(&secret, now_secs()).unwrap();
    let confirmed = server.post_form("/api/confirm_totp", Some(cookie), &format!("code={code}")).await;
    assert_eq!(header(&confirmed, "location"), Some("/profile/security"), "{confirmed}");
    let page = server.get_as(cookie, "/profile/security").await;
    let codes = shown_codes(&page);
    assert_eq!(codes.len(), 10, "{page}");
    assert!(page.contains("Recovery codes left: 10."), "{page}");
    // Shown once.
    assert_eq!(shown_codes(&server.get_as(cookie, "/profile/security").await), Vec::<String>::new());
    (secret, codes)
}

/// A password sign-in: the response.
async fn password(server: &TestServer, username: &str) -> String {
    server
        .post_form("/api/sign_in", None, &format!("username={username}&password=correct+horse+battery"))
        .await
}

/// Give the code `code` to the pending sign-in `pending`: the response.
async fn give_code(server: &TestServer, pending: &str, code: &str) -> String {
    server
        .post_form("/api/sign_in_code", Some(&format!("banter_2fa={pending}")), &format!("code={code}"))
        .await
}

#[tokio::test]
async fn a_password_then_a_code_each_code_and_recovery_code_once() {
    let server = TestServer::start().await;
    let ann = server.sign_up_known("ann").await;
    let (secret, recovery) = turn_on(&server, &ann).await;

    // The password alone starts no session: it asks for the code.
    let asked = password(&server, "ann").await;
    assert_eq!(header(&asked, "location"), Some("/signin/code"), "{asked}");
    assert_eq!(set_cookie(&asked, "banter_session"), None, "{asked}");
    let pending = set_cookie(&asked, "banter_2fa").expect("a pending sign-in");
    let page = server.get_as(&format!("banter_2fa={pending}"), "/signin/code").await;
    assert!(
        page.contains("Code from your authenticator app") && !page.contains(r#"type="module""#),
        "{page}"
    );
    let wrong = give_code(&server, &pending, "123456").await;
    assert_eq!(header(&wrong, "location"), Some("/signin/code?error=wrong-code"), "{wrong}");
    assert_eq!(set_cookie(&wrong, "banter_session"), None);
    // Without the pending sign-in's cookie a code signs nobody in.
    let next = code_at(&secret, now_secs() + 30).unwrap();
    let stray = server.post_form("/api/sign_in_code", None, &format!("code={next}")).await;
    assert_eq!(header(&stray, "location"), Some("/signin?error=sign-in-expired"), "{stray}");
    // The app's next code (the one used to turn it on is spent).
    let right = give_code(&server, &pending, &next).await;
    assert_eq!(header(&right, "location"), Some("/"), "{right}");
    let session = set_cookie(&right, "banter_session").expect("signed in");
    assert!(server.get_as(&format!("banter_session={session}"), "/").await.contains("HTTP/1.1 200"));
    // The pending sign-in is over; the same code on a new one is refused: each code works once.
    assert_eq!(
        header(&give_code(&server, &pending, &next).await, "location"),
        Some("/signin?error=sign-in-expired")
    );
    let again = set_cookie(&password(&server, "ann").await, "banter_2fa").unwrap();
    let replayed = give_code(&server, &again, &next).await;
    assert_eq!(header(&replayed, "location"), Some("/signin/code?error=wrong-code"), "{replayed}");

    // A recovery code, typed loosely, once.
    let loose = recovery[0].to_uppercase().replace('-', " ");
    let recovered = give_code(&server, &again, &loose.replace(' ', "+")).await;
    assert_eq!(header(&recovered, "location"), Some("/"), "{recovered}");
    let third = set_cookie(&password(&server, "ann").await, "banter_2fa").unwrap();
    let spent = give_code(&server, &third, &recovery[0]).await;
    assert_eq!(header(&spent, "location"), Some("/signin/code?error=wrong-code"), "{spent}");
    let page = server.get_as(&ann, "/profile/security").await;
    assert!(page.contains("Recovery codes left: 9."), "{page}");
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_wrong_passwords() {
    let server = TestServer::start().await;
    let bob = server.sign_up_known("bob").await;
    let (secret, _) = turn_on(&server, &bob).await;
    let pending = set_cookie(&password(&server, "bob").await, "banter_2fa").unwrap();
    for _ in 0..5 {
        let wrong = give_code(&server, &pending, "999999").await;
        assert_eq!(header(&wrong, "location"), Some("/signin/code?error=wrong-code"), "{wrong}");
    }
    // Now even the right code waits out the lockout.
    let right = code_at(&secret, now_secs() + 30).unwrap();
    let refused = give_code(&server, &pending, &right).await;
    assert_eq!(header(&refused, "location"), Some("/signin/code?error=throttled"), "{refused}");
    assert_eq!(set_cookie(&refused, "banter_session"), None);
}

#[tokio::test]
async fn turning_it_off_takes_the_password_and_signs_out_everywhere_else() {
    let server = TestServer::start().await;
    let cat = server.sign_up_known("cat").await;
    let (secret, _) = turn_on(&server, &cat).await;
    // A second device, signed in with a code.
    let pending = set_cookie(&password(&server, "cat").await, "banter_2fa").unwrap();
    let answer = give_code(&server, &pending, &code_at(&secret, now_secs() + 30).unwrap()).await;
    let phone = format!("banter_session={}", set_cookie(&answer, "banter_session").unwrap());

    let wrong = server.post_form("/api/disable_totp", Some(&cat), "password=not+it").await;
    assert_eq!(header(&wrong, "location"), Some("/profile/security?error=wrong-password"), "{wrong}");
    let off = server.post_form("/api/disable_totp", Some(&cat), "password=correct+horse+battery").await;
    assert_eq!(header(&off, "location"), Some("/profile/security"), "{off}");
    assert!(server.get_as(&cat, "/profile/security").await.contains("Two-factor sign-in is off"));
    // This browser stays; the phone is signed out.
    assert!(server.get_as(&cat, "/").await.contains("HTTP/1.1 200"));
    let signed_out = server.get_as(&phone, "/").await;
    assert_eq!(header(&signed_out, "location"), Some("/signin"), "{signed_out}");
    // The password alone signs in again.
    let plain = password(&server, "cat").await;
    assert_eq!(header(&plain, "location"), Some("/"), "{plain}");
    assert!(set_cookie(&plain, "banter_session").is_some());
}

#[tokio::test]
async fn with_require_2fa_no_session_starts_before_a_factor_is_set_up() {
    let server = TestServer::start_with(|config| config.require_2fa = true).await;
    let signed_up =
        server.post_form("/api/sign_up", None, "username=dee&password=correct+horse+battery").await;
    assert_eq!(header(&signed_up, "location"), Some("/profile/security"), "{signed_up}");
    assert_eq!(set_cookie(&signed_up, "banter_session"), None, "{signed_up}");
    let pending = format!("banter_2fa={}", set_cookie(&signed_up, "banter_2fa").unwrap());
    // The chat is not open to a pending sign-in.
    assert_eq!(header(&server.get_as(&pending, "/").await, "location"), Some("/signin"));
    let page = server.get_as(&pending, "/profile/security").await;
    assert!(page.contains("set one up to finish signing in"), "{page}");
    server.post_form("/api/begin_totp", Some(&pending), "").await;
    let secret = shown_secret(&server.get_as(&pending, "/profile/security").await);
    let code = code_at(&secret, now_secs()).unwrap();
    let confirmed = server.post_form("/api/confirm_totp", Some(&pending), &format!("code={code}")).await;
    assert_eq!(header(&confirmed, "location"), Some("/profile/security"), "{confirmed}");
    let session = format!("banter_session={}", set_cookie(&confirmed, "banter_session").expect("signed in"));
    assert_eq!(shown_codes(&server.get_as(&session, "/profile/security").await).len(), 10);
    // From now on the password leads to the code.
    assert_eq!(header(&password(&server, "dee").await, "location"), Some("/signin/code"));
}
