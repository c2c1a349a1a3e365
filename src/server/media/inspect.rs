//! What an uploaded file is, from its bytes, and making images safe to pass on: orientation
//! applied, metadata (EXIF, GPS, XMP) removed, a thumbnail made.
//!
//! Why re-encode instead of cutting metadata out: a photo's orientation lives in its EXIF, so
//! dropping EXIF alone would turn phone photos sideways; decoding, rotating and encoding again
//! removes every metadata block by construction. Animated images cannot be re-encoded by the
//! `image` crate without losing frames, so a GIF is kept as it is (it has no EXIF) and an
//! animated WebP has its EXIF and XMP chunks cut out.
//!
//! Everything here is synchronous and CPU-bound: callers run it on the blocking pool
//! (`server::media::uploads` limits how many at once). Decoding is bounded by [`MAX_PIXELS`] (read
//! from the header before any pixel is decoded) and [`MAX_DECODE_BYTES`], so a small file that
//! claims to be enormous (a decompression bomb) is refused cheaply.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::{WebPDecoder, WebPEncoder};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::attachments::AttachmentKind;
pub use crate::attachments::THUMB_MAX;

/// Largest image accepted, in pixels (width × height): 50 megapixels, above any phone camera.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Memory one decode may take.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// JPEG quality for re-encoded photos and thumbnails.
const PHOTO_QUALITY: u8 = 90;
const THUMB_QUALITY: u8 = 80;
/// Bytes of a file's start that decide its type.
pub const SNIFF_BYTES: usize = 8 * 1024;

/// A file's type as its bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub mime: &'static str,
    pub kind: AttachmentKind,
}

/// The type of a file from its first bytes ([`SNIFF_BYTES`] are enough). Only formats every
/// browser shows are images, video or audio; anything else (SVG, HTML, PDF, unknown) is a file.
pub fn sniff(head: &[u8]) -> Sniffed {
    let Some(found) = infer::get(head) else {
        return Sniffed { mime: "application/octet-stream", kind: AttachmentKind::File };
    };
    let mime = found.mime_type();
    let kind = match mime {
        "image/jpeg" | "image/png" | "image/gif" | "image/webp" => AttachmentKind::Image,
        "video/mp4" | "video/webm" => AttachmentKind::Video,
        "audio/mpeg" | "audio/ogg" | "audio/opus" | "audio/x-wav" | "audio/x-flac" | "audio/m4a" => {
            AttachmentKind::Audio
        }
        _ => AttachmentKind::File,
    };
    Sniffed { mime, kind }
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the image is {width}×{height} pixels; at most {MAX_PIXELS} pixels are accepted")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image cannot be read: {0}")]
    Undecodable(#[from] image::ImageError),
    #[error("cannot write the image: {0}")]
    Io(#[from] std::io::Error),
    #[error("not an image")]
    NotAnImage,
}

/// An image after [`process_image`].
#[derive(Debug)]
pub struct Processed {
    /// Pixels, upright.
    pub width: u32,
    pub height: u32,
    /// The file's size now.
    pub size: u64,
    /// The thumbnail's bytes and type.
    pub thumb: Vec<u8>,
    pub thumb_mime: &'static str,
}

/// Make the image at `path` (of type `mime`, from [`sniff`]) safe to serve, in place, and
/// return its thumbnail.
pub fn process_image(path: &Path, mime: &str) -> Result<Processed, MediaError> {
    let format = ImageFormat::from_mime_type(mime).unwrap_or(ImageFormat::Png);
    let animated_webp =
        format == ImageFormat::WebP && WebPDecoder::new(BufReader::new(File::open(path)?))?.has_animation();
    let mut image = decode_upright(path, format)?;
    match format {
        // Kept as uploaded: frames would be lost. GIF carries no EXIF.
        ImageFormat::Gif => {}
        ImageFormat::WebP if animated_webp => {
            let bytes = std::fs::read(path)?;
            if let Some(stripped) = strip_webp_metadata(&bytes) {
                replace(path, |out| out.write_all(&stripped).map_err(MediaError::from))?;
            }
        }
        ImageFormat::Jpeg => replace(path, |out| {
            Ok(DynamicImage::ImageRgb8(image.to_rgb8())
                .write_with_encoder(JpegEncoder::new_with_quality(out, PHOTO_QUALITY))?)
        })?,
        ImageFormat::WebP => replace(path, |out| {
            Ok(DynamicImage::ImageRgba8(image.to_rgba8())
                .write_with_encoder(WebPEncoder::new_lossless(out))?)
        })?,
        _ => replace(path, |out| Ok(image.write_with_encoder(PngEncoder::new(out))?))?,
    }
    let (width, height) = (image.width(), image.height());
    if width > THUMB_MAX || height > THUMB_MAX {
        image = image.thumbnail(THUMB_MAX, THUMB_MAX);
    }
    let (thumb, thumb_mime) = encode_thumbnail(&image)?;
    Ok(Processed { width, height, size: std::fs::metadata(path)?.len(), thumb, thumb_mime })
}

/// Largest side of a link preview's image, in pixels.
pub const PREVIEW_IMAGE_MAX: u32 = 480;

/// A link preview's image, made from what a page linked to (`bytes`, any of the formats an
/// upload may be): decoded within the same limits as an upload (a decompression bomb is refused
/// from its header), turned upright, shrunk to at most [`PREVIEW_IMAGE_MAX`] a side, encoded
/// afresh (no metadata, first frame only). Its bytes, type, width and height.
pub fn preview_image(bytes: &[u8]) -> Result<(Vec<u8>, &'static str, u32, u32), MediaError> {
    let sniffed = sniff(&bytes[..bytes.len().min(SNIFF_BYTES)]);
    let format = match ImageFormat::from_mime_type(sniffed.mime) {
        Some(format) if sniffed.kind == AttachmentKind::Image => format,
        _ => return Err(MediaError::NotAnImage),
    };
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes));
    reader.set_format(format);
    let mut image = decode_within_limits(reader)?;
    if image.width() > PREVIEW_IMAGE_MAX || image.height() > PREVIEW_IMAGE_MAX {
        image = image.thumbnail(PREVIEW_IMAGE_MAX, PREVIEW_IMAGE_MAX);
    }
    let (out, mime) = encode_thumbnail(&image)?;
    Ok((out, mime, image.width(), image.height()))
}

