//! Passkeys from outside, as a browser's script drives them: adding one on the security page,
//! signing in with it alone, using it as the second factor after the password, and removing
//! it (the password again; every other session ends). The authenticator is a software one
//! (`webauthn-authenticator-rs`), signing for the origin `http://localhost` the server is told
//! it is. It keeps no discoverable credentials, so where a phone would find its passkey and
//! name the account itself, the test hands it the credential id and puts the account's
//! handle into its answer (neither is signed; the signature over the challenge is its own).

use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse, Url};

use crate::support::{KNOWN_PASSWORD, TestServer, form_value, header, set_cookie};

const ORIGIN: &str = "http://localhost";

async fn start() -> TestServer {
    TestServer::start_with(|config| config.passkey_origin = Some(ORIGIN.to_owned())).await
}

fn origin() -> Url {
    Url::parse(ORIGIN).expect("a URL")
}

fn status(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("{answer}"))
}

fn body(answer: &str) -> Value {
    serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or_default())
        .unwrap_or_else(|error| panic!("{error}: {answer}"))
}

/// A ceremony's first step: the options the browser gets, and the ceremony's cookie.
async fn begin(server: &TestServer, path: &str, cookie: &str) -> (Value, String) {
    let answer = server.post_json(path, cookie, "{}").await;
    assert_eq!(status(&answer), 200, "{answer}");
    let ceremony = set_cookie(&answer, "banter_passkey").unwrap_or_else(|| panic!("a ceremony: {answer}"));
    (body(&answer)["options"].clone(), format!("banter_passkey={ceremony}"))
}

/// A person's passkey: the authenticator holding it, its credential id and the account's
/// handle (as the authenticator would keep them).
struct Passkey {
    authenticator: SoftPasskey,
    credential_id: Value,
    handle: Value,
}

/// Add a passkey named `name` for the account behind `cookie`: the finish's answer and the
/// passkey.
async fn add_passkey(server: &TestServer, cookie: &str, name: &str) -> (String, Passkey) {
    let (mut options, ceremony) = begin(server, "/auth/passkeys/register/start", cookie).await;
    // Browsers are asked for a discoverable passkey, which names its account at sign-in.
    let selection = &mut options["publicKey"]["authenticatorSelection"];
    assert_eq!(
        (selection["residentKey"].as_str(), selection["requireResidentKey"].as_bool()),
        (Some("required"), Some(true))
    );
    selection["requireResidentKey"] = json!(false);
    let handle = options["publicKey"]["user"]["id"].clone();
    let options: CreationChallengeResponse = serde_json::from_value(options).expect("creation options");
    let mut authenticator = SoftPasskey::new(true);
    let credential = authenticator.do_registration(origin(), options).expect("the authenticator registers");
    let credential = serde_json::to_value(credential).expect("JSON");
    let finish = json!({ "name": name, "credential": credential }).to_string();
    let answer =
        server.post_json("/auth/passkeys/register/finish", &format!("{cookie}; {ceremony}"), &finish).await;
    let credential_id = credential["rawId"].clone();
    (answer, Passkey { authenticator, credential_id, handle })
}

/// Answer a sign-in ceremony's `options` with `passkey`: the credential as the browser sends it.
fn answer_with(passkey: &mut Passkey, mut options: Value) -> Value {
    options["publicKey"]["allowCredentials"] = json!([{ "type": "public-key", "id": passkey.credential_id }]);
    let options: RequestChallengeResponse = serde_json::from_value(options).expect("request options");
    let credential: PublicKeyCredential =
        passkey.authenticator.do_authentication(origin(), options).expect("the authenticator signs");
    let mut credential = serde_json::to_value(credential).expect("JSON");
    credential["response"]["userHandle"] = passkey.handle.clone();
    credential
}

/// Finish a sign-in ceremony with `credential`, sending `cookies`: the answer.
async fn finish_sign_in(server: &TestServer, cookies: &str, credential: &Value) -> String {
    let finish = json!({ "credential": credential }).to_string();
    server.post_json("/auth/passkeys/sign-in/finish", cookies, &finish).await
}

/// A whole passkey sign-in (no username, no password): the finish's answer.
async fn sign_in_with(server: &TestServer, passkey: &mut Passkey) -> String {
    let (options, ceremony) = begin(server, "/auth/passkeys/sign-in/start", "").await;
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]), "any passkey may answer: {options}");
    let credential = answer_with(passkey, options);
    finish_sign_in(server, &ceremony, &credential).await
}

fn session(answer: &str) -> String {
    format!(
        "banter_session={}",
        set_cookie(answer, "banter_session").unwrap_or_else(|| panic!("signed in: {answer}"))
    )
}

async fn is_signed_in(server: &TestServer, cookie: &str) -> bool {
    let page = server.get_as(cookie, "/").await;
    page.starts_with("HTTP/1.1 200")
}

async fn password_sign_in(server: &TestServer, username: &str) -> String {
    let form = format!("username={username}&password={}", form_value(KNOWN_PASSWORD));
    server.post_form("/api/sign_in", None, &form).await
}

