//! `SignInPage` and `SignUpPage`: the two account forms, rendered by the server alone (see
//! `server_only`): plain forms posting to server functions, which work with JavaScript off,
//! so the browser's bundle carries none of their code. Success is a redirect onward; a
//! refusal comes back as `?error=<code>`, turned into a sentence here. With single sign-on
//! configured, "Sign in with <provider>" leads to the identity provider; with
//! `--password-sign-in off` it is the only way in. Where the server offers passkeys, "Sign in
//! with a passkey" (`public/passkeys.js`) needs neither username nor password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::accounts::{MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, SSO_START_PATH};
use crate::api::{SignIn, SignUp};
use crate::api_error::ApiError;
use crate::components::form_refusal::refusal;
use crate::components::passkey_box::{PasskeySignInButton, passkey_origin};

/// How this server signs people in.
struct WaysIn {
    /// `--oidc-name`, when single sign-on is configured.
    provider: Option<String>,
    /// False with `--password-sign-in off`.
    passwords: bool,
    /// The origin passkeys work on, when offered (a host name, `--passkey-origin`; and
    /// passwords on).
    passkeys: Option<String>,
}

fn ways_in() -> WaysIn {
    match use_context::<crate::server::AppState>() {
        Some(state) => WaysIn {
            provider: state.single_sign_on.as_ref().map(|provider| provider.name.clone()),
            passwords: state.config.password_sign_in,
            passkeys: passkey_origin().filter(|_| state.config.password_sign_in),
        },
        None => WaysIn { provider: None, passwords: true, passkeys: None },
    }
}

/// The error and username the server sent back, if any.
fn returned<S>(action: ServerAction<S>) -> (Signal<Option<String>>, Signal<String>)
where
    S: leptos::server_fn::ServerFn<Error = ApiError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let query = use_query_map();
    let username = Signal::derive(move || query.read().get("username").unwrap_or_default());
    (refusal(action), username)
}

/// The username field both forms share; `described_by` names the element with the rules.
#[component]
fn UsernameField(
    username: Signal<String>,
    #[prop(optional)] described_by: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label for="username">"Username"</label>
        <input
            id="username"
            name="username"
            type="text"
            autocomplete="username"
            autocapitalize="none"
            required
            maxlength=MAX_USERNAME_CHARS
            aria-describedby=described_by
            value=username
        />
    }
}

/// "Sign in with <provider>": a plain link (the sign-in leaves for the provider's pages).
/// Without passwords it is the only way in, and says why a refusal came back.
#[component]
fn ProviderChoice(provider: Option<String>, passwords: bool, error: Signal<Option<String>>) -> impl IntoView {
    let only = !passwords;
    provider.map(|name| {
        view! {
            <div class="account-form sso">
                {only.then(|| view! { <p class="form-error" role="alert">{error}</p> })}
                <a class="button sso-button" id="sso-link" href=SSO_START_PATH rel="external">
                    {format!("Sign in with {name}")}
                </a>
                {(!only).then(|| view! { <p class="sso-or">"or with your Banter password"</p> })}
            </div>
        }
    })
}

/// What both pages share: the logo, the identity provider's button, and — unless passwords are
/// off — the page's own form (`children`).
#[component]
fn AccountPage(error: Signal<Option<String>>, children: Children) -> impl IntoView {
    let WaysIn { provider, passwords, .. } = ways_in();
    view! {
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            <ProviderChoice provider passwords error/>
            {passwords.then(children)}
        </main>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let (error, username) = returned(action);
    view! {
        <AccountPage error>
            <ActionForm action attr:id="signin-form" attr:class="account-form">
                <h2>"Sign in"</h2>
                <UsernameField username/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit">"Sign in"</button>
            </ActionForm>
            {ways_in().passkeys.map(|origin| view! { <PasskeySignIn origin/> })}
            <p class="account-switch"><a href="/forgot" rel="external" id="forgot-link">"Forgot password?"</a></p>
            <p class="account-switch">"New here? " <a href="/signup" rel="external">"Create an account"</a></p>
        </AccountPage>
    }
}

/// "Sign in with a passkey": no username, no password; the browser offers the passkeys it
/// has for this site. Shown by `public/passkeys.js` only where the browser can use them.
#[component]
fn PasskeySignIn(origin: String) -> impl IntoView {
    view! {
        <div class="account-form">
            <PasskeySignInButton
                origin
                after_password=false
                id="passkey-sign-in"
                label="Sign in with a passkey"
                class="secondary"
            />
        </div>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let (error, username) = returned(action);
    view! {
        <AccountPage error>
            <ActionForm action attr:id="signup-form" attr:class="account-form">
                <h2>"Create an account"</h2>
                <UsernameField username described_by="username-rules"/>
                <p id="username-rules" class="hint">
                    {format!("2–{MAX_USERNAME_CHARS} characters: letters, digits, '.', '_' or '-'.")}
                </p>
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    required
                    minlength=MIN_PASSWORD_CHARS
                />
                <p class="form-error" role="alert">{error}</p>
                <button type="submit">"Create account"</button>
            </ActionForm>
            <p class="account-switch">"Have an account? " <a href="/signin" rel="external">"Sign in"</a></p>
        </AccountPage>
    }
}