/// Decode (the first frame of) an image within the limits, turned upright by its EXIF.
fn decode_upright(path: &Path, format: ImageFormat) -> Result<DynamicImage, MediaError> {
    let mut reader = ImageReader::open(path)?;
    reader.set_format(format);
    decode_within_limits(reader)
}

/// Decode what `reader` reads, refusing more than [`MAX_PIXELS`] from the header alone and
/// taking at most [`MAX_DECODE_BYTES`]; turned upright by its EXIF.
fn decode_within_limits<R: std::io::BufRead + std::io::Seek>(
    mut reader: ImageReader<R>,
) -> Result<DynamicImage, MediaError> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::TooManyPixels { width, height });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// JPEG for opaque images (small), PNG where there is transparency (kept).
fn encode_thumbnail(image: &DynamicImage) -> Result<(Vec<u8>, &'static str), MediaError> {
    let mut out = Vec::new();
    if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8()).write_with_encoder(PngEncoder::new(&mut out))?;
        Ok((out, "image/png"))
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, THUMB_QUALITY))?;
        Ok((out, "image/jpeg"))
    }
}

/// Write a new version of `path` beside it, then rename it over: never half a file.
fn replace(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    let mut next = PathBuf::from(path);
    next.as_mut_os_string().push(".new");
    let result = (|| {
        let mut out = BufWriter::new(File::create(&next)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&next, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&next);
    }
    result
}

/// A WebP file without its `EXIF` and `XMP ` chunks (and with the header flags that announce
/// them cleared); `None` if it is not a well-formed RIFF/WebP file.
pub fn strip_webp_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let fourcc = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().ok()?) as usize;
        let end = pos.checked_add(8)?.checked_add(size)?;
        if end > bytes.len() {
            return None;
        }
        // Chunks are padded to an even size.
        let padded_end = (end + (size & 1)).min(bytes.len());
        match fourcc {
            b"EXIF" | b"XMP " => {}
            b"VP8X" if size >= 1 => {
                let start = out.len();
                out.extend_from_slice(&bytes[pos..padded_end]);
                // Flags: ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04, animation 0x02.
                out[start + 8] &= !(0x08 | 0x04);
            }
            _ => out.extend_from_slice(&bytes[pos..padded_end]),
        }
        pos = padded_end;
    }
    let riff_size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::media::fixtures::{self, *};

    fn file_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("upload");
        std::fs::write(&path, bytes).expect("write");
        (dir, path)
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(sniff(&sideways_photo()), Sniffed { mime: "image/jpeg", kind: AttachmentKind::Image });
        assert_eq!(sniff(&png(2, 2)).kind, AttachmentKind::Image);
        assert_eq!(sniff(&gif()), Sniffed { mime: "image/gif", kind: AttachmentKind::Image });
        assert_eq!(sniff(&mp4_head()), Sniffed { mime: "video/mp4", kind: AttachmentKind::Video });
        // Text named `.png` by its sender is still text: a file, not an image.
        assert_eq!(sniff(b"just some notes, honestly").kind, AttachmentKind::File);
        // SVG and HTML can carry script: never shown inline.
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(sniff(svg).kind, AttachmentKind::File);
        assert_eq!(sniff(b"<!DOCTYPE html><html><script>alert(1)</script>").kind, AttachmentKind::File);
    }

    #[test]
    fn a_photo_is_turned_upright_and_loses_its_exif_and_gps() {
        let original = sideways_photo();
        assert!(original.windows(4).any(|w| w == b"Exif"));
        let (_dir, path) = file_with(&original);
        let processed = process_image(&path, "image/jpeg").expect("processed");
        // 40×20 turned a quarter: 20×40.
        assert_eq!((processed.width, processed.height), (20, 40));
        let stored = std::fs::read(&path).expect("read back");
        assert!(!stored.windows(4).any(|w| w == b"Exif"), "EXIF is gone");
        assert!(!stored.windows(4).any(|w| w == b"II*\0"), "no TIFF block either");
        let upright = image::load_from_memory(&stored).expect("still a JPEG").to_rgb8();
        assert_eq!(upright.dimensions(), (20, 40));
        // The left half (red) is now on top, the right half (blue) at the bottom.
        let top = upright.get_pixel(10, 5);
        let bottom = upright.get_pixel(10, 35);
        assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom is blue: {bottom:?}");
        assert_eq!(processed.size, stored.len() as u64);
        assert_eq!(processed.thumb_mime, "image/jpeg");
    }

    #[test]
    fn thumbnails_fit_the_box_and_keep_the_shape() {
        let (_dir, path) = file_with(&png(1200, 600));
        let processed = process_image(&path, "image/png").expect("processed");
        let thumb = image::load_from_memory(&processed.thumb).expect("thumbnail decodes");
        assert_eq!((thumb.width(), thumb.height()), (THUMB_MAX, THUMB_MAX / 2));
        // Small images are not blown up.
        let (_dir, path) = file_with(&png(100, 50));
        let processed = process_image(&path, "image/png").expect("processed");
        let thumb = image::load_from_memory(&processed.thumb).expect("thumbnail decodes");
        assert_eq!((thumb.width(), thumb.height()), (100, 50));
    }

    #[test]
    fn a_gif_keeps_its_frames() {
        let original = gif();
        let (_dir, path) = file_with(&original);
        let processed = process_image(&path, "image/gif").expect("processed");
        assert_eq!((processed.width, processed.height), (8, 8));
        assert_eq!(std::fs::read(&path).expect("read"), original);
    }

    #[test]
    fn the_pixel_cap_refuses_a_bomb_before_decoding_it() {
        let png = fixtures::png_bomb();
        let (_dir, path) = file_with(&png);
        match process_image(&path, "image/png") {
            Err(MediaError::TooManyPixels { width: 10_000, height: 10_000 }) => {}
            other => panic!("expected the pixel cap, got {other:?}"),
        }
    }

    #[test]
    fn a_preview_image_is_made_small_and_new_and_a_bomb_or_a_page_is_refused() {
        let (bytes, mime, width, height) = preview_image(&png(1_200, 600)).expect("made");
        assert_eq!((mime, width, height), ("image/jpeg", PREVIEW_IMAGE_MAX, PREVIEW_IMAGE_MAX / 2));
        assert_eq!(sniff(&bytes).mime, "image/jpeg");
        assert!(matches!(preview_image(&png_bomb()), Err(MediaError::TooManyPixels { .. })));
        assert!(matches!(preview_image(b"<html>not an image</html>"), Err(MediaError::NotAnImage)));
    }

    #[test]
    fn webp_metadata_chunks_are_cut_out() {
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        webp.extend(b"VP8X");
        webp.extend(10u32.to_le_bytes());
        webp.extend([0x02 | 0x08 | 0x04, 0, 0, 0, 7, 0, 0, 7, 0, 0]);
        webp.extend(b"EXIF");
        webp.extend(3u32.to_le_bytes());
        webp.extend(b"GPS\0");
        webp.extend(b"ANIM");
        webp.extend(6u32.to_le_bytes());
        webp.extend([0; 6]);
        let size = (webp.len() - 8) as u32;
        webp[4..8].copy_from_slice(&size.to_le_bytes());
        let stripped = strip_webp_metadata(&webp).expect("well-formed");
        assert!(!stripped.windows(4).any(|w| w == b"EXIF" || w == b"GPS\0"));
        assert_eq!(stripped[20], 0x02, "only the animation flag is left");
        assert!(stripped.windows(4).any(|w| w == b"ANIM"));
        assert_eq!(
            u32::from_le_bytes(stripped[4..8].try_into().expect("4 bytes")) as usize,
            stripped.len() - 8
        );
        assert_eq!(strip_webp_metadata(b"RIFF\xff\xff\xff\xffWEBPVP8X\xff\xff\xff\x7f"), None);
    }
}
