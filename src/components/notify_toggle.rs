//! `NotifyToggle`: the "Enable notifications" control. The browser's permission prompt comes
//! only from this button, never on page load; a refusal is respected and explained.
//!
//! It depends on the browser, so the server renders nothing here and the page fills it in
//! once live.

use leptos::prelude::*;

/// What the browser allows, as far as this control knows (only the browser finds out).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Permission {
    /// Not asked yet.
    Ask,
    Granted,
    Denied,
    /// No Notification API here.
    Unsupported,
}

#[component]
pub fn NotifyToggle() -> impl IntoView {
    let permission = RwSignal::new(None::<Permission>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| permission.set(Some(current())));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        crate::client::notify::request_permission(move |_| {
            permission.set(Some(current()));
            if current() == Permission::Granted {
                crate::client::notify::subscribe_to_push();
            }
        });
    };
    view! {
        <div class="notify-toggle" id="notify-toggle">
            {move || match permission.get() {
                None | Some(Permission::Unsupported) => ().into_any(),
                Some(Permission::Ask) => view! {
                    <button type="button" class="secondary small" id="enable-notifications" on:click=ask>
                        "Enable notifications"
                    </button>
                }.into_any(),
                Some(Permission::Granted) => view! {
                    <p class="muted" id="notifications-on">"Notifications are on."</p>
                }.into_any(),
                Some(Permission::Denied) => view! {
                    <p class="muted" id="notifications-blocked">
                        "Notifications are blocked for this site; allow them in your browser's site settings to get them."
                    </p>
                }.into_any(),
            }}
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn current() -> Permission {
    use leptos::web_sys::NotificationPermission;
    let supported = js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false);
    if !supported {
        return Permission::Unsupported;
    }
    match crate::client::notify::permission() {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}
