//! The four JSON endpoints of the passkey ceremonies, called by the pages' script
//! (`public/passkeys.js`) around the browser's `navigator.credentials`:
//!
//! - `POST /auth/passkeys/register/start` → `{"options"}` for `credentials.create()`;
//!   `POST /auth/passkeys/register/finish` `{"name", "credential"}` → 201 `{"redirect"}`.
//!   For the signed-in person, or — with `--require-2fa` — one whose password was right and who
//!   is setting up their factor (their session starts with it).
//! - `POST /auth/passkeys/sign-in/start` → `{"options"}` for `credentials.get()`;
//!   `POST /auth/passkeys/sign-in/finish` `{"credential"}` → `{"redirect"}` and a session.
//!   After a right password (a pending sign-in), the passkey must be one of that account's:
//!   it is the second factor. Otherwise any passkey signs its own account in.
//!
//! Every refusal is a 4xx `{"code","message"}` ([`FormError`]); a passkey that does not check
//! out is told apart from nothing else (unknown, another account's, a bad signature, a stale
//! counter all read "not accepted"). Cross-site calls never get here (`http_security`).

use crate::ids::UserId;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Uuid};

use super::ceremonies::{CEREMONY_COOKIE, CEREMONY_COOKIE_PATH, CEREMONY_VALID_MS, Ceremony};
use super::credentials::Added;
use crate::accounts::MAX_PASSKEY_NAME_CHARS;
use crate::api::FormError;
use crate::api::second_factor::SECURITY_PATH;
use crate::api_error::ApiError;
use crate::model::now_ms;
use crate::server::AppState;
use crate::server::accounts::auth::current_user;
use crate::server::accounts::second_factor::pending::{pending_cookie, pending_token};
use crate::server::accounts::session_cookie;
use crate::server::accounts::users::User;

/// Why a step is refused: answered as JSON with its status, and the ceremony's cookie goes.
#[derive(Debug)]
pub enum Refusal {
    Form(FormError),
    SignedOut,
    /// A body that is not what the endpoint reads.
    Invalid(String),
}

impl From<FormError> for Refusal {
    fn from(error: FormError) -> Self {
        Refusal::Form(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let error = match self {
            Refusal::Form(error) => error.api_error(),
            Refusal::SignedOut => ApiError::signed_out(),
            Refusal::Invalid(text) => ApiError::invalid(text),
        };
        let mut response = error.into_response();
        append_cookie(&mut response, &ceremony_cookie("", 0, false));
        response
    }
}

/// The store (or the ceremony's own machinery) failed: logged, and "try again".
fn unavailable<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> Refusal {
    move |error| {
        tracing::error!(%error, "{what}");
        Refusal::Form(FormError::Unavailable)
    }
}

/// What a step answers: JSON on success, a [`Refusal`] otherwise.
type Answer = Result<Response, Refusal>;

fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn ceremony_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    session_cookie::lax(CEREMONY_COOKIE, token, CEREMONY_COOKIE_PATH, max_age_secs, secure)
}

/// The relying party, if this server has passkeys.
fn relying_party(state: &AppState) -> Result<&Webauthn, Refusal> {
    state.passkeys.as_deref().map(|party| &party.webauthn).ok_or(Refusal::Form(FormError::PasskeysOff))
}

/// A ceremony begun: its options for the browser, its token in the cookie.
async fn begun(
    state: &AppState,
    headers: &HeaderMap,
    ceremony: Ceremony,
    options: impl serde::Serialize,
) -> Answer {
    let options = serde_json::to_value(options).map_err(unavailable("cannot write a passkey challenge"))?;
    let token = state
        .store
        .keep_passkey_ceremony(&ceremony, now_ms())
        .await
        .map_err(unavailable("cannot keep a passkey ceremony"))?;
    let max_age = u64::try_from(CEREMONY_VALID_MS / 1000).unwrap_or(0);
    let mut response = Json(serde_json::json!({ "options": options })).into_response();
    append_cookie(&mut response, &ceremony_cookie(&token, max_age, session_cookie::over_https(headers)));
    Ok(response)
}

