//! `EmojiPicker`: the button beside the composer and the panel it opens.
//!
//! Keyboard first: focus lands in the search field, which is a combobox over the grid (arrows
//! move through the emoji, Enter picks, Escape closes and returns to the button), so the
//! picker needs no focus juggling between hundreds of cells. Categories, recently used and the
//! skin tone are ordinary buttons and a select, reachable with Tab.

use leptos::prelude::*;

use crate::components::emoji_source::EmojiSource;
use crate::emoji::{SEARCH_RESULTS_MAX, SKIN_TONES};

/// Emoji per row of the grid; ArrowUp/ArrowDown move by this much. The CSS grid uses it too.
const COLUMNS: usize = 8;

/// Which emoji the grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Recent,
    Group(usize),
}

#[component]
pub fn EmojiPicker(
    #[prop(into)] on_pick: Callback<String>,
    /// Prefix of every id inside (several pickers may share a page): `emoji` for the composer's.
    #[prop(default = "emoji".to_owned())]
    ids: String,
    /// The button's accessible name.
    #[prop(default = "Emoji")]
    label: &'static str,
    /// The button's face: an icon; without one, a smiling face.
    #[prop(optional, into)]
    face: Option<ViewFn>,
) -> impl IntoView {
    let ids = StoredValue::new(ids);
    let id = move |part: &str| format!("{}-{part}", ids.get_value());
    let source = expect_context::<EmojiSource>();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let view = RwSignal::new(View::Group(0));
    let active = RwSignal::new(0_usize);
    let button = NodeRef::<leptos::html::Button>::new();
    let search = NodeRef::<leptos::html::Input>::new();
    let grid = NodeRef::<leptos::html::Div>::new();

    // (emoji as it will be inserted, its name) for what the grid shows now.
    let shown = Memo::new(move |_| {
        let tone = source.tone.get();
        source.catalog.with(|catalog| {
            let Some(catalog) = catalog else { return Vec::new() };
            let named = |entry: &crate::emoji::Entry| (entry.toned(tone).to_owned(), entry.name.clone());
            let query = query.get();
            if !query.trim().is_empty() {
                return catalog.search(&query, SEARCH_RESULTS_MAX).into_iter().map(named).collect();
            }
            match view.get() {
                View::Recent => source.recent.with(|recent| {
                    recent
                        .iter()
                        .map(|e| {
                            (e.clone(), catalog.find(e).map(|entry| entry.name.clone()).unwrap_or_default())
                        })
                        .collect()
                }),
                View::Group(group) => catalog.group(group).map(named).collect::<Vec<_>>(),
            }
        })
    });
    let heading = move || {
        if !query.with(|q| q.trim().is_empty()) {
            return "Search results".to_owned();
        }
        match view.get() {
            View::Recent => "Recently used".to_owned(),
            View::Group(group) => source
                .catalog
                .with(|c| c.as_ref().and_then(|c| c.groups.get(group).cloned()))
                .unwrap_or_default(),
        }
    };

    let close = move |refocus: bool| {
        open.set(false);
        query.set(String::new());
        if refocus && let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };
    let pick = move |emoji: String| {
        source.used(&emoji);
        close(false);
        on_pick.run(emoji);
    };
    let toggle = move |_| {
        if open.get_untracked() {
            return close(true);
        }
        source.load();
        view.set(if source.recent.with_untracked(Vec::is_empty) { View::Group(0) } else { View::Recent });
        active.set(0);
        open.set(true);
        request_animation_frame(move || {
            if let Some(search) = search.get_untracked() {
                let _ = search.focus();
            }
        });
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = shown.with_untracked(Vec::len);
        let current = active.get_untracked().min(count.saturating_sub(1));
        let target = match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                return close(true);
            }
            "Enter" => {
                ev.prevent_default();
                if let Some((emoji, _)) = shown.with_untracked(|s| s.get(current).cloned()) {
                    pick(emoji);
                }
                return;
            }
            "ArrowRight" => current + 1,
            "ArrowLeft" => current.saturating_sub(1),
            "ArrowDown" => current + COLUMNS,
            "ArrowUp" => current.saturating_sub(COLUMNS),
            _ => return,
        };
        ev.prevent_default();
        let target = target.min(count.saturating_sub(1));
        active.set(target);
        reveal(grid, &id(&format!("option-{target}")));
    };

    // Closing when focus leaves the picker altogether (a click elsewhere, Tab past the end).
    let wrapper = NodeRef::<leptos::html::Div>::new();
    let on_focusout = move |ev: leptos::ev::FocusEvent| {
        use leptos::wasm_bindgen::JsCast;
        let next = ev.related_target().and_then(|t| t.dyn_into::<leptos::web_sys::Node>().ok());
        let inside = wrapper.get_untracked().is_some_and(|w| w.contains(next.as_ref()));
        if next.is_some() && !inside {
            close(false);
        }
    };

    view! {
        <div class="emoji-picker-wrap" node_ref=wrapper on:focusout=on_focusout>
            <button
                id=id("button")
                class="emoji-button secondary"
                type="button"
                aria-label=label
                title=label
                aria-haspopup="dialog"
                aria-expanded=move || open.get().to_string()
                node_ref=button
                on:click=toggle
            >
                {face.map_or_else(|| "😊".into_any(), |face| face.run())}
            </button>
            <Show when=move || open.get()>
                <div id=id("picker") class="emoji-picker" role="dialog" aria-label="Emoji picker" on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        ev.stop_propagation();
                        close(true);
                    }
                }>
                    <div class="emoji-tools">
                        <input
                            id=id("search")
                            type="search"
                            placeholder="Search emoji"
                            aria-label="Search emoji"
                            autocomplete="off"
                            role="combobox"
                            aria-expanded="true"
                            aria-autocomplete="list"
                            aria-controls=id("grid")
                            aria-activedescendant=move || {
                                (active.get() < shown.with(Vec::len)).then(|| id(&format!("option-{}", active.get())))
                            }
                            node_ref=search
                            prop:value=move || query.get()
                            on:input=move |ev| {
                                query.set(event_target_value(&ev));
                                active.set(0);
                            }
                            on:keydown=on_keydown
                        />
                        <label class="visually-hidden" for=id("tone")>"Skin tone"</label>
                        <select
                            id=id("tone")
                            on:change=move |ev| source.set_tone(event_target_value(&ev).parse().unwrap_or(0))
                        >
                            {SKIN_TONES
                                .iter()
                                .enumerate()
                                .map(|(i, name)| {
                                    view! {
                                        <option value=i.to_string() selected=move || source.tone.get() == i>
                                            {*name}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="emoji-groups" role="group" aria-label="Categories">
                        <Show when=move || source.recent.with(|r| !r.is_empty())>
                            <GroupButton label="Recently used".to_owned() icon="🕘".to_owned() target=View::Recent view active query/>
                        </Show>
                        {move || {
                            source
                                .catalog
                                .with(|catalog| {
                                    let Some(catalog) = catalog else { return Vec::new() };
                                    catalog
                                        .groups
                                        .iter()
                                        .enumerate()
                                        .map(|(i, name)| {
                                            let icon = catalog.group(i).next().map(|e| e.emoji.clone()).unwrap_or_default();
                                            view! { <GroupButton label=name.clone() icon target=View::Group(i) view active query/> }
                                        })
                                        .collect::<Vec<_>>()
                                })
                        }}
                    </div>
                    <p class="emoji-heading" id=id("heading")>{heading}</p>
                    <div id=id("grid") class="emoji-grid" role="listbox" aria-labelledby=id("heading") node_ref=grid>
                        {move || {
                            shown
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, (emoji, name))| {
                                    let chosen = emoji.clone();
                                    view! {
                                        <div
                                            id=id(&format!("option-{i}"))
                                            class="emoji-option"
                                            role="option"
                                            title=name.clone()
                                            aria-label=name
                                            aria-selected=move || (active.get() == i).to_string()
                                            // Keep focus in the search field.
                                            on:mousedown=|ev| ev.prevent_default()
                                            on:click=move |_| pick(chosen.clone())
                                        >
                                            {emoji}
                                        </div>
                                    }
                                })
                                .collect_view()
                        }}
                    </div>
                    {move || {
                        if let Some(error) = source.error.get() {
                            view! {
                                <p class="form-error" role="alert">
                                    "Could not load emoji: " {error} " "
                                    <button type="button" class="secondary" on:click=move |_| source.load()>"Retry"</button>
                                </p>
                            }
                                .into_any()
                        } else if source.catalog.with(Option::is_none) {
                            view! { <p class="muted" role="status">"Loading emoji…"</p> }.into_any()
                        } else if shown.with(Vec::is_empty) {
                            view! { <p class="muted" role="status">"No emoji found"</p> }.into_any()
                        } else {
                            ().into_any()
                        }
                    }}
                </div>
            </Show>
        </div>
    }
}

