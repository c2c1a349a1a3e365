//! `ResetPasswordPage` (`/reset?token=…`): where a password reset link leads, a form for the
//! new password. A plain form the server renders alone (`components::server_only`): using the
//! link signs this browser in and every other session out.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::accounts::MIN_PASSWORD_CHARS;
use crate::api::ResetPassword;
use crate::components::form_refusal::returned_error;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let error = returned_error();
    view! {
        <leptos_meta::Title text="New password · Banter"/>
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            <form method="post" action=ResetPassword::url() id="reset-form" class="account-form">
                <h2>"Choose a new password"</h2>
                <input type="hidden" name="token" value=token/>
                <label for="password">"New password"</label>
                <input id="password" name="password" type="password" autocomplete="new-password" required
                    minlength=MIN_PASSWORD_CHARS/>
                <p class="hint">"Every device signed in to this account is signed out."</p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit">"Set the password and sign in"</button>
            </form>
            <p class="account-switch"><a href="/signin">"Sign in"</a></p>
        </main>
    }
}
