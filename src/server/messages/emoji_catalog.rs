//! The emoji catalog from the `emojis` crate: served to the picker at [`CATALOG_PATH`], and
//! used to turn `:rocket:` into 🚀 in messages as they are posted.
//!
//! Shortcodes are expanded on the server, once, so every client (a browser, a bot, the form
//! without JavaScript) and the stored history agree on the text, and the wasm carries no table.

use std::borrow::Cow;
use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;

#[cfg(doc)]
use crate::emoji::CATALOG_PATH;
use crate::emoji::{Catalog, Entry};
use crate::protocol::MAX_BODY_CHARS;

/// How long browsers may keep the catalog: it changes only with a new server version.
const CATALOG_MAX_AGE_SECS: u32 = 24 * 60 * 60;

/// The catalog's text, built once.
static CATALOG_TEXT: LazyLock<String> = LazyLock::new(|| catalog().to_text());

/// Every emoji in the `emojis` crate's order (CLDR's), default tones only, each with its
/// five single-tone variants where it has them.
pub fn catalog() -> Catalog {
    let groups: Vec<emojis::Group> = emojis::Group::iter().collect();
    let entries = emojis::iter()
        .map(|emoji| Entry {
            emoji: emoji.as_str().to_owned(),
            name: emoji.name().to_owned(),
            shortcodes: emoji.shortcodes().map(str::to_owned).collect(),
            group: groups.iter().position(|g| *g == emoji.group()).unwrap_or(0),
            tones: single_tones(emoji),
        })
        .collect();
    Catalog { groups: groups.into_iter().map(group_name).map(str::to_owned).collect(), entries }
}

fn single_tones(emoji: &emojis::Emoji) -> Vec<String> {
    use emojis::SkinTone::{Dark, Light, Medium, MediumDark, MediumLight};
    [Light, MediumLight, Medium, MediumDark, Dark]
        .into_iter()
        .filter_map(|tone| emoji.with_skin_tone(tone))
        .map(|e| e.as_str().to_owned())
        .collect()
}

fn group_name(group: emojis::Group) -> &'static str {
    use emojis::Group::*;
    match group {
        SmileysAndEmotion => "Smileys & Emotion",
        PeopleAndBody => "People & Body",
        AnimalsAndNature => "Animals & Nature",
        FoodAndDrink => "Food & Drink",
        TravelAndPlaces => "Travel & Places",
        Activities => "Activities",
        Objects => "Objects",
        Symbols => "Symbols",
        Flags => "Flags",
    }
}

/// `GET` [`CATALOG_PATH`]: the catalog as text, cacheable by anyone (it holds nothing private).
pub async fn serve() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, format!("public, max-age={CATALOG_MAX_AGE_SECS}")),
        ],
        CATALOG_TEXT.as_str(),
    )
}

/// Whether `text` is exactly one emoji of the catalog (any skin tone): what a reaction may be.
pub fn is_one_emoji(text: &str) -> bool {
    emojis::get(text).is_some()
}

/// `body` with every known `:shortcode:` replaced by its emoji. Unknown ones (`:notathing:`)
/// and colons in times (`12:30:45`) stay as written. Never makes a body longer than
/// [`MAX_BODY_CHARS`]: if it would, the body is kept as written.
pub fn expand_shortcodes(body: &str) -> Cow<'_, str> {
    if !body.contains(':') {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    let mut changed = false;
    while let Some(open) = rest.find(':') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let code_len = after
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(b))
            .count();
        let emoji = (after.as_bytes().get(code_len) == Some(&b':'))
            .then(|| emojis::get_by_shortcode(&after[..code_len]))
            .flatten();
        match emoji {
            Some(emoji) => {
                out.push_str(emoji.as_str());
                rest = &after[code_len + 1..];
                changed = true;
            }
            None => {
                out.push(':');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if !changed || out.chars().count() > MAX_BODY_CHARS {
        return Cow::Borrowed(body);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_shortcodes_become_emoji() {
        assert_eq!(expand_shortcodes("to the moon :rocket:!"), "to the moon 🚀!");
        assert_eq!(expand_shortcodes(":+1::tada:"), "👍🎉");
        assert_eq!(expand_shortcodes("at 12:30:45 :notathing: :Rocket:"), "at 12:30:45 :notathing: :Rocket:");
        assert_eq!(expand_shortcodes("::rocket:: :"), ":🚀: :");
        assert!(matches!(expand_shortcodes("plain"), Cow::Borrowed(_)));
        assert!(is_one_emoji("👍") && is_one_emoji("👍🏽") && is_one_emoji("❤️"));
        assert!(!is_one_emoji("👍👍") && !is_one_emoji("+1") && !is_one_emoji(""));
    }

    #[test]
    fn the_catalog_has_groups_names_shortcodes_and_tones() {
        let catalog = catalog();
        assert_eq!(catalog.groups.len(), 9);
        assert!(catalog.entries.len() > 1_500, "{} emoji", catalog.entries.len());
        let rocket = catalog.find("🚀").expect("rocket");
        assert_eq!(rocket.name, "rocket");
        assert!(rocket.shortcodes.contains(&"rocket".to_owned()));
        assert_eq!(catalog.groups[rocket.group], "Travel & Places");
        let wave = catalog.find("👋").expect("waving hand");
        assert_eq!(wave.tones.len(), 5);
        assert_eq!(wave.toned(3), "👋🏽");
        // What the browser reads is what the server built.
        assert_eq!(Catalog::parse(&catalog.to_text()), catalog);
    }
}
