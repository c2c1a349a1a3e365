//! System notifications from the open page, and the page's title and icon carrying the
//! unread count.
//!
//! A notification is shown for a message that concerns the person
//! ([`crate::notifications::concerns`]) in another room, or in this one while the tab is
//! hidden; never before the person asked for them with a gesture (the permission prompt is
//! `request_permission`, called from a button). Each carries a tag naming the room and
//! message, so several tabs of one person showing the same message make one notification.

use crate::ids::{Seq, Username};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::wasm_bindgen::closure::Closure;
use leptos::web_sys::{Notification, NotificationOptions, NotificationPermission};

use crate::chat_state::ChatState;
use crate::notifications::{Incoming, NotifyLevel, concerns};

/// Whether the person cannot see this page now (another tab, minimised).
pub fn page_hidden() -> bool {
    document().hidden()
}

/// What the browser says about notifications: granted, denied, or not asked yet.
pub fn permission() -> NotificationPermission {
    Notification::permission()
}

/// Ask for permission (after a click); `done` gets the answer.
pub fn request_permission(done: impl Fn(NotificationPermission) + 'static) {
    let Ok(asked) = Notification::request_permission() else { return };
    leptos::task::spawn_local(async move {
        let answer = wasm_bindgen_futures::JsFuture::from(asked).await;
        let _ = answer;
        done(Notification::permission());
    });
}

/// A new message the page heard about.
pub struct Heard<'a> {
    pub room: &'a str,
    /// The room as the sidebar names it.
    pub title: &'a str,
    pub seq: Seq,
    pub author: &'a str,
    pub username: &'a str,
    pub mentions: &'a [Username],
    pub excerpt: &'a str,
    pub level: NotifyLevel,
    /// The thread it is a reply in, if it is.
    pub thread_root: Option<Seq>,
    /// A thread reply not sent to the room.
    pub thread_only: bool,
    /// A reply in a thread the person follows.
    pub followed: bool,
}

/// Show a system notification for `heard` if it concerns the person and they allowed it.
pub fn maybe_notify(chat: ChatState, heard: Heard<'_>) {
    let me = chat.username.get_value();
    let message = Incoming {
        author: heard.username,
        mentions: heard.mentions,
        thread_only: heard.thread_only,
        followed: heard.followed,
    };
    let now = crate::model::now_ms();
    if permission() != NotificationPermission::Granted
        || !concerns(heard.level, &me, message, chat.quiet_until.get_value(), now)
    {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(&format!("{}: {}", heard.author, heard.excerpt));
    options.set_tag(&format!("banter:{}:{}", heard.room, heard.seq));
    options.set_icon("/icons/icon-192.png");
    let Ok(shown) = Notification::new_with_options(&format!("{} · Banter", heard.title), &options) else {
        return;
    };
    let target = crate::model::message_path(heard.room, heard.seq, heard.thread_root);
    let onclick = Closure::<dyn Fn()>::new(move || {
        let _ = window().focus();
        let _ = window().location().assign(&target);
    });
    shown.set_onclick(Some(onclick.as_ref().unchecked_ref()));
    // The notification outlives this call; so must its handler.
    onclick.forget();
}

/// Keep the page's title and icon telling the unread count: `(3) #general · Banter`, and a
/// dot on the icon.
pub fn show_count(count: i64) {
    let icon = if count > 0 { "/icons/favicon-unread.svg" } else { "/favicon.svg" };
    if let Some(link) = document()
        .query_selector("link[rel=icon]")
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlLinkElement>().ok())
    {
        if link.href().ends_with(icon) {
            return;
        }
        link.set_href(icon);
    }
}

/// Register the service worker (`/sw.js`): the installed app's offline page, and where pushes
/// arrive with no page open. Where notifications are allowed, (re)subscribe this device.
pub fn register_service_worker() {
    let container = window().navigator().service_worker();
    let _registration = container.register("/sw.js");
    if permission() == NotificationPermission::Granted {
        subscribe_to_push();
    }
}

/// Subscribe this device with its browser's push service and hand the subscription to the
/// server, so messages reach it with no page open. Idempotent; a browser without a push
/// service (or offline) simply gets no pushes.
pub fn subscribe_to_push() {
    leptos::task::spawn_local(async move {
        if let Err(error) = try_subscribe().await {
            leptos::logging::log!("push subscription not made: {error:?}");
        }
    });
}

async fn try_subscribe() -> Result<(), leptos::wasm_bindgen::JsValue> {
    use leptos::web_sys::{PushSubscription, PushSubscriptionOptionsInit, ServiceWorkerRegistration};
    use wasm_bindgen_futures::JsFuture;
    let key = crate::api::call(crate::api::PushKey {}).await.map_err(|e| e.to_string())?;
    let ready = JsFuture::from(window().navigator().service_worker().ready()?).await?;
    let registration: ServiceWorkerRegistration = ready.dyn_into()?;
    let options = PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    // A base64url string is one of the forms the key may take.
    options.set_application_server_key(&key.into());
    let made = JsFuture::from(registration.push_manager()?.subscribe_with_options(&options)?).await?;
    let subscription: PushSubscription = made.dyn_into()?;
    let json: leptos::wasm_bindgen::JsValue = subscription.to_json()?.into();
    let keys = js_sys::Reflect::get(&json, &"keys".into())?;
    let field = |name: &str| {
        js_sys::Reflect::get(&keys, &name.into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
    };
    crate::api::call(crate::api::PushSubscribe {
        endpoint: subscription.endpoint(),
        p256dh: field("p256dh"),
        auth: field("auth"),
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}
