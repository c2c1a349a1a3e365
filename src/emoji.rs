//! Emoji, as both sides need them: the picker's catalog and its wire format, search and
//! shortcode completion, and whether a message is "only emoji" (shown large).
//!
//! The catalog itself comes from the `emojis` crate on the server (`server::messages::emoji_catalog`)
//! and reaches the browser only when the picker or a completion first needs it, as a compact
//! tab-separated text: the table is about 100 KB, too much to put in every first page load or
//! in the wasm. Parsing it takes a few lines here instead of a JSON deserializer.

use unicode_properties::emoji::{self, EmojiStatus, UnicodeEmoji};

/// A message of at most this many emoji (and nothing else) is shown large.
pub const JUMBO_MAX: usize = 3;
/// Letters after `:` before completions are offered.
pub const SHORTCODE_MIN_CHARS: usize = 2;
/// Completions offered at once.
pub const COMPLETIONS_MAX: usize = 8;
/// Search results shown in the picker at once.
pub const SEARCH_RESULTS_MAX: usize = 120;
/// Emoji remembered as recently used, per account.
pub const RECENT_MAX: usize = 24;
/// The five skin tones a picker offers, after the default (yellow).
pub const SKIN_TONES: [&str; 6] = ["Default", "Light", "Medium-light", "Medium", "Medium-dark", "Dark"];

/// Where the browser fetches the catalog.
pub const CATALOG_PATH: &str = "/emoji-catalog";

/// One emoji as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub emoji: String,
    /// CLDR name, lower case: "rocket", "thumbs up".
    pub name: String,
    /// GitHub shortcodes without colons: "rocket", "+1".
    pub shortcodes: Vec<String>,
    /// Index into [`Catalog::groups`].
    pub group: usize,
    /// The five skin-tone variants (light to dark), or none.
    pub tones: Vec<String>,
}

impl Entry {
    /// This emoji in skin tone `tone` (0 is the default), where it has tones.
    pub fn toned(&self, tone: usize) -> &str {
        tone.checked_sub(1).and_then(|i| self.tones.get(i)).map_or(&self.emoji, String::as_str)
    }
}

/// Every emoji, in Unicode's order, with the group names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    pub groups: Vec<String>,
    pub entries: Vec<Entry>,
}

impl Catalog {
    /// The wire form: a `G\t<name>` line opens each group, then one
    /// `E\t<emoji>\t<name>\t<shortcodes, space-separated>\t<tones, space-separated>` per emoji.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut group = usize::MAX;
        for entry in &self.entries {
            if entry.group != group {
                group = entry.group;
                out.push_str("G\t");
                out.push_str(self.groups.get(group).map_or("", String::as_str));
                out.push('\n');
            }
            out.push_str(&format!(
                "E\t{}\t{}\t{}\t{}\n",
                entry.emoji,
                entry.name,
                entry.shortcodes.join(" "),
                entry.tones.join(" ")
            ));
        }
        out
    }

    /// Read [`Catalog::to_text`]'s form. Lines it does not know are skipped, so a newer server
    /// can add kinds of line.
    pub fn parse(text: &str) -> Self {
        let mut catalog = Catalog::default();
        for line in text.lines() {
            let mut fields = line.split('\t');
            match fields.next() {
                Some("G") => catalog.groups.push(fields.next().unwrap_or_default().to_owned()),
                Some("E") => {
                    let (Some(emoji), Some(name)) = (fields.next(), fields.next()) else { continue };
                    let words = |f: Option<&str>| {
                        f.unwrap_or_default()
                            .split(' ')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    };
                    catalog.entries.push(Entry {
                        emoji: emoji.to_owned(),
                        name: name.to_owned(),
                        shortcodes: words(fields.next()),
                        tones: words(fields.next()),
                        group: catalog.groups.len().saturating_sub(1),
                    });
                }
                _ => {}
            }
        }
        catalog
    }

    /// The entries of one group, in order.
    pub fn group(&self, group: usize) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.group == group)
    }

    /// The entry for an emoji as written (any tone), if it is one.
    pub fn find(&self, emoji: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.emoji == emoji || e.tones.iter().any(|t| t == emoji))
    }

    /// Emoji whose name or shortcode matches every word of `query`: shortcodes starting with
    /// the query first, then names and shortcodes containing it.
    pub fn search(&self, query: &str, max: usize) -> Vec<&Entry> {
        let query = crate::text_case::lowercase(query.trim());
        if query.is_empty() {
            return Vec::new();
        }
        let words: Vec<&str> = query.split_whitespace().collect();
        let mut first = Vec::new();
        let mut rest = Vec::new();
        for entry in &self.entries {
            if entry.shortcodes.iter().any(|s| s.starts_with(&query)) {
                first.push(entry);
            } else if words
                .iter()
                .all(|w| entry.name.contains(w) || entry.shortcodes.iter().any(|s| s.contains(w)))
            {
                rest.push(entry);
            }
        }
        first.extend(rest);
        first.truncate(max);
        first
    }

    /// Completions for a shortcode being typed: `(shortcode, entry)`, prefix matches first.
    pub fn complete(&self, prefix: &str, max: usize) -> Vec<(&str, &Entry)> {
        let mut starts = Vec::new();
        let mut contains = Vec::new();
        for entry in &self.entries {
            for code in &entry.shortcodes {
                if code.starts_with(prefix) {
                    starts.push((code.as_str(), entry));
                } else if code.contains(prefix) {
                    contains.push((code.as_str(), entry));
                }
            }
        }
        // Shorter first among prefixes: `:ro` offers `rocket` before `rolling_on_the_floor…`.
        starts.sort_by_key(|(code, _)| code.len());
        starts.extend(contains);
        starts.truncate(max);
        starts
    }
}