/// The ceremony this browser began, taken (so it is finished at most once).
async fn taken_ceremony(state: &AppState, headers: &HeaderMap) -> Result<Ceremony, Refusal> {
    let token =
        session_cookie::named(headers, CEREMONY_COOKIE).ok_or(Refusal::Form(FormError::SignInExpired))?;
    let taken = state
        .store
        .take_passkey_ceremony(token, now_ms())
        .await
        .map_err(unavailable("cannot read a passkey ceremony"))?;
    taken.ok_or(Refusal::Form(FormError::SignInExpired))
}

/// The live pending sign-in this browser holds (a right password waiting for its factor).
async fn pending_sign_in(state: &AppState, headers: &HeaderMap) -> Result<Option<(String, UserId)>, Refusal> {
    let Some(token) = pending_token(headers) else { return Ok(None) };
    let found = state
        .store
        .pending_sign_in(&token, now_ms())
        .await
        .map_err(unavailable("cannot read a pending sign-in"))?;
    Ok(found.map(|user_id| (token, user_id)))
}

/// Who may add a passkey: the signed-in person, or under `--require-2fa` someone setting up
/// their factor mid-sign-in (`true`) while they have none. Never a bot, nor an account of the
/// identity provider.
async fn registrant(state: &AppState, headers: &HeaderMap) -> Result<(User, bool), Refusal> {
    let signed_in =
        current_user(&state.store, headers).await.map_err(unavailable("cannot read a session"))?;
    let (user, pending) = match signed_in {
        Some(user) => (user, false),
        None if state.config.require_2fa => {
            let (_, user_id) = pending_sign_in(state, headers).await?.ok_or(Refusal::SignedOut)?;
            // With a factor already, the next step is using it.
            let has_factor = state
                .store
                .has_second_factor(user_id)
                .await
                .map_err(unavailable("cannot read an account's factors"))?;
            if has_factor {
                return Err(Refusal::SignedOut);
            }
            let user =
                state.store.user_by_id(user_id).await.map_err(unavailable("cannot read an account"))?;
            (user.ok_or(Refusal::SignedOut)?, true)
        }
        None => return Err(Refusal::SignedOut),
    };
    if user.bot {
        return Err(FormError::NotAllowed.into());
    }
    let provider = state
        .store
        .signs_in_with_provider(user.id)
        .await
        .map_err(unavailable("cannot read how an account signs in"))?;
    if provider {
        return Err(FormError::NoPassword.into());
    }
    Ok((user, pending))
}

/// A session for `user_id`, its cookie on the answer, which leads to `redirect`; the
/// ceremony's cookie (and a pending sign-in's, when `pending`) go.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    user_id: UserId,
    status: StatusCode,
    redirect: &str,
    pending: bool,
) -> Answer {
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = state
        .store
        .create_session(user_id, user_agent)
        .await
        .map_err(unavailable("cannot start a session"))?;
    let secure = session_cookie::over_https(headers);
    let mut response = (status, Json(serde_json::json!({ "redirect": redirect }))).into_response();
    append_cookie(&mut response, &session_cookie::set(&token.0, secure));
    append_cookie(&mut response, &ceremony_cookie("", 0, secure));
    if pending {
        append_cookie(&mut response, &pending_cookie("", 0, secure));
    }
    Ok(response)
}

/// `POST /auth/passkeys/register/start`.
pub async fn register_start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answer {
    let webauthn = relying_party(&state)?;
    if !state.take(&state.limits.passkey_starts, &peer.ip()).await {
        return Err(FormError::Throttled.into());
    }
    let (user, pending) = registrant(&state, &headers).await?;
    let kept = state.store.passkeys_of(user.id).await.map_err(unavailable("cannot read passkeys"))?;
    if kept.len() >= crate::accounts::MAX_PASSKEYS_PER_PERSON {
        return Err(FormError::TooManyPasskeys.into());
    }
    // The handle the person's authenticators know them by: the one their passkeys share, or a
    // fresh random one for a first passkey (never their account id, which would tell it).
    let handle = kept.first().map_or_else(Uuid::new_v4, |kept| kept.user_handle);
    // The same authenticator twice would be one passkey under two names.
    let exclude = kept.iter().map(|kept| kept.passkey.cred_id().clone()).collect();
    let (options, registration) = webauthn
        .start_passkey_registration(handle, &user.username, &user.display_name, Some(exclude))
        .map_err(unavailable("cannot begin a passkey registration"))?;
    let mut options =
        serde_json::to_value(options).map_err(unavailable("cannot write a passkey challenge"))?;
    // A passkey that names its account to the browser, so it can sign in with no username
    // typed first (a "discoverable credential"); webauthn-rs asks for none by default.
    if let Some(selection) =
        options.pointer_mut("/publicKey/authenticatorSelection").and_then(|v| v.as_object_mut())
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    let ceremony = Ceremony::Register { user_id: user.id, pending, handle, state: registration };
    begun(&state, &headers, ceremony, options).await
}

