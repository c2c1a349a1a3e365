//! `AttachmentTray`: the files being attached to the next message, above the composer, each
//! with its progress, a Cancel (or Remove) button and, when it failed, why and a Retry.
//!
//! Files come from the composer's attach button, from a drop anywhere on the chat, or from a
//! paste into the message input; all three go through [`Attachments::add`].

use leptos::prelude::*;

use crate::attachments::human_size;
use crate::upload_tray::{Tray, UploadKey, UploadState};

/// The tray and the server's size limit, shared by the chat window (drops) and the composer.
#[derive(Clone, Copy)]
pub struct Attachments {
    pub tray: RwSignal<Tray>,
    /// `--max-upload-bytes`: larger files fail before any byte is sent.
    pub limit: u64,
}

impl Attachments {
    pub fn new(limit: u64) -> Self {
        Self { tray: RwSignal::new(Tray::default()), limit }
    }

    /// Files chosen, dropped or pasted.
    #[cfg(feature = "hydrate")]
    pub fn add(&self, files: Vec<leptos::web_sys::File>) {
        crate::client::upload::add(self.tray, files, self.limit);
    }

    fn cancel(&self, key: UploadKey) {
        #[cfg(feature = "hydrate")]
        crate::client::upload::cancel(self.tray, key);
        #[cfg(not(feature = "hydrate"))]
        self.tray.update(|t| t.remove(key));
    }

    fn retry(&self, key: UploadKey) {
        #[cfg(feature = "hydrate")]
        crate::client::upload::retry(self.tray, key);
        #[cfg(not(feature = "hydrate"))]
        self.tray.update(|t| t.retry(key));
    }
}

#[component]
pub fn AttachmentTray() -> impl IntoView {
    let attachments = expect_context::<Attachments>();
    view! {
        <Show when=move || attachments.tray.with(|t| !t.items.is_empty())>
            <ul class="attachment-tray" id="attachment-tray" aria-label="Files to send">
                <For
                    each=move || attachments.tray.get().items
                    key=|upload| (upload.key, upload.state.clone())
                    let:upload
                >
                    {
                        let key = upload.key;
                        let name = upload.name.clone();
                        let permille = upload.permille();
                        let busy = matches!(upload.state, UploadState::Waiting | UploadState::Sending(_));
                        let (status, failed, retry) = match upload.state {
                            UploadState::Waiting => ("waiting…".to_owned(), false, false),
                            UploadState::Sending(sent) => {
                                (format!("{} of {}", human_size(sent), human_size(upload.size)), false, false)
                            }
                            UploadState::Done(_) => (format!("{}, ready", human_size(upload.size)), false, false),
                            UploadState::Failed { reason, retry } => (reason, true, retry),
                        };
                        view! {
                            <li class="upload" class:failed=failed data-upload-name=name.clone()>
                                <span class="upload-name">{name.clone()}</span>
                                <progress max="1000" value=permille aria-label=format!("Uploading {name}")></progress>
                                <span class="upload-status" role=failed.then_some("alert")>{status}</span>
                                {retry.then(|| view! {
                                    <button type="button" class="secondary" on:click=move |_| attachments.retry(key)>"Retry"</button>
                                })}
                                <button type="button" class="secondary" on:click=move |_| attachments.cancel(key)>
                                    {if busy { "Cancel" } else { "Remove" }}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}
