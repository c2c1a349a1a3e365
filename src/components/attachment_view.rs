//! `AttachmentList`: a message's files as the chat shows them, on the server's page and live
//! alike (so history works without JavaScript): images as thumbnails linking to the full
//! image, video and audio as players that fetch only their metadata until played, anything
//! else as a card that downloads it.

use leptos::prelude::*;

use crate::attachments::{Attachment, AttachmentKind, THUMB_MAX, human_size};

#[component]
pub fn AttachmentList(attachments: Vec<Attachment>) -> impl IntoView {
    (!attachments.is_empty()).then(|| {
        view! {
            <ul class="attachments" aria-label="Attachments">
                {attachments.into_iter().map(|a| view! { <li>{attachment_view(a)}</li> }).collect_view()}
            </ul>
        }
    })
}

fn attachment_view(attachment: Attachment) -> AnyView {
    let Attachment { name, kind, size, width, height, url, thumb_url, .. } = attachment;
    match (kind, thumb_url) {
        (AttachmentKind::Image, Some(thumb)) => {
            // The thumbnail's box, before it loads: the image's shape within 480×480, so the
            // list does not jump as thumbnails arrive.
            let (w, h) = fit(width.unwrap_or(480), height.unwrap_or(480));
            view! {
                <a class="attachment-image" href=url.clone() target="_blank" rel="noopener">
                    <img src=thumb alt=name width=w height=h loading="lazy" decoding="async"/>
                </a>
            }
            .into_any()
        }
        (AttachmentKind::Video, _) => view! {
            <video class="attachment-video" src=url controls preload="metadata" aria-label=name></video>
        }
        .into_any(),
        (AttachmentKind::Audio, _) => view! {
            <audio class="attachment-audio" src=url controls preload="metadata" aria-label=name></audio>
        }
        .into_any(),
        _ => view! {
            <a class="file-card" href=url download="">
                <span class="file-icon" aria-hidden="true">"📄"</span>
                <span class="file-name">{name}</span>
                <span class="file-size">{human_size(size)}</span>
            </a>
        }
        .into_any(),
    }
}

/// `width`×`height` scaled down to fit [`THUMB_MAX`] square, as the server's thumbnail is.
fn fit(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (width.max(1), height.max(1));
    if w <= THUMB_MAX && h <= THUMB_MAX {
        return (w, h);
    }
    let scale = |a: u32, b: u32| {
        u32::try_from(u64::from(a) * u64::from(THUMB_MAX) / u64::from(b)).unwrap_or(1).max(1)
    };
    if w >= h { (THUMB_MAX, scale(h, w)) } else { (scale(w, h), THUMB_MAX) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn boxes_fit_the_thumbnail_square() {
        assert_eq!(super::fit(4000, 3000), (480, 360));
        assert_eq!(super::fit(1000, 4000), (120, 480));
        assert_eq!(super::fit(20, 40), (20, 40));
        assert_eq!(super::fit(0, 0), (1, 1));
    }
}
