//! The frame around every passkey control on the server's own pages (sign-in, the code after
//! the password, the security page): hidden as the server sends it, shown by
//! `public/passkeys.js` only where the browser can use passkeys — WebAuthn present, and the
//! page opened on the origin the passkeys belong to (`--passkey-origin`; the same server
//! reached by another address could not use them). Its error line lives inside it, so a page
//! without passkeys has no second alert.

use leptos::prelude::*;

use crate::accounts::{PASSKEY_SIGN_IN_FINISH_PATH, PASSKEY_SIGN_IN_START_PATH};

/// The origin passkeys work on, when this server offers them.
pub fn passkey_origin() -> Option<String> {
    use_context::<crate::server::AppState>()
        .and_then(|state| state.passkeys.as_ref().map(|party| party.origin.clone()))
}

#[component]
pub fn PasskeyBox(origin: String, children: Children) -> impl IntoView {
    view! {
        <div class="passkey-box" hidden data-passkey-origin=origin>
            {children()}
            <p class="passkey-error" role="alert" id="passkey-error"></p>
            <script src=crate::static_scripts::PASSKEYS.url() defer></script>
        </div>
    }
}

/// A passkey sign-in's button in its box: any passkey of the site, or — `after_password` —
/// one of the account's, as the step after a right password.
#[component]
pub fn PasskeySignInButton(
    origin: String,
    after_password: bool,
    id: &'static str,
    label: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let (kind, start) = if after_password {
        ("second-factor", format!("{PASSKEY_SIGN_IN_START_PATH}?second_factor=true"))
    } else {
        ("sign-in", PASSKEY_SIGN_IN_START_PATH.to_owned())
    };
    view! {
        <PasskeyBox origin>
            <button
                type="button"
                class=class
                id=id
                data-passkey=kind
                data-start=start
                data-finish=PASSKEY_SIGN_IN_FINISH_PATH
            >
                {label}
            </button>
        </PasskeyBox>
    }
}
