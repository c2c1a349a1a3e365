//! A message's text as HTML: a small, safe Markdown subset, rendered once on the server.
//!
//! Bold, italic, strikethrough, inline code, code blocks, quotes, lists and links, with bare
//! URLs made links too; a single line break stays a line break, as people type in a chat.
//! Rendered when a message is posted and stored beside its text, so no browser carries a
//! Markdown engine and every client shows the same thing.
//!
//! Safety is in two layers. Raw HTML in a message is turned into text before rendering (so
//! `<img src=x onerror=…>` shows as typed), images become links, headings become paragraphs;
//! then the HTML goes through an allow-list sanitiser (`ammonia`) that keeps only the tags
//! above, only `http`, `https` and `mailto` links, and gives every link
//! `rel="noopener noreferrer nofollow"` and `target="_blank"`.
//!
//! Mentions of members (`@ann`) are marked `<span class="mention">`, outside links and code;
//! the caller says which names are members (`server::messages::mentions::prepare`).

use crate::ids::Username;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Tags a rendered message may contain.
const TAGS: [&str; 13] =
    ["p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"];
/// Link schemes kept; any other link loses its `href`.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from(TAGS))
        .allowed_classes(HashMap::from([("span", HashSet::from(["mention"]))]))
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"])), ("ol", HashSet::from(["start"]))]))
        .url_schemes(HashSet::from(SCHEMES))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank");
    builder
});

static LINKS: LazyLock<linkify::LinkFinder> = LazyLock::new(linkify::LinkFinder::new);

/// The HTML for a message body (already validated and trimmed); empty when the body is plain
/// text with nothing to format, which is most messages: they then go out as text alone,
/// without a second copy of it in every frame.
pub fn render(body: &str, mentions: &[Username]) -> String {
    let html = render_html(body, mentions);
    if html == plain_paragraph(body) { String::new() } else { html.trim_end().to_owned() }
}

/// The first `http`/`https` link of a rendered message ([`render`]'s output): what its link
/// preview is of. Links in code are text there, so they are never taken; `mailto:` is skipped.
pub fn first_web_link(html: &str) -> Option<String> {
    const OPEN: &str = "<a href=\"";
    html.match_indices(OPEN).find_map(|(at, _)| {
        let rest = &html[at + OPEN.len()..];
        let href =
            rest[..rest.find('"')?].replace("&quot;", "\"").replace("&nbsp;", "\u{a0}").replace("&amp;", "&");
        (href.starts_with("https://") || href.starts_with("http://")).then_some(href)
    })
}

/// What the renderer makes of text with nothing to format: one paragraph of it, escaped.
fn plain_paragraph(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 8);
    out.push_str("<p>");
    for c in body.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out.push_str("</p>\n");
    out
}

fn render_html(body: &str, mentions: &[Username]) -> String {
    let mut events = Vec::new();
    let mut in_link_or_code = 0usize;
    for event in Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH) {
        match event {
            // Typed HTML is text: a block of it, a paragraph with its lines.
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => {
                if matches!(events.last(), Some(Event::HardBreak)) {
                    events.pop();
                }
                events.push(Event::End(TagEnd::Paragraph));
            }
            Event::Html(html) => {
                events.push(Event::Text(CowStr::from(html.trim_end_matches('\n').to_owned())));
                events.push(Event::HardBreak);
            }
            Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::SoftBreak => events.push(Event::HardBreak),
            Event::Start(Tag::Heading { .. }) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::Heading(_)) => events.push(Event::End(TagEnd::Paragraph)),
            // An image in a chat message is a link to it, with its alt text.
            Event::Start(Tag::Image { dest_url, title, id, .. }) => {
                in_link_or_code += 1;
                events.push(Event::Start(Tag::Link { link_type: LinkType::Inline, dest_url, title, id }));
            }
            Event::End(TagEnd::Image) => {
                in_link_or_code = in_link_or_code.saturating_sub(1);
                events.push(Event::End(TagEnd::Link));
            }
            event @ (Event::Start(Tag::Link { .. }) | Event::Start(Tag::CodeBlock(_))) => {
                in_link_or_code += 1;
                events.push(event);
            }
            event @ (Event::End(TagEnd::Link) | Event::End(TagEnd::CodeBlock)) => {
                in_link_or_code = in_link_or_code.saturating_sub(1);
                events.push(event);
            }
            Event::Text(text) if in_link_or_code == 0 => linkify(text, mentions, &mut events),
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    SANITIZER.clean(&html).to_string()
}

