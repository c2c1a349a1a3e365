//! `SecurityPage` (`/profile/security`): a person's second factor — set one up by scanning a
//! QR code and typing the first code, see the recovery codes once, turn it off with the
//! password. `CodePage` (`/signin/code`): the code asked for after the password. Plain forms
//! the server renders alone (`components::server_only`), none of it in the browser's bundle.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::api::{
    BeginTotp, ConfirmTotp, DisableTotp, FactorState, SecondFactorView, SignInCode, my_second_factor,
};
use crate::components::form_refusal::returned_error;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let view = Resource::new_blocking(|| (), |_| my_second_factor());
    view! {
        <leptos_meta::Title text="Two-factor sign-in · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match view.await {
                    Ok(factor) => view! { <SecurityForms factor/> }.into_any(),
                    Err(_) => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SecurityForms(factor: SecondFactorView) -> impl IntoView {
    let error = returned_error();
    let back = (!factor.signing_in).then(|| {
        view! { <p><a href="/profile" class="back">"← Back to your profile"</a></p> }
    });
    let body = match factor.state {
        _ if factor.passwordless => view! {
            <p id="totp-state">"You sign in through your organisation's identity provider, which asks for any second factor."</p>
        }
        .into_any(),
        FactorState::SettingUp => {
            let secret = factor.secret.unwrap_or_default();
            view! {
                <p id="totp-state">"Scan this code with an authenticator app (or type the key), then enter the code it shows."</p>
                <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=factor.qr_svg.unwrap_or_default()></div>
                <p>"Key: " <code id="totp-secret">{secret}</code></p>
                <form method="post" action=ConfirmTotp::url() class="inline-form">
                    <label for="totp-code">"Code from the app"</label>
                    <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required/>
                    <button type="submit" id="totp-confirm">"Turn on"</button>
                </form>
            }
            .into_any()
        }
        FactorState::On => {
            let fresh = (!factor.fresh_codes.is_empty()).then(|| {
                view! {
                    <section aria-labelledby="recovery-title" class="recovery">
                        <h3 id="recovery-title">"Your recovery codes"</h3>
                        <p>"Each one signs you in once if you lose your phone. Keep them somewhere safe: they are shown only now."</p>
                        <ul id="recovery-codes">
                            {factor.fresh_codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                        </ul>
                        <p><a href="/" id="recovery-done">"I have kept them: open the chat"</a></p>
                    </section>
                }
            });
            view! {
                <p id="totp-state">
                    {format!("Two-factor sign-in is on. Recovery codes left: {}.", factor.recovery_left)}
                </p>
                {fresh}
                <form method="post" action=DisableTotp::url() class="inline-form">
                    <label for="totp-password">"Your password, to turn it off"</label>
                    <input id="totp-password" name="password" type="password" autocomplete="current-password" required/>
                    <button type="submit" class="secondary" id="totp-disable">"Turn off"</button>
                </form>
                <p class="muted">"Turning it off signs you out everywhere else."</p>
            }
            .into_any()
        }
        FactorState::Off => view! {
            <p id="totp-state">
                {if factor.signing_in {
                    "This server asks everyone for a second factor: set one up to finish signing in."
                } else {
                    "Two-factor sign-in is off: your password alone signs you in."
                }}
            </p>
            <form method="post" action=BeginTotp::url()>
                <button type="submit" id="totp-begin">"Set up an authenticator app"</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <main class="account">
            {back}
            <section class="account-form" aria-labelledby="security-title">
                <h2 id="security-title">"Two-factor sign-in"</h2>
                <p class="form-error" role="alert">{error}</p>
                {body}
            </section>
        </main>
    }
}

#[component]
pub fn CodePage() -> impl IntoView {
    let error = returned_error();
    view! {
        <leptos_meta::Title text="Your code · Banter"/>
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            <form method="post" action=SignInCode::url() class="account-form" id="code-form">
                <h2>"Two-factor sign-in"</h2>
                <label for="code">"Code from your authenticator app"</label>
                <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required aria-describedby="code-hint"/>
                <p id="code-hint" class="hint">"Lost your phone? Type one of your recovery codes instead."</p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit">"Continue"</button>
            </form>
            <p class="account-switch"><a href="/signin" rel="external">"Start again"</a></p>
        </main>
    }
}
