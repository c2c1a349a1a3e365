//! The pages email leads to or starts from, rendered by the server alone
//! (`components::server_only`): "Forgot password?" (`/forgot`), which mails a reset link, and
//! `/unsubscribe`, where a digest's link turns digests off with one button.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::ForgotPassword;
use crate::components::form_refusal::returned_error;
use crate::server::mail::unsubscribe::UNSUBSCRIBE_PATH;

/// `/forgot`: a username or an address; the same answer whether or not it is known.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    let error = returned_error();
    view! {
        <leptos_meta::Title text="Forgot password · Banter"/>
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            <form method="post" action=ForgotPassword::url() id="forgot-form" class="account-form">
                <h2>"Forgot your password?"</h2>
                <p class="hint">
                    "We email a link that sets a new one to the address you confirmed on your profile."
                </p>
                <label for="who">"Username or email address"</label>
                <input id="who" name="who" type="text" autocomplete="username" autocapitalize="none" required
                    maxlength=crate::server::mail::addresses::MAX_EMAIL_BYTES/>
                <p class="form-ok" role="status" id="forgot-sent">
                    {move || sent().then_some(
                        "If that account has a confirmed email address, a link is on its way. It works for a day, once."
                    )}
                </p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit">"Email me a link"</button>
            </form>
            <p class="account-switch"><a href="/signin">"Sign in"</a></p>
        </main>
    }
}

/// `/unsubscribe?token=…`: one button that turns digests off; `?done` once it has.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done = move || query.read().get("done").is_some();
    let error = returned_error();
    let action = move || {
        let encoded =
            percent_encoding::utf8_percent_encode(&token(), percent_encoding::NON_ALPHANUMERIC).to_string();
        format!("{UNSUBSCRIBE_PATH}?token={encoded}")
    };
    view! {
        <leptos_meta::Title text="Email digests · Banter"/>
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            <section class="account-form" aria-labelledby="unsubscribe-title">
                <h2 id="unsubscribe-title">"Emails about what you missed"</h2>
                {move || if done() {
                    view! {
                        <p class="form-ok" role="status" id="unsubscribed">
                            "Done: no more of these emails. Your profile turns them back on."
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <form method="post" action=action id="unsubscribe-form">
                            <p class="form-error" role="alert">{error}</p>
                            <button type="submit">"Stop these emails"</button>
                        </form>
                    }.into_any()
                }}
            </section>
            <p class="account-switch"><a href="/profile" rel="external">"Your profile"</a></p>
        </main>
    }
}
