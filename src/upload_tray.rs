//! The files a person is attaching to their next message: each one's progress, and what
//! happens when one fails, is cancelled or is too large. Plain data, unit-tested natively;
//! `client::upload` does the HTTP and `components::attachment_tray` draws it.

use crate::attachments::{Attachment, MAX_ATTACHMENTS_PER_MESSAGE, UPLOADS_AT_ONCE, human_size};

/// An upload's key in the tray (not the server's id, which comes when it is done).
pub type UploadKey = u32;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UploadState {
    /// Waiting for a free slot (at most [`UPLOADS_AT_ONCE`] go at once).
    Waiting,
    /// Bytes sent so far.
    Sending(u64),
    Done(Attachment),
    /// Why; the person may retry (unless retrying cannot help) or remove it.
    Failed {
        reason: String,
        retry: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub key: UploadKey,
    pub name: String,
    pub size: u64,
    pub state: UploadState,
}

impl Upload {
    /// How far along, in thousandths.
    pub fn permille(&self) -> u64 {
        match &self.state {
            UploadState::Done(_) => 1_000,
            UploadState::Sending(sent) if self.size > 0 => {
                (*sent).min(self.size).saturating_mul(1_000) / self.size
            }
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tray {
    pub items: Vec<Upload>,
    next_key: UploadKey,
}

/// Why a message cannot be sent with the tray as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("wait for the files to finish uploading, or remove them")]
    Uploading,
    #[error("a file could not be uploaded: retry or remove it")]
    Failed,
}

impl Tray {
    /// A file the person picked. One larger than `limit` fails at once, before any byte is
    /// sent; one more than a message may carry fails too.
    pub fn add(&mut self, name: String, size: u64, limit: u64) -> UploadKey {
        self.next_key += 1;
        let key = self.next_key;
        let state = if size > limit {
            UploadState::Failed {
                reason: format!("larger than the {} limit", human_size(limit)),
                retry: false,
            }
        } else if self.items.len() >= MAX_ATTACHMENTS_PER_MESSAGE {
            UploadState::Failed {
                reason: format!("a message can carry at most {MAX_ATTACHMENTS_PER_MESSAGE} files"),
                retry: false,
            }
        } else {
            UploadState::Waiting
        };
        self.items.push(Upload { key, name, size, state });
        key
    }

    fn get(&mut self, key: UploadKey) -> Option<&mut Upload> {
        self.items.iter_mut().find(|u| u.key == key)
    }

    /// Uploads to start now, marked as started: waiting ones, up to [`UPLOADS_AT_ONCE`] in flight.
    pub fn start_next(&mut self) -> Vec<UploadKey> {
        let mut in_flight = self.items.iter().filter(|u| matches!(u.state, UploadState::Sending(_))).count();
        let mut started = Vec::new();
        for upload in &mut self.items {
            if in_flight >= UPLOADS_AT_ONCE {
                break;
            }
            if upload.state == UploadState::Waiting {
                upload.state = UploadState::Sending(0);
                in_flight += 1;
                started.push(upload.key);
            }
        }
        started
    }

    pub fn progress(&mut self, key: UploadKey, sent: u64) {
        if let Some(upload) = self.get(key).filter(|u| matches!(u.state, UploadState::Sending(_))) {
            upload.state = UploadState::Sending(sent);
        }
    }

    pub fn done(&mut self, key: UploadKey, attachment: Attachment) {
        if let Some(upload) = self.get(key) {
            upload.state = UploadState::Done(attachment);
        }
    }

    pub fn failed(&mut self, key: UploadKey, reason: String, retry: bool) {
        if let Some(upload) = self.get(key) {
            upload.state = UploadState::Failed { reason, retry };
        }
    }

    /// Try a failed upload again (it waits for a slot).
    pub fn retry(&mut self, key: UploadKey) {
        if let Some(upload) =
            self.get(key).filter(|u| matches!(u.state, UploadState::Failed { retry: true, .. }))
        {
            upload.state = UploadState::Waiting;
        }
    }

    /// Cancelled or removed by the person.
    pub fn remove(&mut self, key: UploadKey) {
        self.items.retain(|u| u.key != key);
    }

    /// The attachments for the message being sent; or why not yet.
    pub fn ready(&self) -> Result<Vec<Attachment>, NotReady> {
        if self.items.iter().any(|u| matches!(u.state, UploadState::Waiting | UploadState::Sending(_))) {
            return Err(NotReady::Uploading);
        }
        if self.items.iter().any(|u| matches!(u.state, UploadState::Failed { .. })) {
            return Err(NotReady::Failed);
        }
        Ok(self
            .items
            .iter()
            .filter_map(|u| match &u.state {
                UploadState::Done(attachment) => Some(attachment.clone()),
                _ => None,
            })
            .collect())
    }

    /// The message went out with them.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attachments::{AttachmentId, AttachmentKind};

    fn attachment(n: u8) -> Attachment {
        let id = AttachmentId::try_from(format!("{n:032x}")).expect("valid id");
        Attachment {
            url: Attachment::file_url(&id, "f"),
            id,
            name: "f".into(),
            mime: "text/plain".into(),
            kind: AttachmentKind::File,
            size: 1,
            width: None,
            height: None,
            thumb_url: None,
        }
    }

    #[test]
    fn too_large_fails_before_sending_and_cannot_be_retried() {
        let mut tray = Tray::default();
        let key = tray.add("big.mov".into(), 30_000_000, 25_000_000);
        assert_eq!(
            tray.items[0].state,
            UploadState::Failed { reason: "larger than the 25 MB limit".into(), retry: false }
        );
        assert!(tray.start_next().is_empty());
        tray.retry(key);
        assert!(matches!(tray.items[0].state, UploadState::Failed { .. }));
        assert_eq!(tray.ready(), Err(NotReady::Failed));
        tray.remove(key);
        assert_eq!(tray.ready(), Ok(Vec::new()));
    }

    #[test]
    fn a_few_go_at_once_and_the_rest_wait() {
        let mut tray = Tray::default();
        let keys: Vec<_> = (0..5).map(|i| tray.add(format!("{i}.jpg"), 100, 1_000)).collect();
        assert_eq!(tray.start_next(), keys[..UPLOADS_AT_ONCE].to_vec());
        assert!(tray.start_next().is_empty());
        tray.progress(keys[0], 50);
        assert_eq!(tray.items[0].permille(), 500);
        tray.done(keys[0], attachment(1));
        assert_eq!(tray.start_next(), vec![keys[UPLOADS_AT_ONCE]]);
        assert_eq!(tray.ready(), Err(NotReady::Uploading));
    }

    #[test]
    fn a_failure_can_be_retried_and_the_message_takes_what_is_done() {
        let mut tray = Tray::default();
        let a = tray.add("a".into(), 10, 100);
        let b = tray.add("b".into(), 10, 100);
        tray.start_next();
        tray.done(a, attachment(1));
        tray.failed(b, "the network failed".into(), true);
        assert_eq!(tray.ready(), Err(NotReady::Failed));
        tray.retry(b);
        assert_eq!(tray.start_next(), vec![b]);
        tray.done(b, attachment(2));
        assert_eq!(tray.ready(), Ok(vec![attachment(1), attachment(2)]));
        tray.clear();
        assert!(tray.items.is_empty());
    }

    #[test]
    fn a_message_carries_a_limited_number_of_files() {
        let mut tray = Tray::default();
        for i in 0..=MAX_ATTACHMENTS_PER_MESSAGE {
            tray.add(format!("{i}"), 1, 100);
        }
        assert!(matches!(
            tray.items.last().map(|u| &u.state),
            Some(UploadState::Failed { retry: false, .. })
        ));
    }
}