/// What `register/finish` is sent.
#[derive(Debug, Deserialize)]
pub struct Registered {
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// A passkey's name as kept: trimmed, without control characters, at most
/// [`MAX_PASSKEY_NAME_CHARS`]; "Passkey" when nothing is left.
fn passkey_name(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(MAX_PASSKEY_NAME_CHARS).collect();
    let name = name.trim();
    if name.is_empty() { "Passkey".to_owned() } else { name.to_owned() }
}

/// `POST /auth/passkeys/register/finish`.
pub async fn register_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<Registered>, JsonRejection>,
) -> Answer {
    let webauthn = relying_party(&state)?;
    let ceremony = taken_ceremony(&state, &headers).await?;
    let Json(registered) = body.map_err(|rejection| Refusal::Invalid(rejection.body_text()))?;
    let Ceremony::Register { user_id, pending, handle, state: registration } = ceremony else {
        return Err(FormError::PasskeyRefused.into());
    };
    // Still the same person, still allowed (signed out in between: nothing is added).
    let (user, now_pending) = registrant(&state, &headers).await?;
    if user.id != user_id || now_pending != pending {
        return Err(Refusal::SignedOut);
    }
    let passkey =
        webauthn.finish_passkey_registration(&registered.credential, &registration).map_err(|error| {
            tracing::info!(%error, user = %user_id, "a passkey registration did not check out");
            Refusal::Form(FormError::PasskeyRefused)
        })?;
    let name = passkey_name(&registered.name);
    let added = state
        .store
        .add_passkey(user_id, handle, &name, &passkey, now_ms())
        .await
        .map_err(unavailable("cannot keep a passkey"))?;
    match added {
        Added::Added => {}
        Added::TooMany => return Err(FormError::TooManyPasskeys.into()),
        Added::Taken => return Err(FormError::PasskeyRefused.into()),
    }
    tracing::info!(user = %user_id, "passkey added");
    if !pending {
        let mut response =
            (StatusCode::CREATED, Json(serde_json::json!({ "redirect": SECURITY_PATH }))).into_response();
        append_cookie(&mut response, &ceremony_cookie("", 0, session_cookie::over_https(&headers)));
        return Ok(response);
    }
    // Setting up the factor `--require-2fa` asked for: the sign-in is complete.
    if let Some((token, _)) = pending_sign_in(&state, &headers).await? {
        state.store.end_pending_sign_in(&token).await.map_err(unavailable("cannot end a pending sign-in"))?;
    }
    signed_in(&state, &headers, user_id, StatusCode::CREATED, "/", true).await
}

/// `sign-in/start`'s query: `?second_factor=true` after a right password (the code page).
#[derive(Debug, Default, Deserialize)]
pub struct SignInStart {
    #[serde(default)]
    second_factor: bool,
}

/// `POST /auth/passkeys/sign-in/start[?second_factor=true]`.
pub async fn sign_in_start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SignInStart>, QueryRejection>,
) -> Answer {
    let Query(SignInStart { second_factor }) =
        query.map_err(|_| Refusal::Invalid("second_factor is true or false".to_owned()))?;
    let webauthn = relying_party(&state)?;
    if !state.config.password_sign_in {
        return Err(FormError::PasswordSignInOff.into());
    }
    if !state.take(&state.limits.passkey_starts, &peer.ip()).await {
        return Err(FormError::Throttled.into());
    }
    if !second_factor {
        let (options, authentication) = webauthn
            .start_discoverable_authentication()
            .map_err(unavailable("cannot begin a passkey sign-in"))?;
        return begun(&state, &headers, Ceremony::SignIn { state: authentication }, options).await;
    }
    // The second factor: one of this account's passkeys.
    let (_, user_id) =
        pending_sign_in(&state, &headers).await?.ok_or(Refusal::Form(FormError::SignInExpired))?;
    let kept = state.store.passkeys_of(user_id).await.map_err(unavailable("cannot read passkeys"))?;
    if kept.is_empty() {
        return Err(FormError::PasskeyRefused.into());
    }
    let passkeys: Vec<_> = kept.into_iter().map(|kept| kept.passkey).collect();
    let (options, authentication) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(unavailable("cannot begin a passkey sign-in"))?;
    begun(&state, &headers, Ceremony::SecondFactor { user_id, state: authentication }, options).await
}