/// One category button: shows its group and clears the search.
#[component]
fn GroupButton(
    label: String,
    icon: String,
    target: View,
    view: RwSignal<View>,
    active: RwSignal<usize>,
    query: RwSignal<String>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="emoji-group"
            title=label.clone()
            aria-label=label
            aria-pressed=move || (view.get() == target && query.with(String::is_empty)).to_string()
            on:click=move |_| {
                view.set(target);
                query.set(String::new());
                active.set(0);
            }
        >
            {icon}
        </button>
    }
}

/// Scroll option `index` into view within the grid.
fn reveal(grid: NodeRef<leptos::html::Div>, option_id: &str) {
    #[cfg(not(feature = "hydrate"))]
    let _ = (grid, option_id);
    #[cfg(feature = "hydrate")]
    reveal_in_browser(grid, option_id);
}

#[cfg(feature = "hydrate")]
fn reveal_in_browser(grid: NodeRef<leptos::html::Div>, option_id: &str) {
    let Some(grid) = grid.get_untracked() else { return };
    let Ok(Some(option)) = grid.query_selector(&format!("#{option_id}")) else { return };
    let options = leptos::web_sys::ScrollIntoViewOptions::new();
    options.set_block(leptos::web_sys::ScrollLogicalPosition::Nearest);
    option.scroll_into_view_with_scroll_into_view_options(&options);
}
