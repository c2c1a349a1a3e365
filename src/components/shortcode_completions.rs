//! Shortcode completions in the composer: type `:ro` and a list offers 🚀 `:rocket:` and
//! others; arrows choose, Enter or Tab inserts the emoji, Escape dismisses.
//!
//! The message input stays focused throughout (it is the combobox, the list its popup), so
//! typing carries on as normal when no completion is wanted. A `:rocket:` typed out in full
//! needs no completion: the server expands it.

use leptos::prelude::*;

use crate::components::emoji_source::EmojiSource;
use crate::emoji::{COMPLETIONS_MAX, shortcode_query};

/// The list's element id, for the input's `aria-controls`.
pub const LIST_ID: &str = "shortcode-completions";

/// One offer: the shortcode and its emoji.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub shortcode: String,
    pub emoji: String,
}

#[derive(Clone, Copy)]
pub struct Completions {
    /// The shortcode being typed: where its `:` is (UTF-16 units, as the input counts) and the
    /// letters after it.
    query: RwSignal<Option<(u32, String)>>,
    pub active: RwSignal<usize>,
    pub offers: Memo<Vec<Offer>>,
}

/// What a key did to the completions.
pub enum Key {
    /// Not theirs: the input handles it as usual.
    Ignored,
    /// Moved the selection or dismissed the list.
    Handled,
    /// Insert this emoji in place of the shortcode, starting at this UTF-16 position.
    Insert { emoji: String, start: u32 },
}

impl Completions {
    pub fn new(source: EmojiSource) -> Self {
        let query = RwSignal::new(None::<(u32, String)>);
        let offers = Memo::new(move |_| {
            let Some((_, prefix)) = query.get() else { return Vec::new() };
            source.catalog.with(|catalog| {
                catalog.as_ref().map_or_else(Vec::new, |catalog| {
                    catalog
                        .complete(&prefix, COMPLETIONS_MAX)
                        .into_iter()
                        .map(|(code, entry)| Offer { shortcode: code.to_owned(), emoji: entry.emoji.clone() })
                        .collect()
                })
            })
        });
        Self { query, active: RwSignal::new(0), offers }
    }

    /// The input changed: look at what is before the caret.
    pub fn typed(&self, source: EmojiSource, before_caret: &str) {
        let found = shortcode_query(before_caret).map(|(start, prefix)| {
            let start = before_caret[..start].encode_utf16().count();
            (u32::try_from(start).unwrap_or(u32::MAX), prefix.to_owned())
        });
        if found.is_some() {
            source.load();
        }
        if found != self.query.get_untracked() {
            self.active.set(0);
            self.query.set(found);
        }
    }

    pub fn is_open(&self) -> bool {
        self.offers.with(|o| !o.is_empty())
    }

    pub fn dismiss(&self) {
        self.query.set(None);
    }

    /// The offer at `index`, to insert.
    pub fn choose(&self, index: usize) -> Key {
        let start = self.query.get_untracked().map(|(start, _)| start);
        let offer = self.offers.with_untracked(|o| o.get(index).cloned());
        self.dismiss();
        match (offer, start) {
            (Some(offer), Some(start)) => Key::Insert { emoji: offer.emoji, start },
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

/// The list under the composer's input.
#[component]
pub fn CompletionList(completions: Completions, #[prop(into)] on_choose: Callback<usize>) -> impl IntoView {
    view! {
        <Show when=move || completions.is_open()>
            <ul id=LIST_ID class="completions" role="listbox" aria-label="Emoji suggestions">
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
                                    <span class="completion-emoji" aria-hidden="true">{offer.emoji}</span>
                                    " :" {offer.shortcode} ":"
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </Show>
    }
}