/// What `sign-in/finish` is sent.
#[derive(Debug, Deserialize)]
pub struct Answered {
    credential: PublicKeyCredential,
}

/// A passkey that did not check out: logged with why, answered without.
fn not_accepted<E: std::fmt::Display>(user_id: UserId) -> impl FnOnce(E) -> Refusal {
    move |error| {
        tracing::info!(%error, user = %user_id, "a passkey did not check out");
        Refusal::Form(FormError::PasskeyRefused)
    }
}

/// `POST /auth/passkeys/sign-in/finish`.
pub async fn sign_in_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<Answered>, JsonRejection>,
) -> Answer {
    let webauthn = relying_party(&state)?;
    let ceremony = taken_ceremony(&state, &headers).await?;
    let Json(Answered { credential }) = body.map_err(|rejection| Refusal::Invalid(rejection.body_text()))?;
    let now = now_ms();
    match ceremony {
        Ceremony::SignIn { state: authentication } => {
            if !state.config.password_sign_in {
                return Err(FormError::PasswordSignInOff.into());
            }
            let (handle, credential_id) = webauthn
                .identify_discoverable_authentication(&credential)
                .map_err(|_| Refusal::Form(FormError::PasskeyRefused))?;
            let kept = state
                .store
                .passkey_for_sign_in(credential_id)
                .await
                .map_err(unavailable("cannot read a passkey"))?;
            let mut kept = kept.filter(|kept| kept.user_handle == handle).ok_or(FormError::PasskeyRefused)?;
            let result = webauthn
                .finish_discoverable_authentication_v2(&credential, authentication, &kept.passkey)
                .map_err(not_accepted(kept.user_id))?;
            kept.passkey.update_credential(&result);
            state
                .store
                .passkey_used(kept.id, &kept.passkey, now)
                .await
                .map_err(unavailable("cannot record a passkey's use"))?;
            tracing::info!(user = %kept.user_id, "signed in with a passkey");
            signed_in(&state, &headers, kept.user_id, StatusCode::OK, "/", false).await
        }
        Ceremony::SecondFactor { user_id, state: authentication } => {
            // Still the sign-in that asked for it (and still live).
            let (token, _) = pending_sign_in(&state, &headers)
                .await?
                .filter(|(_, pending_user)| *pending_user == user_id)
                .ok_or(FormError::SignInExpired)?;
            let result = webauthn
                .finish_passkey_authentication(&credential, &authentication)
                .map_err(not_accepted(user_id))?;
            let kept = state.store.passkeys_of(user_id).await.map_err(unavailable("cannot read passkeys"))?;
            // Removed between the two requests: not a factor any more.
            let mut used = kept
                .into_iter()
                .find(|kept| kept.passkey.cred_id() == result.cred_id())
                .ok_or(FormError::PasskeyRefused)?;
            used.passkey.update_credential(&result);
            state
                .store
                .passkey_used(used.id, &used.passkey, now)
                .await
                .map_err(unavailable("cannot record a passkey's use"))?;
            state
                .store
                .end_pending_sign_in(&token)
                .await
                .map_err(unavailable("cannot end a pending sign-in"))?;
            tracing::info!(user = %user_id, "signed in with a passkey as second factor");
            signed_in(&state, &headers, user_id, StatusCode::OK, "/", true).await
        }
        Ceremony::Register { .. } => Err(FormError::PasskeyRefused.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::passkey_name;

    #[test]
    fn a_passkey_name_is_trimmed_cut_and_never_empty() {
        assert_eq!(passkey_name("  Work laptop \n"), "Work laptop");
        assert_eq!(passkey_name("\u{7}"), "Passkey");
        assert_eq!(passkey_name(&"x".repeat(200)).chars().count(), crate::accounts::MAX_PASSKEY_NAME_CHARS);
    }
}