#[tokio::test]
async fn a_passkey_added_on_the_security_page_signs_in_alone() {
    let server = start().await;
    let ann = server.sign_up_known("ann").await;
    let page = server.get_as(&ann, "/profile/security").await;
    assert!(page.contains(r#"id="passkey-add""#) && page.contains("/passkeys.js"), "{page}");
    assert!(server.get("/signin").await.contains(r#"id="passkey-sign-in""#));

    let (added, mut passkey) = add_passkey(&server, &ann, " Work laptop ").await;
    assert_eq!(status(&added), 201, "{added}");
    assert_eq!(body(&added)["redirect"], "/profile/security");
    let page = server.get_as(&ann, "/profile/security").await;
    assert!(page.contains(r#"data-name="Work laptop""#) && page.contains("not used yet"), "{page}");

    // No username, no password: the passkey says whose it is.
    let signed_in = sign_in_with(&server, &mut passkey).await;
    assert_eq!(status(&signed_in), 200, "{signed_in}");
    assert_eq!(body(&signed_in)["redirect"], "/");
    let second = session(&signed_in);
    assert!(is_signed_in(&server, &second).await);
    assert!(server.get_as(&second, "/profile/security").await.contains("last used"));

    // A ceremony is finished once: the same answer again finds nothing to finish.
    let (options, ceremony) = begin(&server, "/auth/passkeys/sign-in/start", "").await;
    let credential = answer_with(&mut passkey, options);
    let first = finish_sign_in(&server, &ceremony, &credential).await;
    assert_eq!(status(&first), 200, "{first}");
    let replayed = finish_sign_in(&server, &ceremony, &credential).await;
    assert_eq!(status(&replayed), 401, "{replayed}");
    assert_eq!(set_cookie(&replayed, "banter_session"), None);
    // An answer signed for another ceremony's challenge is refused.
    let (_, other) = begin(&server, "/auth/passkeys/sign-in/start", "").await;
    let stale = finish_sign_in(&server, &other, &credential).await;
    assert_eq!((status(&stale), body(&stale)["code"].as_str()), (401, Some("wrong_password")), "{stale}");

    // A signature tampered with, or a handle that is not the passkey's account, signs nobody in.
    let (options, ceremony) = begin(&server, "/auth/passkeys/sign-in/start", "").await;
    let mut credential = answer_with(&mut passkey, options);
    credential["response"]["signature"] = json!("AAAA");
    let tampered = finish_sign_in(&server, &ceremony, &credential).await;
    assert_eq!(status(&tampered), 401, "{tampered}");
    assert!(body(&tampered)["message"].as_str().is_some_and(|m| m.contains("passkey was not accepted")));
    let (options, ceremony) = begin(&server, "/auth/passkeys/sign-in/start", "").await;
    let mut credential = answer_with(&mut passkey, options);
    credential["response"]["userHandle"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
    let elsewhere = finish_sign_in(&server, &ceremony, &credential).await;
    assert_eq!(status(&elsewhere), 401, "{elsewhere}");

    // Bad input is a 400 with a code, and loses the ceremony only.
    let (_, ceremony) = begin(&server, "/auth/passkeys/sign-in/start", "").await;
    let garbage = server.post_json("/auth/passkeys/sign-in/finish", &ceremony, "{\"credential\": 7}").await;
    assert_eq!(
        (status(&garbage), body(&garbage)["code"].as_str()),
        (400, Some("invalid_field")),
        "{garbage}"
    );
    // Adding one needs a session.
    let anonymous = server.post_json("/auth/passkeys/register/start", "", "{}").await;
    assert_eq!(status(&anonymous), 401, "{anonymous}");
}

#[tokio::test]
async fn after_the_password_a_passkey_is_the_second_factor_and_only_the_accounts_own() {
    let server = start().await;
    let ann = server.sign_up_known("ann").await;
    let bob = server.sign_up_known("bob").await;
    let (_, mut anns) = add_passkey(&server, &ann, "Phone").await;
    let (_, mut bobs) = add_passkey(&server, &bob, "Key").await;

    // The password alone starts no session: the code page offers the passkey (no app is set up).
    let asked = password_sign_in(&server, "ann").await;
    assert_eq!(header(&asked, "location"), Some("/signin/code"), "{asked}");
    assert_eq!(set_cookie(&asked, "banter_session"), None);
    let pending = format!("banter_2fa={}", set_cookie(&asked, "banter_2fa").expect("a pending sign-in"));
    let page = server.get_as(&pending, "/signin/code").await;
    assert!(page.contains(r#"id="passkey-second-factor""#) && !page.contains(r#"id="code-form""#), "{page}");

    // Without the pending sign-in there is no second factor to give.
    let stray = server.post_json("/auth/passkeys/sign-in/start?second_factor=true", "", "{}").await;
    assert_eq!(status(&stray), 401, "{stray}");

    // Only ann's passkeys may answer, and bob's is refused.
    let start = "/auth/passkeys/sign-in/start?second_factor=true";
    let (options, ceremony) = begin(&server, start, &pending).await;
    let allowed = options["publicKey"]["allowCredentials"].as_array().expect("a list").clone();
    assert_eq!(allowed.iter().map(|c| c["id"].clone()).collect::<Vec<_>>(), vec![anns.credential_id.clone()]);
    let credential = answer_with(&mut bobs, options);
    let cookies = format!("{pending}; {ceremony}");
    let refused = finish_sign_in(&server, &cookies, &credential).await;
    assert_eq!(status(&refused), 401, "{refused}");
    assert_eq!(set_cookie(&refused, "banter_session"), None);

    let (options, ceremony) = begin(&server, start, &pending).await;
    let credential = answer_with(&mut anns, options);
    let cookies = format!("{pending}; {ceremony}");
    let passed = finish_sign_in(&server, &cookies, &credential).await;
    assert_eq!(status(&passed), 200, "{passed}");
    assert!(is_signed_in(&server, &session(&passed)).await);
    // The pending sign-in is over.
    let again = server.post_json(start, &pending, "{}").await;
    assert_eq!(status(&again), 401, "{again}");
}

#[tokio::test]
async fn with_require_2fa_a_passkey_is_the_factor_set_up_and_then_the_one_asked_for() {
    let server = TestServer::start_with(|config| {
        config.passkey_origin = Some(ORIGIN.to_owned());
        config.require_2fa = true;
    })
    .await;
    let form = format!("username=dee&password={}", form_value(KNOWN_PASSWORD));
    let signed_up = server.post_form("/api/sign_up", None, &form).await;
    assert_eq!(header(&signed_up, "location"), Some("/profile/security"), "{signed_up}");
    let pending = format!("banter_2fa={}", set_cookie(&signed_up, "banter_2fa").expect("pending"));
    let page = server.get_as(&pending, "/profile/security").await;
    assert!(page.contains(r#"id="passkey-add""#), "{page}");

    // Adding the passkey finishes the sign-in.
    let (added, _) = add_passkey(&server, &pending, "Phone").await;
    assert_eq!(status(&added), 201, "{added}");
    assert_eq!(body(&added)["redirect"], "/");
    assert!(is_signed_in(&server, &session(&added)).await);

    // From now on the password leads to the passkey, and no other factor can be set up in its
    // place from a pending sign-in.
    let asked = password_sign_in(&server, "dee").await;
    assert_eq!(header(&asked, "location"), Some("/signin/code"), "{asked}");
    let pending = format!("banter_2fa={}", set_cookie(&asked, "banter_2fa").expect("pending"));
    let app = server.call("/api/begin_totp", &pending, "").await;
    assert_eq!(status(&app), 401, "{app}");
    let another = server.post_json("/auth/passkeys/register/start", &pending, "{}").await;
    assert_eq!(status(&another), 401, "{another}");
}

#[tokio::test]
async fn removing_a_passkey_takes_the_password_and_signs_out_everywhere_else() {
    let server = start().await;
    let ann = server.sign_up_known("ann").await;
    let (_, mut passkey) = add_passkey(&server, &ann, "Phone").await;
    let elsewhere = session(&sign_in_with(&server, &mut passkey).await);
    let page = server.get_as(&ann, "/profile/security").await;
    let id: i64 = page
        .split(r#"name="id" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a passkey's id: {page}"));

    // Someone else's passkey is not theirs to remove.
    let bob = server.sign_up_known("bob").await;
    let form = format!("id={id}&password={}", form_value(KNOWN_PASSWORD));
    let not_theirs = server.post_form("/api/remove_passkey", Some(&bob), &form).await;
    assert_eq!(header(&not_theirs, "location"), Some("/profile/security?error=not-allowed"), "{not_theirs}");

    let wrong = server.post_form("/api/remove_passkey", Some(&ann), &format!("id={id}&password=nope")).await;
    assert_eq!(header(&wrong, "location"), Some("/profile/security?error=wrong-password"), "{wrong}");
    assert!(is_signed_in(&server, &elsewhere).await);

    let removed = server.post_form("/api/remove_passkey", Some(&ann), &form).await;
    assert_eq!(header(&removed, "location"), Some("/profile/security"), "{removed}");
    assert!(!server.get_as(&ann, "/profile/security").await.contains("passkey-list"));
    assert!(is_signed_in(&server, &ann).await, "the session that removed it stays");
    assert!(!is_signed_in(&server, &elsewhere).await, "every other session ends");
    // The passkey signs nobody in any more.
    let refused = sign_in_with(&server, &mut passkey).await;
    assert_eq!(status(&refused), 401, "{refused}");
}

#[tokio::test]
async fn a_server_reached_by_ip_number_offers_no_passkeys() {
    let server = TestServer::start().await;
    let ann = server.sign_up_known("ann").await;
    assert!(!server.get("/signin").await.contains("passkey"));
    assert!(!server.get_as(&ann, "/profile/security").await.contains("passkey-add"));
    let start = server.post_json("/auth/passkeys/sign-in/start", "", "{}").await;
    assert_eq!((status(&start), body(&start)["code"].as_str()), (403, Some("not_allowed")), "{start}");
}
