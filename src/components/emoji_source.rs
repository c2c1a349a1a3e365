//! `EmojiSource`: the emoji catalog as the picker and the composer's completions see it.
//!
//! Nothing is fetched until one of them first needs it (the picker opens, or `:` and two
//! letters are typed): the first page load carries no emoji table. Recently used emoji and the
//! skin tone are the person's own, kept in this browser under their account.

use crate::ids::Username;
use std::sync::Arc;

use leptos::prelude::*;

use crate::emoji::{Catalog, RECENT_MAX};

#[derive(Clone, Copy)]
pub struct EmojiSource {
    /// The catalog once fetched.
    pub catalog: RwSignal<Option<Arc<Catalog>>>,
    /// Why the last fetch failed.
    pub error: RwSignal<Option<String>>,
    /// Most recent first.
    pub recent: RwSignal<Vec<String>>,
    /// 0 is the default tone, 1–5 light to dark.
    pub tone: RwSignal<usize>,
    loading: StoredValue<bool>,
    /// Whose recent emoji: read only by the browser's storage.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    username: StoredValue<String>,
}

impl EmojiSource {
    pub fn new(username: Username) -> Self {
        let source = Self {
            catalog: RwSignal::new(None),
            error: RwSignal::new(None),
            recent: RwSignal::new(Vec::new()),
            tone: RwSignal::new(0),
            loading: StoredValue::new(false),
            username: StoredValue::new(username.into()),
        };
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            source.recent.set(crate::client::emoji::load_recent(&source.username.get_value()));
            source.tone.set(crate::client::emoji::load_tone());
        });
        source
    }

    /// Start fetching the catalog unless it is here or on its way.
    pub fn load(&self) {
        if self.catalog.with_untracked(Option::is_some) || self.loading.get_value() {
            return;
        }
        self.loading.set_value(true);
        self.error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let source = *self;
            leptos::task::spawn_local(async move {
                match crate::client::emoji::fetch_catalog().await {
                    Ok(catalog) => source.catalog.set(Some(Arc::new(catalog))),
                    Err(error) => source.error.set(Some(error)),
                }
                source.loading.set_value(false);
            });
        }
    }

    /// The person used `emoji`: it goes to the front of their recent ones.
    pub fn used(&self, emoji: &str) {
        self.recent.update(|recent| {
            recent.retain(|e| e != emoji);
            recent.insert(0, emoji.to_owned());
            recent.truncate(RECENT_MAX);
        });
        #[cfg(feature = "hydrate")]
        self.recent
            .with_untracked(|recent| crate::client::emoji::save_recent(&self.username.get_value(), recent));
    }

    pub fn set_tone(&self, tone: usize) {
        self.tone.set(tone);
        #[cfg(feature = "hydrate")]
        crate::client::emoji::save_tone(tone);
    }
}
