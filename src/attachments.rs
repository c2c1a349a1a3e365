//! Files carried by messages, as both sides see them: the attachment object on the wire, its
//! typed id, its kind, and the limits a client meets.
//!
//! A file is uploaded first (`POST` [`UPLOAD_PATH`], answered with an [`Attachment`]), then
//! named by id in the message that carries it. The server decides the kind from the bytes,
//! never from the name or the browser's type; only images, video and audio are shown inline.

use serde::{Deserialize, Serialize};

/// Where files are uploaded (multipart, one file per request).
pub const UPLOAD_PATH: &str = "/api/uploads";
/// Where the composer's form posts without JavaScript: text and one file, multipart.
pub const FORM_POST_PATH: &str = "/api/post_form";
/// Where files are served from: `/files/<id>/<name>` and `/files/<id>/thumb`.
pub const FILES_PATH: &str = "/files";
/// Files one message may carry.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;
/// Characters of a file name kept (the rest is cut, the extension kept).
pub const MAX_FILE_NAME_CHARS: usize = 120;
/// Thumbnails fit in a square this many pixels wide.
pub const THUMB_MAX: u32 = 480;
/// Uploads in flight at once from one page; more wait their turn.
pub const UPLOADS_AT_ONCE: usize = 3;

/// An attachment's id: 32 lowercase hex digits, random (unguessable).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct AttachmentId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an attachment id is 32 lowercase hex digits")]
pub struct InvalidAttachmentId;

impl AttachmentId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A new id: 128 random bits.
    #[cfg(feature = "ssr")]
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl TryFrom<String> for AttachmentId {
    type Error = InvalidAttachmentId;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        let valid = id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if valid { Ok(Self(id)) } else { Err(InvalidAttachmentId) }
    }
}

impl From<AttachmentId> for String {
    fn from(id: AttachmentId) -> Self {
        id.0
    }
}

impl std::fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a file is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AttachmentKind {
    /// JPEG, PNG, GIF or WebP: a thumbnail in the message, the full image on a click.
    Image,
    /// MP4 or WebM: plays inline.
    Video,
    /// MP3, Ogg, WAV, FLAC, M4A: plays inline.
    Audio,
    /// Anything else: a card that downloads it.
    File,
}

impl AttachmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::Video => "video",
            AttachmentKind::Audio => "audio",
            AttachmentKind::File => "file",
        }
    }

    pub fn parse(kind: &str) -> Self {
        match kind {
            "image" => AttachmentKind::Image,
            "video" => AttachmentKind::Video,
            "audio" => AttachmentKind::Audio,
            _ => AttachmentKind::File,
        }
    }

    /// Whether browsers may show it in the page rather than download it.
    pub fn inline(self) -> bool {
        self != AttachmentKind::File
    }
}

/// A stored file as messages carry it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: AttachmentId,
    /// The name it was uploaded with (cleaned: no path, no control characters).
    pub name: String,
    /// The type found in its bytes (`application/octet-stream` when none was).
    pub mime: String,
    pub kind: AttachmentKind,
    /// Bytes, as stored (images lose their metadata, so this may be less than was sent).
    pub size: u64,
    /// Pixels, for images (after orientation is applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The file: `/files/<id>/<name>`.
    pub url: String,
    /// A smaller image (at most 480×480), for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
}

impl Attachment {
    /// The object for a stored file: its URLs follow from its id and name.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: AttachmentId,
        name: String,
        mime: String,
        kind: AttachmentKind,
        size: u64,
        width: Option<u32>,
        height: Option<u32>,
        has_thumb: bool,
    ) -> Self {
        Self {
            url: Self::file_url(&id, &name),
            thumb_url: has_thumb.then(|| Self::thumb_url(&id)),
            id,
            name,
            mime,
            kind,
            size,
            width,
            height,
        }
    }

    /// The file's URL: the name at the end makes a saved copy keep it.
    pub fn file_url(id: &AttachmentId, name: &str) -> String {
        let mut escaped = String::with_capacity(name.len());
        for byte in name.bytes() {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                escaped.push(char::from(byte));
            } else {
                escaped.push_str(&format!("%{byte:02X}"));
            }
        }
        format!("{FILES_PATH}/{id}/{escaped}")
    }

    pub fn thumb_url(id: &AttachmentId) -> String {
        format!("{FILES_PATH}/{id}/thumb")
    }
}

/// A size as people read it: `512 B`, `1.5 KB`, `25 MB` (powers of 1,000, as file managers
/// and phones show them). Integer arithmetic only: float formatting would cost the wasm more
/// than this whole module.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1_000 {
        return format!("{bytes} B");
    }
    let mut unit = 0;
    let mut scale: u64 = 1_000;
    while bytes / 1_000 >= scale && unit < UNITS.len() - 1 {
        scale *= 1_000;
        unit += 1;
    }
    // Under 10 units: one decimal, rounded down; above, whole units, rounded.
    let tenths = bytes / (scale / 10);
    if tenths < 100 {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", bytes / scale + u64::from(bytes % scale >= scale / 2), UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits() {
        assert!(AttachmentId::try_from("0123456789abcdef0123456789abcdef".to_owned()).is_ok());
        for bad in
            ["", "0123456789ABCDEF0123456789ABCDEF", "../../etc/passwd", "0123456789abcdef0123456789abcde"]
        {
            assert!(AttachmentId::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
        let parsed: Result<AttachmentId, _> = serde_json::from_str("\"x\"");
        assert!(parsed.is_err());
    }

    #[test]
    fn urls_escape_the_name() {
        let id = AttachmentId::try_from("0123456789abcdef0123456789abcdef".to_owned()).expect("valid");
        assert_eq!(
            Attachment::file_url(&id, "my photo/ä.jpg"),
            "/files/0123456789abcdef0123456789abcdef/my%20photo%2F%C3%A4.jpg"
        );
        assert_eq!(Attachment::thumb_url(&id), "/files/0123456789abcdef0123456789abcdef/thumb");
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1_500), "1.5 KB");
        assert_eq!(human_size(25_000_000), "25 MB");
        assert_eq!(human_size(26_214_400), "26 MB");
        assert_eq!(human_size(1_000), "1.0 KB");
        assert_eq!(human_size(9_960), "9.9 KB");
        assert_eq!(human_size(10_500), "11 KB");
        assert_eq!(human_size(u64::MAX), "18446744 TB");
    }
}
