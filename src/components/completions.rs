//! Completions in the composer, for what is being typed at the caret:
//! - a shortcode: type `:ro` and the list offers 🚀 `:rocket:` and others (from the emoji
//!   catalog, in the browser);
//! - a mention: type `@` and the list offers the room's members whose username or display name
//!   starts with what follows (asked of the server, which knows rooms of any size);
//! - a slash command: type `/` first and the list offers the commands (`crate::commands`).
//!
//! Arrows choose, Enter or Tab inserts, Escape dismisses. The message input stays focused
//! throughout (it is the combobox, the list its popup), so typing carries on as normal when no
//! completion is wanted. A `:rocket:` typed out in full needs no completion: the server
//! expands it; an `@name` typed out in full is a mention all the same.

use crate::ids::RoomName;
use leptos::prelude::*;

use crate::components::emoji_source::EmojiSource;
use crate::emoji::{COMPLETIONS_MAX, shortcode_query};
use crate::mentions::typing_mention;

/// The list's element id, for the input's `aria-controls`.
pub const LIST_ID: &str = "completions";

/// What is being completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Shortcode,
    Mention,
    Command,
}

/// One offer: what the list shows, and what choosing it inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Shown large before the label (an emoji); `None` for a person.
    pub icon: Option<String>,
    pub label: String,
    pub insert: String,
}

#[derive(Clone, Copy)]
pub struct Completions {
    /// What is being typed: where its `:` or `@` is (UTF-16 units, as the input counts), what
    /// it is, and the letters after it.
    query: RwSignal<Option<(u32, Trigger, String)>>,
    /// The members matching the mention being typed, as the server last answered.
    people: RwSignal<Vec<Offer>>,
    pub active: RwSignal<usize>,
    pub offers: Memo<Vec<Offer>>,
    room: StoredValue<String>,
}

/// What a key did to the completions.
pub enum Key {
    /// Not theirs: the input handles it as usual.
    Ignored,
    /// Moved the selection or dismissed the list.
    Handled,
    /// Insert this text in place of what was typed, starting at this UTF-16 position; `emoji`
    /// says it was an emoji (for the recently used).
    Insert { text: String, start: u32, emoji: bool },
}

impl Completions {
    pub fn new(source: EmojiSource, room: RoomName) -> Self {
        let query = RwSignal::new(None::<(u32, Trigger, String)>);
        let people = RwSignal::new(Vec::new());
        let offers = Memo::new(move |_| match query.get() {
            None => Vec::new(),
            Some((_, Trigger::Mention, _)) => people.get(),
            Some((_, Trigger::Command, prefix)) => crate::commands::completing(&prefix)
                .map(|spec| Offer {
                    icon: None,
                    label: format!("/{} {} — {}", spec.name, spec.args, spec.about),
                    insert: format!("/{} ", spec.name),
                })
                .collect(),
            Some((_, Trigger::Shortcode, prefix)) => source.catalog.with(|catalog| {
                catalog.as_ref().map_or_else(Vec::new, |catalog| {
                    catalog
                        .complete(&prefix, COMPLETIONS_MAX)
                        .into_iter()
                        .map(|(code, entry)| Offer {
                            icon: Some(entry.emoji.clone()),
                            label: format!(":{code}:"),
                            insert: entry.emoji.clone(),
                        })
                        .collect()
                })
            }),
        });
        Self { query, people, active: RwSignal::new(0), offers, room: StoredValue::new(room.into()) }
    }

