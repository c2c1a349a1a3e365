//! A message's link preview: a card of what the page of its first link says about itself
//! (site, title, description, image), under the message. The server made it and sent it as a
//! change of the message; its author may remove it (the ×), for everyone.

use crate::ids::Seq;
use leptos::prelude::*;

use crate::chat_state::{ChatState, Command};
use crate::components::message_item::change_id;
use crate::model::LinkPreview;
use crate::protocol::ClientFrame;

#[component]
pub fn LinkCard(preview: LinkPreview, seq: Seq, mine: bool) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let site = if preview.site_name.is_empty() { host_of(&preview.url) } else { preview.site_name };
    let remove = move |_| {
        chat.command(Command::Change(ClientFrame::RemovePreview {
            room: chat.room.get_value(),
            client_id: change_id(),
            seq,
        }))
    };
    let image = preview.image.map(|image| {
        view! { <img class="link-preview-image" src=image.path width=image.width height=image.height alt="" loading="lazy"/> }
    });
    let title = (!preview.title.is_empty())
        .then(|| view! { <strong class="link-preview-title">{preview.title}</strong> });
    let description = (!preview.description.is_empty())
        .then(|| view! { <span class="link-preview-description">{preview.description}</span> });
    view! {
        <div class="link-preview">
            <a class="link-preview-card" href=preview.url target="_blank" rel="noopener noreferrer nofollow">
                {image}
                <span class="link-preview-text">
                    <span class="link-preview-site">{site}</span>
                    {title}
                    {description}
                </span>
            </a>
            {mine.then(|| view! {
                <button type="button" class="link-preview-remove" aria-label="Remove preview" title="Remove preview"
                    on:click=remove>"×"</button>
            })}
        </div>
    }
}

/// The host of a web link, for a card whose page names no site.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.rsplit_once('@').map_or(host, |(_, host)| host).to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cards_site_is_the_links_host_when_the_page_names_none() {
        assert_eq!(super::host_of("https://docs.example.org/a/b?c#d"), "docs.example.org");
        assert_eq!(super::host_of("http://user@x.example:8080"), "x.example:8080");
    }
}