/// The shortcode being typed at the end of `before_caret`: the byte offset of its `:` and the
/// letters after it, once there are [`SHORTCODE_MIN_CHARS`]. `"hi :ro"` → `(3, "ro")`; a
/// colon inside a word (`"12:30"`) starts nothing.
pub fn shortcode_query(before_caret: &str) -> Option<(usize, &str)> {
    let start = before_caret.rfind(':')?;
    let query = &before_caret[start + 1..];
    let valid = query.len() >= SHORTCODE_MIN_CHARS
        && query.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b));
    let at_word_start = before_caret[..start].chars().next_back().is_none_or(char::is_whitespace);
    (valid && at_word_start).then_some((start, query))
}

/// Whether `body` is one to [`JUMBO_MAX`] emoji and nothing but spaces: such a message is
/// shown large. Plain characters that merely may be emoji (`1`, `#`, `©`) count only when
/// written in their emoji form (with U+FE0F, a keycap or a skin tone).
pub fn is_jumbo(body: &str) -> bool {
    let mut count = 0;
    let mut chars = body.chars().filter(|c| !c.is_whitespace()).peekable();
    while let Some(first) = chars.next() {
        if !first.is_emoji_char() {
            return false;
        }
        // Whether this cluster is drawn as an emoji (not as text).
        let mut pictured = matches!(
            first.emoji_status(),
            EmojiStatus::EmojiPresentation
                | EmojiStatus::EmojiPresentationAndModifierBase
                | EmojiStatus::EmojiPresentationAndEmojiComponent
                | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
        );
        let mut flag_half = emoji::is_regional_indicator(first);
        // Everything that continues the same cluster: selectors, skin tones, keycaps, tags,
        // the other half of a flag, and whatever a zero-width joiner joins.
        while let Some(&next) = chars.peek() {
            let continues = match next {
                '\u{FE0F}' | '\u{20E3}' | '\u{1F3FB}'..='\u{1F3FF}' => {
                    pictured = true;
                    true
                }
                '\u{FE0E}' => true,
                c if emoji::is_tag_character(c) => true,
                c if emoji::is_regional_indicator(c) && flag_half => {
                    flag_half = false;
                    true
                }
                c if emoji::is_zwj(c) => {
                    chars.next();
                    // The joined emoji belongs to this cluster.
                    chars.next_if(|c| c.is_emoji_char());
                    continue;
                }
                _ => false,
            };
            if !continues {
                break;
            }
            chars.next();
        }
        if !pictured {
            return false;
        }
        count += 1;
    }
    (1..=JUMBO_MAX).contains(&count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_few_emoji_are_jumbo() {
        for yes in [
            "🚀",
            "👍🏽",
            " 🎉 🎉 ",
            "🇫🇷",
            "👨‍👩‍👧‍👦",
            "❤️",
            "1️⃣",
            "🏳️‍🌈🏴‍☠️😀",
            "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
        ] {
            assert!(is_jumbo(yes), "{yes:?} should be jumbo");
        }
        for no in ["", "  ", "hi 🚀", "🚀🚀🚀🚀", "1", "#", "©", "12", "🇫🇷🇫🇷🇫🇷🇫🇷", ":)", "🚀!"]
        {
            assert!(!is_jumbo(no), "{no:?} should not be jumbo");
        }
    }

    #[test]
    fn shortcode_query_needs_a_word_start_and_two_letters() {
        assert_eq!(shortcode_query("hi :ro"), Some((3, "ro")));
        assert_eq!(shortcode_query(":+1"), Some((0, "+1")));
        assert_eq!(shortcode_query(":r"), None);
        assert_eq!(shortcode_query("12:30"), None);
        assert_eq!(shortcode_query("hi :Ro"), None);
        assert_eq!(shortcode_query(":rocket: "), None);
        assert_eq!(shortcode_query("no colon"), None);
    }

    fn sample() -> Catalog {
        let entry = |emoji: &str, name: &str, codes: &[&str], group: usize, tones: &[&str]| Entry {
            emoji: emoji.into(),
            name: name.into(),
            shortcodes: codes.iter().map(|s| s.to_string()).collect(),
            group,
            tones: tones.iter().map(|s| s.to_string()).collect(),
        };
        Catalog {
            groups: vec!["Smileys & Emotion".into(), "Travel & Places".into()],
            entries: vec![
                entry("😀", "grinning face", &["grinning"], 0, &[]),
                entry(
                    "🤣",
                    "rolling on the floor laughing",
                    &["rofl", "rolling_on_the_floor_laughing"],
                    0,
                    &[],
                ),
                entry("👋", "waving hand", &["wave"], 0, &["👋🏻", "👋🏼", "👋🏽", "👋🏾", "👋🏿"]),
                entry("🚀", "rocket", &["rocket"], 1, &[]),
                entry("🛸", "flying saucer", &["flying_saucer"], 1, &[]),
            ],
        }
    }

    #[test]
    fn the_text_form_round_trips() {
        let catalog = sample();
        assert_eq!(Catalog::parse(&catalog.to_text()), catalog);
        assert_eq!(Catalog::parse("X\tfuture\nG\tA\nE\t😀\tgrinning face\t\t\n").entries.len(), 1);
    }

    #[test]
    fn search_and_completion_put_prefixes_first() {
        let catalog = sample();
        let found: Vec<&str> = catalog.search("ro", 10).iter().map(|e| e.emoji.as_str()).collect();
        assert_eq!(found, ["🤣", "🚀"]);
        let found: Vec<&str> = catalog.search("Flying SAUCER", 10).iter().map(|e| e.emoji.as_str()).collect();
        assert_eq!(found, ["🛸"]);
        let codes: Vec<&str> = catalog.complete("ro", 10).iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, ["rofl", "rocket", "rolling_on_the_floor_laughing"]);
        assert_eq!(catalog.complete("ro", 1).len(), 1);
        assert!(catalog.search("  ", 10).is_empty());
    }

    #[test]
    fn tones_pick_a_variant_where_there_is_one() {
        let catalog = sample();
        let wave = catalog.find("👋🏽").expect("a toned variant is found");
        assert_eq!(wave.toned(0), "👋");
        assert_eq!(wave.toned(5), "👋🏿");
        assert_eq!(catalog.find("🚀").map(|e| e.toned(3)), Some("🚀"));
        assert_eq!(wave.toned(9), "👋");
    }
}
