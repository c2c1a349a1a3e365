//! `SignInPage` and `SignUpPage`: the two account forms.
//!
//! Real forms (`ActionForm`) posting to server functions, so they work before the wasm loads
//! and with JavaScript off. Success is a redirect onward. A refusal comes back to a plain form
//! as `?error=<code>`, which this page turns into a sentence (never shows the query as is),
//! and to the hydrated page as the call's JSON error, whose sentence is the same.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::accounts::{MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS};
use crate::api::{FormError, SignIn, SignUp};
use crate::api_error::ApiError;

/// The sentence for the `?error=` code the server sent back, if any.
pub fn returned_error() -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        query.read().get("error").and_then(|code| FormError::from_code(&code)).map(FormError::message)
    })
}

/// Why `action`'s form was refused: its last call's error, or else the one in the query.
pub fn refusal<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: leptos::server_fn::ServerFn<Error = ApiError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let returned = returned_error();
    Signal::derive(move || {
        let called = action.value().with(|value| match value {
            Some(Err(error)) => Some(error.message.clone()),
            _ => None,
        });
        called.or_else(|| returned.get())
    })
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

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let (error, username) = returned(action);
    view! {
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            <ActionForm action attr:id="signin-form" attr:class="account-form">
                <h2>"Sign in"</h2>
                <UsernameField username/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p class="account-switch"><a href="/forgot" rel="external" id="forgot-link">"Forgot password?"</a></p>
            <p class="account-switch">"New here? " <a href="/signup">"Create an account"</a></p>
        </main>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let (error, username) = returned(action);
    view! {
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
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
                <button type="submit" disabled=move || action.pending().get()>"Create account"</button>
            </ActionForm>
            <p class="account-switch">"Have an account? " <a href="/signin">"Sign in"</a></p>
        </main>
    }
}