    /// The input changed: look at what is before the caret.
    pub fn typed(&self, source: EmojiSource, before_caret: &str) {
        let utf16 = |at: usize| u32::try_from(before_caret[..at].encode_utf16().count()).unwrap_or(u32::MAX);
        let found = if let Some(prefix) = typing_command(before_caret) {
            Some((0, Trigger::Command, prefix.to_owned()))
        } else if let Some((start, prefix)) = shortcode_query(before_caret) {
            source.load();
            Some((utf16(start), Trigger::Shortcode, prefix.to_owned()))
        } else {
            typing_mention(before_caret).map(|prefix| {
                (utf16(before_caret.len() - prefix.len() - 1), Trigger::Mention, prefix.to_owned())
            })
        };
        if found == self.query.get_untracked() {
            return;
        }
        self.active.set(0);
        if let Some((_, Trigger::Mention, prefix)) = &found {
            self.ask_for_people(prefix.clone());
        }
        self.query.set(found);
    }

    /// Ask the server who in the room matches `prefix`; an answer to an older question is
    /// dropped.
    fn ask_for_people(&self, prefix: String) {
        let (query, people, room) = (self.query, self.people, self.room.get_value());
        leptos::task::spawn_local(async move {
            let found =
                crate::api::call(crate::api::FindMembers { room: room.into(), prefix: prefix.clone() })
                    .await
                    .unwrap_or_default();
            if query.with_untracked(|q| q.as_ref().is_some_and(|(_, _, p)| *p == prefix)) {
                people.set(
                    found
                        .into_iter()
                        .map(|m| Offer {
                            icon: None,
                            label: format!("{} @{}", m.name, m.username),
                            insert: format!("@{} ", m.username),
                        })
                        .collect(),
                );
            }
        });
    }

    pub fn is_open(&self) -> bool {
        self.offers.with(|o| !o.is_empty())
    }

    /// What the list is of, for its label.
    pub fn label(&self) -> &'static str {
        match self.query.with(|q| q.as_ref().map(|(_, trigger, _)| *trigger)) {
            Some(Trigger::Mention) => "People in this room",
            Some(Trigger::Command) => "Commands",
            _ => "Emoji suggestions",
        }
    }

    pub fn dismiss(&self) {
        self.query.set(None);
        self.people.set(Vec::new());
    }

    /// The offer at `index`, to insert.
    pub fn choose(&self, index: usize) -> Key {
        let query = self.query.get_untracked();
        let offer = self.offers.with_untracked(|o| o.get(index).cloned());
        self.dismiss();
        match (offer, query) {
            (Some(offer), Some((start, trigger, _))) => {
                Key::Insert { text: offer.insert, start, emoji: trigger == Trigger::Shortcode }
            }
            _ => Key::Handled,
        }
    }

    pub fn key(&self, key: &str) -> Key {
        let count = self.offers.with_untracked(Vec::len);
        if count == 0 {
            return Key::Ignored;
        }
        let active = self.active.get_untracked().min(count - 1);
        match key {
            "ArrowDown" => self.active.set((active + 1) % count),
            "ArrowUp" => self.active.set((active + count - 1) % count),
            "Escape" => self.dismiss(),
            "Enter" | "Tab" => return self.choose(active),
            _ => return Key::Ignored,
        }
        Key::Handled
    }
}

/// The command name being typed: the text so far is `/` and letters, nothing else.
fn typing_command(before_caret: &str) -> Option<&str> {
    let name = before_caret.strip_prefix('/')?;
    let ok = name.len() <= crate::commands::MAX_COMMAND_CHARS
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    ok.then_some(name)
}

/// The list under the composer's input.
#[component]
pub fn CompletionList(completions: Completions, #[prop(into)] on_choose: Callback<usize>) -> impl IntoView {
    view! {
        <Show when=move || completions.is_open()>
            <ul id=LIST_ID class="completions" role="listbox" aria-label=move || completions.label()>
                {move || {
                    completions
                        .offers
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, offer)| {
                            view! {
                                <li
                                    id=format!("completion-{i}")
                                    role="option"
                                    aria-selected=move || (completions.active.get() == i).to_string()
                                    // Keep focus (and the caret) in the input.
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| on_choose.run(i)
                                >
                                    {offer.icon.map(|icon| view! { <span class="completion-emoji" aria-hidden="true">{icon}</span> " " })}
                                    {offer.label}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </Show>
    }
}