/// `text` with its bare URLs and e-mail addresses as links, and its mentions marked.
fn linkify<'a>(text: CowStr<'a>, mentions: &[Username], events: &mut Vec<Event<'a>>) {
    let mut found = LINKS.links(&text).peekable();
    if found.peek().is_none() {
        mark_mentions(text, mentions, events);
        return;
    }
    let mut last = 0;
    for link in found {
        if link.start() > last {
            mark_mentions(CowStr::from(text[last..link.start()].to_owned()), mentions, events);
        }
        let target = match link.kind() {
            linkify::LinkKind::Email => format!("mailto:{}", link.as_str()),
            _ => link.as_str().to_owned(),
        };
        let tag = Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: CowStr::from(target),
            title: CowStr::from(""),
            id: CowStr::from(""),
        };
        events.push(Event::Start(tag));
        events.push(Event::Text(CowStr::from(link.as_str().to_owned())));
        events.push(Event::End(TagEnd::Link));
        last = link.end();
    }
    if last < text.len() {
        mark_mentions(CowStr::from(text[last..].to_owned()), mentions, events);
    }
}

/// `text` with each `@name` of `mentions` in a mention span.
fn mark_mentions<'a>(text: CowStr<'a>, mentions: &[Username], events: &mut Vec<Event<'a>>) {
    let spans: Vec<(usize, usize)> = if mentions.is_empty() {
        Vec::new()
    } else {
        crate::mentions::mention_spans(&text)
            .into_iter()
            .filter(|(_, name)| mentions.iter().any(|m| m.eq_ignore_ascii_case(name)))
            .map(|(at, name)| (at, at + 1 + name.len()))
            .collect()
    };
    if spans.is_empty() {
        events.push(Event::Text(text));
        return;
    }
    let mut last = 0;
    for (start, end) in spans {
        if start > last {
            events.push(Event::Text(CowStr::from(text[last..start].to_owned())));
        }
        events.push(Event::InlineHtml(CowStr::from("<span class=\"mention\">")));
        events.push(Event::Text(CowStr::from(text[start..end].to_owned())));
        events.push(Event::InlineHtml(CowStr::from("</span>")));
        last = end;
    }
    if last < text.len() {
        events.push(Event::Text(CowStr::from(text[last..].to_owned())));
    }
}

#[cfg(test)]
mod tests {
    use super::{Username, render, render_html};

    #[test]
    fn mentions_of_members_are_marked_outside_links_and_code() {
        let members = [Username::from("ann")];
        assert_eq!(
            render("hi @Ann and @bob, `@ann` [@ann](https://x.org)", &members),
            "<p>hi <span class=\"mention\">@Ann</span> and @bob, <code>@ann</code> \
             <a href=\"https://x.org\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">@ann</a></p>"
        );
        // Only the renderer makes mention spans: typed ones are text.
        assert_eq!(render("<span class=\"mention\">@ann</span>", &[]), "");
    }

    #[test]
    fn the_first_web_link_is_the_preview_one_and_code_is_not_a_link() {
        let first = |body: &str| super::first_web_link(&render(body, &[]));
        assert_eq!(
            first(
                "see `https://code.example` and mailto:a@b.c then https://a.example/x?q=1&r=2 or https://b.example"
            ),
            Some("https://a.example/x?q=1&r=2".to_owned())
        );
        assert_eq!(
            first("[the docs](http://docs.example/p \"t\")"),
            Some("http://docs.example/p".to_owned())
        );
        assert_eq!(first("```\nhttps://in.code.example\n```"), None);
        assert_eq!(first("no links at all"), None);
        assert_eq!(first("javascript:alert(1) [x](javascript:alert(1))"), None);
    }

