//! Small files made on the spot, for the unit and integration tests: a sideways phone photo
//! with GPS, a PNG, an animated GIF, an MP4 header, a decompression bomb.
//!
//! Test data only: compiled into the unit tests (`cfg(test)`) and into the integration tests
//! (`tests/support`, by path), never into the server.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, Rgb, RgbImage};

/// A little-endian EXIF block with orientation 6 (turn 90° clockwise to view) and a GPS
/// latitude reference: what a phone writes.
pub fn exif_rotated_with_gps() -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    // IFD0: two entries.
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([0x12, 0x01, 3, 0]); // Orientation, SHORT
    tiff.extend(1u32.to_le_bytes());
    tiff.extend([6, 0, 0, 0]);
    tiff.extend([0x25, 0x88, 4, 0]); // GPSInfo IFD pointer, LONG
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD at 38: GPSLatitudeRef = "N".
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([0x01, 0x00, 2, 0]);
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0u32.to_le_bytes());
    tiff
}

/// A 40×20 JPEG, left half red and right half blue, with [`exif_rotated_with_gps`].
pub fn sideways_photo() -> Vec<u8> {
    let image = RgbImage::from_fn(40, 20, |x, _| if x < 20 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 95);
    encoder.set_exif_metadata(exif_rotated_with_gps()).expect("JPEG takes EXIF");
    encoder.write_image(image.as_raw(), 40, 20, image::ExtendedColorType::Rgb8).expect("encode");
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&vec![200; (width * height * 3) as usize], width, height, image::ExtendedColorType::Rgb8)
        .expect("encode");
    out
}

pub fn gif() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
    let frame = image::Frame::new(image::RgbaImage::from_pixel(8, 8, image::Rgba([0, 255, 0, 255])));
    encoder.encode_frames([frame.clone(), frame]).expect("encode");
    drop(encoder);
    out
}

/// The first bytes of an MP4: an `ftyp` box.
pub fn mp4_head() -> Vec<u8> {
    let mut out = 24u32.to_be_bytes().to_vec();
    out.extend(b"ftypisom\0\0\x02\0isomiso2");
    out.extend([0; 64]);
    out
}

/// A PNG header claiming 10,000 × 10,000 pixels (100 megapixels) with no pixel data: a
/// decompression bomb's shape.
pub fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(10_000u32.to_be_bytes());
    ihdr.extend(10_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut chunk = |body: &[u8]| {
        png.extend(u32::try_from(body.len() - 4).expect("small").to_be_bytes());
        png.extend(body);
        png.extend(crc32(body).to_be_bytes());
    };
    chunk(&ihdr);
    // An empty zlib stream for data, then the end.
    chunk(b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01");
    chunk(b"IEND");
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
