//! What a page says about itself for a preview card: its OpenGraph (`og:*`) and Twitter card
//! (`twitter:*`) tags, else its `<title>` and `<meta name="description">`.
//!
//! Read with html5ever's tokenizer (the parser the Markdown sanitizer already uses), token by
//! token, up to the end of `<head>`: no tree is built and nothing past the head is looked at.
//! Every field is cut to a length a card can show, on one line.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};

/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 300;
/// Longest site name kept, in characters.
pub const MAX_SITE_CHARS: usize = 100;
/// Longest image URL kept, in bytes.
pub const MAX_IMAGE_URL_BYTES: usize = 2_048;

/// A page's own description of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    pub site_name: String,
    /// As written in the page (maybe relative to it).
    pub image: String,
}

impl PageMeta {
    /// Whether there is anything to show.
    pub fn is_empty(&self) -> bool {
        self.title.is_empty() && self.description.is_empty()
    }
}

/// What the tokens said, kept as they come.
#[derive(Default)]
struct Found {
    og: PageMeta,
    twitter: PageMeta,
    title: String,
    description: String,
    in_title: bool,
    done: bool,
}

struct Sink(RefCell<Found>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut found = self.0.borrow_mut();
        if found.done {
            return TokenSinkResult::Continue;
        }
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                match (tag.kind, name) {
                    (TagKind::StartTag, "title") => found.in_title = true,
                    (TagKind::EndTag, "title") => found.in_title = false,
                    (TagKind::EndTag, "head") | (TagKind::StartTag, "body") => found.done = true,
                    (TagKind::StartTag, "meta") => {
                        let attr = |wanted: &str| {
                            tag.attrs.iter().find(|a| &*a.name.local == wanted).map(|a| a.value.to_string())
                        };
                        let key = attr("property")
                            .or_else(|| attr("name"))
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        let content = attr("content").unwrap_or_default();
                        let slot = match key.as_str() {
                            "og:title" => &mut found.og.title,
                            "og:description" => &mut found.og.description,
                            "og:site_name" => &mut found.og.site_name,
                            "og:image" | "og:image:url" | "og:image:secure_url" => &mut found.og.image,
                            "twitter:title" => &mut found.twitter.title,
                            "twitter:description" => &mut found.twitter.description,
                            "twitter:image" | "twitter:image:src" => &mut found.twitter.image,
                            "description" => &mut found.description,
                            _ => return TokenSinkResult::Continue,
                        };
                        if slot.is_empty() {
                            *slot = content;
                        }
                    }
                    _ => {}
                }
            }
            Token::CharacterTokens(text) if found.in_title && found.title.len() < MAX_TITLE_CHARS * 4 => {
                found.title.push_str(&text);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Read `html` (the start of a page, maybe cut short) for its preview.
pub fn read(html: &str) -> PageMeta {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Sink(RefCell::new(Found::default())), Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let found = tokenizer.sink.0.into_inner();
    let pick = |a: &str, b: &str, c: &str| {
        [a, b, c].into_iter().map(str::trim).find(|text| !text.is_empty()).unwrap_or_default().to_owned()
    };
    let image = pick(&found.og.image, &found.twitter.image, "");
    PageMeta {
        title: one_line(&pick(&found.og.title, &found.twitter.title, &found.title), MAX_TITLE_CHARS),
        description: one_line(
            &pick(&found.og.description, &found.twitter.description, &found.description),
            MAX_DESCRIPTION_CHARS,
        ),
        site_name: one_line(&found.og.site_name, MAX_SITE_CHARS),
        image: if image.len() <= MAX_IMAGE_URL_BYTES { image } else { String::new() },
    }
}

/// `text` on one line, its runs of spaces as one, control characters gone, at most `max`
/// characters (an ellipsis when cut).
fn one_line(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line: String = words.join(" ").chars().filter(|c| !c.is_control()).collect();
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opengraph_first_then_twitter_then_the_page_itself() {
        let page = r#"<!doctype html><html><head>
            <title>  The   page
            title </title>
            <meta name="description" content="plain description">
            <meta name="twitter:title" content="Twitter title">
            <meta property="og:title" content="OG title">
            <meta property="og:site_name" content="Example">
            <meta property="og:image" content="/img/card.png">
            </head><body><meta property="og:description" content="too late"></body></html>"#;
        assert_eq!(
            read(page),
            PageMeta {
                title: "OG title".into(),
                description: "plain description".into(),
                site_name: "Example".into(),
                image: "/img/card.png".into(),
            }
        );
        let bare = read("<html><head><title>Only\n a title</title></head>");
        assert_eq!(
            (bare.title.as_str(), bare.description.as_str(), bare.is_empty()),
            ("Only a title", "", false)
        );
        assert!(read("<html><body>no head at all").is_empty());
    }

    #[test]
    fn fields_are_one_short_line_and_a_cut_page_still_reads() {
        let long = format!(r#"<meta property="og:title" content="{}">"#, "word ".repeat(100));
        let meta = read(&long);
        assert_eq!(meta.title.chars().count(), MAX_TITLE_CHARS);
        assert!(meta.title.ends_with('…'));
        let cut = read(r#"<head><meta property="og:title" content="Half"><meta property="og:desc"#);
        assert_eq!(cut.title, "Half");
    }
}