    #[test]
    fn the_subset_renders() {
        assert_eq!(
            render("**bold** _it_ ~~gone~~ `x < y`", &[]),
            "<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>x &lt; y</code></p>"
        );
        assert_eq!(render("line one\nline two", &[]), "<p>line one<br>\nline two</p>");
        assert_eq!(render("> quoted", &[]), "<blockquote>\n<p>quoted</p>\n</blockquote>");
        assert_eq!(render("- a\n- b", &[]), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>");
        assert_eq!(render("```\nfn main() {}\n```", &[]), "<pre><code>fn main() {}\n</code></pre>");
        assert_eq!(render("# not a heading", &[]), "<p>not a heading</p>");
        // Plain text needs no HTML: the text alone says it all.
        assert_eq!(render("just words & <angles>, 12:30", &[]), "");
        assert_eq!(render_html("just words & <angles>", &[]), "<p>just words &amp; &lt;angles&gt;</p>\n");
        assert_eq!(render("", &[]), "");
    }

    #[test]
    fn links_open_safely_in_a_new_tab() {
        let rel = r#"target="_blank" rel="noopener noreferrer nofollow""#;
        assert_eq!(
            render("see https://example.com/a?b=1 now", &[]),
            format!(
                "<p>see <a href=\"https://example.com/a?b=1\" {rel}>https://example.com/a?b=1</a> now</p>"
            )
        );
        assert_eq!(
            render("[docs](https://docs.rs)", &[]),
            format!("<p><a href=\"https://docs.rs\" {rel}>docs</a></p>")
        );
        assert!(render("mail me@example.com", &[]).contains(r#"href="mailto:me@example.com""#));
        // No link inside code.
        assert_eq!(render("`https://x.org`", &[]), "<p><code>https://x.org</code></p>");
    }

    #[test]
    fn nothing_a_message_says_can_run() {
        let payloads = [
            "<img src=x onerror=alert(1)>",
            "<script>alert(1)</script>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x](https://a.org\" onclick=\"alert(1))",
            "![x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg/onload=alert(1)>",
            "<iframe src=//evil.org></iframe>",
            "**<b onmouseover=alert(1)>bold</b>**",
            "[a](//evil.org)",
            "<<script>script>alert(1)<</script>/script>",
            "\"><script>alert(1)</script>",
            "<details open ontoggle=alert(1)>",
        ];
        for payload in payloads {
            let html = render_html(payload, &[]);
            assert_only_safe_tags(&html, payload);
        }
        // Typed HTML stays visible as text (here as plain text: nothing to format).
        assert_eq!(
            render_html("<img src=x onerror=alert(1)>", &[]),
            "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"
        );
        assert_eq!(render("<img src=x onerror=alert(1)>", &[]), "");
    }

    /// Every `<…>` in `html` is an allowed tag whose only attributes are a safe `href`, the
    /// fixed `rel` and `target`, or a list's `start`. (Text cannot hold a literal `<`: it is
    /// escaped.)
    fn assert_only_safe_tags(html: &str, payload: &str) {
        for tag in html.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or_default()) {
            let mut parts = tag.trim_start_matches('/').split(' ');
            let name = parts.next().unwrap_or_default();
            assert!(super::TAGS.contains(&name), "{payload:?} made a <{name}> tag: {html}");
            for attribute in parts.filter(|p| !p.is_empty()) {
                let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
                let value = value.trim_matches('"');
                let safe = match key {
                    "href" => ["http://", "https://", "mailto:"].iter().any(|s| value.starts_with(s)),
                    "rel" => value == "noopener" || value == "noreferrer" || value == "nofollow",
                    "target" => value == "_blank",
                    "start" => value.parse::<u32>().is_ok(),
                    // The words of a rel value after its first.
                    "noreferrer" | "nofollow\"" => true,
                    _ => false,
                };
                assert!(safe, "{payload:?} made the attribute {attribute:?}: {html}");
            }
        }
    }
}
