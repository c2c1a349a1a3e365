//! `Composer`: the message input and the Send button.
//!
//! A real form (multipart, to [`FORM_POST_PATH`]), so sending, with one file, works with
//! JavaScript off; while the wasm is still on its way, `public/early-send.js` sends text
//! without reloading the page (a reload would start the download again); once hydrated,
//! submit puts the message in the outbox and the connection sends it. Enter sends, Shift+Enter starts a new line (on a touch screen Enter is a new line
//! and the Send button sends); the input grows with its text up to a few lines.
//!
//! Once hydrated it also has an emoji picker beside the input and shortcode completions in
//! it; both insert at the caret.

use crate::ids::Seq;
use leptos::prelude::*;

use crate::attachments::FORM_POST_PATH;
use crate::chat::Pending;
use crate::chat_state::{ChatState, Command};
use crate::components::attachment_tray::{AttachmentTray, Attachments};
use crate::components::completions::{self, CompletionList, Completions, Key};
use crate::components::emoji_picker::EmojiPicker;
use crate::components::emoji_source::EmojiSource;
use crate::protocol::validate_post;
use crate::upload_tray::Tray;

#[component]
pub fn Composer(form_client_id: String) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let input = NodeRef::<leptos::html::Textarea>::new();
    let error = RwSignal::new(None::<String>);
    let attachments = expect_context::<Attachments>();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let emoji = expect_context::<EmojiSource>();
    let completions = Completions::new(emoji, chat.room.get_value());

    // Put `text` at the caret (or in place of a shortcode from `start`), then keep typing.
    let insert = move |text: &str, start: Option<u32>| {
        let Some(field) = input.get_untracked() else { return };
        #[cfg(feature = "hydrate")]
        crate::client::emoji::replace_range(&field, text, start);
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, start);
        let _ = field.focus();
    };
    let on_choose = move |index: usize| {
        if let Key::Insert { text, start, emoji: is_emoji } = completions.choose(index) {
            if is_emoji {
                emoji.used(&text);
            }
            insert(&text, Some(start));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match completions.key(&ev.key()) {
        // Escape with nothing else to close leaves a reply.
        Key::Ignored if ev.key() == "Escape" && chat.replying.with_untracked(Option::is_some) => {
            ev.prevent_default();
            chat.replying.set(None);
        }
        // Enter sends and Shift+Enter starts a new line, where there is a keyboard; on a touch
        // screen Enter is a new line and the Send button sends, as in other mobile chats.
        Key::Ignored if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && !touch_screen() => {
            ev.prevent_default();
            if let Some(form) = input.get_untracked().and_then(|field| field.form()) {
                let _ = form.request_submit();
            }
        }
        Key::Ignored => {}
        Key::Handled => ev.prevent_default(),
        Key::Insert { text, start, emoji: is_emoji } => {
            ev.prevent_default();
            if is_emoji {
                emoji.used(&text);
            }
            insert(&text, Some(start));
        }
    };

    // What is typed is kept on the server as the room's draft, for the person's other devices
    // and the next visit.
    #[cfg(feature = "hydrate")]
    let drafts = crate::client::drafts::DraftSync::new(
        chat.room.get_value(),
        None,
        chat.draft.get_value(),
        chat.replying.get_untracked().map(|quote| quote.seq),
    );
    let draft_changed = move || {
        #[cfg(feature = "hydrate")]
        if let Some(field) = input.get_untracked() {
            drafts.changed(field.value(), chat.replying.get_untracked().map(|quote| quote.seq));
        }
    };
    // Starting or leaving a reply changes the draft too.
    Effect::new(move |before: Option<Option<Seq>>| {
        let now = chat.replying.with(|quote| quote.as_ref().map(|q| q.seq));
        if before.is_some_and(|before| before != now) {
            draft_changed();
        }
        now
    });

    // Tell the room at most every few seconds while typing.
    let last_typing = StoredValue::new(f64::MIN);
    let on_input = move |_: leptos::ev::Event| {
        draft_changed();
        #[cfg(feature = "hydrate")]
        if let Some(field) = input.get_untracked() {
            completions.typed(emoji, &crate::client::emoji::before_caret(&field));
            fit_height(&field);
        }
        let now = now_ms();
        if now - last_typing.get_value() >= crate::typing::TYPING_SEND_EVERY_MS {
            last_typing.set_value(now);
            chat.command(Command::Typing);
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(field), Some(author)) = (input.get(), chat.name.get_untracked()) else { return };
        let files = match attachments.tray.with_untracked(Tray::ready) {
            Ok(files) => files,
            Err(e) => return error.set(Some(e.to_string())),
        };
        let ids: Vec<_> = files.iter().map(|a| a.id.clone()).collect();
        let body = match validate_post(&field.value(), &ids) {
            Ok(body) => body.to_owned(),
            Err(e) => return error.set(Some(e.to_string())),
        };
        error.set(None);
        attachments.tray.update(Tray::clear);
        let reply_to = chat.replying.get_untracked();
        chat.replying.set(None);
        #[cfg(feature = "hydrate")]
        crate::client::upload::sent();
        chat.outbox.update(|outbox| {
            outbox.add(Pending {
                attachments: files,
                reply_to,
                ..Pending::new(new_client_id(), chat.room.get_value(), author, body)
            })
        });
        chat.command(Command::Flush);
        completions.dismiss();
        field.set_value("");
        draft_changed();
        #[cfg(feature = "hydrate")]
        fit_height(&field);
        let _ = field.focus();
    };

    view! {
        <form
            id="composer"
            class="composer"
            method="post"
            action=FORM_POST_PATH
            enctype="multipart/form-data"
            on:submit=on_submit
        >
            <AttachmentTray/>
            {move || chat.replying.get().map(|quote| view! {
                <p class="replying" id="replying">
                    <span>"Replying to " <strong>{quote.author}</strong> ": " {quote.excerpt}</span>
                    <button type="button" class="secondary small" aria-label="Cancel reply"
                        on:click=move |_| chat.replying.set(None)>"Cancel"</button>
                </p>
            })}
            <input type="hidden" name="room" value=chat.room.get_value()/>
            <input type="hidden" name="client_id" value=form_client_id/>
            <label for="message-input" class="visually-hidden">"Message"</label>
            <textarea
                id="message-input"
                name="body"
                rows="1"
                autocomplete="off"
                placeholder="Write a message"
                aria-autocomplete="list"
                aria-controls=move || completions.is_open().then_some(completions::LIST_ID)
                aria-activedescendant=move || {
                    completions.is_open().then(|| format!("completion-{}", completions.active.get()))
                }
                node_ref=input
                on:input=on_input
                on:keydown=on_keydown
                on:blur=move |_| completions.dismiss()
                on:paste=move |ev: leptos::ev::ClipboardEvent| {
                    #[cfg(feature = "hydrate")]
                    {
                        let files = crate::client::upload::files_of(ev.clipboard_data().and_then(|d| d.files()));
                        if !files.is_empty() {
                            ev.prevent_default();
                            attachments.add(files);
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }
            >
                {chat.draft.get_value()}
            </textarea>
            <CompletionList completions on_choose/>
            <EmojiPicker on_pick=move |chosen: String| insert(&chosen, None)/>
            // Without JavaScript, a plain file field (one file, sent with the form); once the
            // page is live it is hidden and the button below opens it for any number of files.
            <label for="attach-input" class="attach-label">"Attach a file"</label>
            <input
                id="attach-input"
                class="attach-input"
                type="file"
                name="file"
                node_ref=file_input
                on:change=move |_| {
                    #[cfg(feature = "hydrate")]
                    if let Some(field) = file_input.get_untracked() {
                        attachments.add(crate::client::upload::files_of(field.files()));
                        field.set_value("");
                    }
                }
            />
            <button
                type="button"
                id="attach-button"
                class="attach-button secondary"
                aria-label="Attach files"
                title="Attach files"
                on:click=move |_| {
                    if let Some(field) = file_input.get_untracked() {
                        // One file with the plain form; any number once the page is live.
                        field.set_multiple(true);
                        field.click();
                    }
                }
            >
                "📎"
            </button>
            <button type="submit">"Send"</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
        // Until the wasm has taken the page over, it sends without reloading the page. Run
        // as soon as it is there (from the cache on a second visit), not after the whole page
        // is parsed as `defer` would: the form above is all it needs.
        <script src=crate::static_scripts::EARLY_SEND.url() async></script>
    }
}

/// Whether the main pointer is a finger (a phone or tablet without a mouse).
fn touch_screen() -> bool {
    #[cfg(feature = "hydrate")]
    {
        leptos::web_sys::window()
            .and_then(|w| w.match_media("(pointer: coarse)").ok().flatten())
            .is_some_and(|query| query.matches())
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Grow the input with its text, up to the CSS `max-height` (then it scrolls).
#[cfg(feature = "hydrate")]
fn fit_height(field: &leptos::web_sys::HtmlTextAreaElement) {
    use leptos::wasm_bindgen::JsCast;
    let style = field.unchecked_ref::<leptos::web_sys::HtmlElement>().style();
    let _ = style.set_property("height", "auto");
    let _ = style.set_property("height", &format!("{}px", field.scroll_height()));
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// A fresh `client_id` for a message typed on this page.
pub(crate) fn new_client_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        crate::client::random_id()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}
