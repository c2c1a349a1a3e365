//! `SecurityPage` (`/profile/security`): a person's second factor — set one up by scanning a
//! QR code and typing the first code, see the recovery codes once, turn it off with the
//! password — and their passkeys: add one, remove one with the password. `CodePage`
//! (`/signin/code`): the code or the passkey asked for after the password. Plain forms the
//! server renders alone (`components::server_only`), none of it in the browser's bundle; the
//! passkey ceremonies are a small static script's (`public/passkeys.js`), its buttons hidden
//! where the browser cannot use passkeys.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::accounts::{MAX_PASSKEY_NAME_CHARS, PASSKEY_REGISTER_FINISH_PATH, PASSKEY_REGISTER_START_PATH};
use crate::api::{
    BeginTotp, ConfirmTotp, DisableTotp, FactorState, FactorsOffered, PasskeyLine, RemovePasskey,
    SecondFactorView, SignInCode, my_second_factor, pending_factors,
};
use crate::components::form_refusal::returned_error;
use crate::components::passkey_box::{PasskeyBox, PasskeySignInButton, passkey_origin};

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
    let has_passkeys = !factor.passkeys.is_empty();
    let passkeys = passkey_origin().filter(|_| factor.passkeys_offered).map(|origin| {
        view! { <PasskeysSection passkeys=factor.passkeys.clone() signing_in=factor.signing_in origin/> }
    });
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
                } else if has_passkeys {
                    "No authenticator app is set up: after your password, a passkey is the second step."
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
            {passkeys}
        </main>
    }
}

/// The passkeys kept, each removable with the password, and adding one (the script's).
#[component]
fn PasskeysSection(passkeys: Vec<PasskeyLine>, signing_in: bool, origin: String) -> impl IntoView {
    let intro = if signing_in {
        "Or use a passkey: your phone's or computer's fingerprint, face or screen lock."
    } else {
        "A passkey signs you in with your phone's or computer's fingerprint, face or screen lock: no password, no code. After your password, it also serves as the second step."
    };
    let list = (!passkeys.is_empty()).then(|| {
        view! {
            <ul id="passkey-list" class="passkey-list">
                {passkeys.into_iter().map(|passkey| view! { <PasskeyItem passkey/> }).collect_view()}
            </ul>
            <p class="muted">"Removing a passkey signs you out everywhere else."</p>
        }
    });
    view! {
        <section class="account-form" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title">"Passkeys"</h2>
            <p>{intro}</p>
            {list}
            <PasskeyBox origin>
                <form
                    id="passkey-add"
                    class="passkey-form"
                    data-passkey="register"
                    data-start=PASSKEY_REGISTER_START_PATH
                    data-finish=PASSKEY_REGISTER_FINISH_PATH
                >
                    <label for="passkey-name">"Name it"</label>
                    <input id="passkey-name" name="name" type="text" maxlength=MAX_PASSKEY_NAME_CHARS placeholder="This laptop"/>
                    <button type="submit" id="passkey-add-button">"Add a passkey"</button>
                </form>
            </PasskeyBox>
            <noscript><p class="muted">"Adding a passkey needs JavaScript."</p></noscript>
        </section>
    }
}

#[component]
fn PasskeyItem(passkey: PasskeyLine) -> impl IntoView {
    let password_id = format!("passkey-password-{}", passkey.id);
    let used = passkey
        .last_used_at
        .map(|at| format!("last used {}", crate::model::date_time(at)))
        .unwrap_or_else(|| "not used yet".to_owned());
    let about = format!("added {}, {used}", crate::model::date_time(passkey.created_at));
    let label = format!("Your password, to remove “{}”", passkey.name);
    let name = passkey.name;
    let data_name = name.clone();
    view! {
        <li class="passkey" data-name=data_name>
            <strong class="passkey-name">{name}</strong>
            <span class="muted">" · " {about}</span>
            <form method="post" action=RemovePasskey::url() class="passkey-form">
                <input type="hidden" name="id" value=passkey.id/>
                <label for=password_id.clone()>{label}</label>
                <input id=password_id name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="secondary">"Remove this passkey"</button>
            </form>
        </li>
    }
}

#[component]
pub fn CodePage() -> impl IntoView {
    let offered = Resource::new_blocking(|| (), |_| pending_factors());
    view! {
        <leptos_meta::Title text="Your code · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Without a live pending sign-in (it ran out) the page is the code form still: a
                // code sent from it is told the sign-in expired.
                let offered = offered.await.unwrap_or(FactorsOffered { code: true, passkey: false });
                view! { <CodeForms code=offered.code passkey=offered.passkey/> }
                    .into_any()
            })}
        </Suspense>
    }
}

/// The code form, the passkey button, or both: whichever factors the account has.
#[component]
fn CodeForms(code: bool, passkey: bool) -> impl IntoView {
    let error = returned_error();
    let origin = passkey_origin().filter(|_| passkey);
    let passkey_choice = origin.clone().map(|origin| {
        view! {
            <div class="account-form">
                {(!code).then(|| view! { <h2>"Two-factor sign-in"</h2> })}
                <PasskeySignInButton origin after_password=true id="passkey-second-factor" label="Use a passkey"/>
            </div>
        }
    });
    let code_form = code.then(|| {
        view! {
            <form method="post" action=SignInCode::url() class="account-form" id="code-form">
                <h2>"Two-factor sign-in"</h2>
                <label for="code">"Code from your authenticator app"</label>
                <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required aria-describedby="code-hint"/>
                <p id="code-hint" class="hint">"Lost your phone? Type one of your recovery codes instead."</p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit">"Continue"</button>
            </form>
        }
    });
    let neither = (!code && origin.is_none()).then(|| {
        view! { <p class="form-error" role="alert">"This server no longer offers your second factor; ask an administrator."</p> }
    });
    view! {
        <main class="account">
            <h1><span class="logo">"Banter"</span></h1>
            {passkey_choice}
            {code_form}
            {neither}
            <p class="account-switch"><a href="/signin" rel="external">"Start again"</a></p>
        </main>
    }
}
