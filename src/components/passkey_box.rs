//! The frame around every passkey control on the server's own pages (sign-in, the code after
//! the password, the security page): hidden as the server sends it, shown by
//! `public/passkeys.js` only where the browser can use passkeys — WebAuthn present, and the
//! page opened on the origin the passkeys belong to (`--passkey-origin`; the same server
//! reached by another address could not use them). Its error line lives inside it, so a page
//! without passkeys has no second alert.

use leptos::prelude::*;

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
            <script src="/passkeys.js" defer></script>
        </div>
    }
}
