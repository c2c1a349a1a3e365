//! The static site as a browser on a phone meets it: the smallest encoding it accepts,
//! cached for a year when the name is hashed, revalidated otherwise; pages compressed on the
//! fly and never cached.

use std::io::{Read, Write};
use std::path::Path;

use crate::support::TestServer;

/// What a browser sends when it takes either encoding.
const ACCEPTS_BOTH: &str = "Accept-Encoding: gzip, deflate, br\r\n";

/// A site root holding a "bundle" (a hashed wasm name, compressed both ways as the release
/// build leaves it) and one public file with no compressed copies.
fn site(dir: &Path, wasm: &[u8]) {
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("banter.Q1w2E3.wasm"), wasm).expect("wasm");
    std::fs::write(pkg.join("banter.Q1w2E3.wasm.br"), brotli(wasm)).expect("br");
    std::fs::write(pkg.join("banter.Q1w2E3.wasm.gz"), gzip(wasm)).expect("gz");
    std::fs::write(dir.join("manifest.webmanifest"), r#"{"name":"Banter"}"#).expect("manifest");
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = ::brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
    writer.write_all(bytes).expect("compress");
    drop(writer);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("gzip")
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    ::brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).expect("valid brotli");
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("valid gzip");
    out
}

/// Bytes that compress (as wasm does) but are not all alike.
fn bundle() -> Vec<u8> {
    (0..64 * 1024u32).map(|i| (i % 251) as u8 ^ (i / 1024) as u8).collect()
}

#[tokio::test]
async fn the_bundle_comes_in_the_smallest_encoding_the_browser_takes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = bundle();
    site(dir.path(), &wasm);
    let server = TestServer::start_serving_site(dir.path(), true).await;
    let path = "/pkg/banter.Q1w2E3.wasm";

    let br = server.fetch("", path, ACCEPTS_BOTH).await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("content-type"), Some("application/wasm"));
    assert!(br.body.len() < wasm.len() / 2, "{} bytes sent for {}", br.body.len(), wasm.len());
    assert_eq!(unbrotli(&br.body), wasm);

    let gz = server.fetch("", path, "Accept-Encoding: gzip\r\n").await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&gz.body), wasm);

    let plain = server.fetch("", path, "").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, wasm);

    for answer in [&br, &gz, &plain] {
        let vary = answer.header("vary").unwrap_or_default().to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "Vary: {vary}");
    }
}

#[tokio::test]
async fn hashed_bundle_names_are_cached_for_a_year_and_other_files_revalidated() {
    let dir = tempfile::tempdir().expect("temp dir");
    site(dir.path(), &bundle());
    let hashed = TestServer::start_serving_site(dir.path(), true).await;
    let wasm = hashed.fetch("", "/pkg/banter.Q1w2E3.wasm", ACCEPTS_BOTH).await;
    assert_eq!(wasm.header("cache-control"), Some("public, max-age=31536000, immutable"));

    let manifest = hashed.fetch("", "/manifest.webmanifest", "").await;
    assert_eq!(manifest.status, 200);
    assert_eq!(manifest.header("cache-control"), Some("no-cache"));
    // Revalidating an unchanged file costs a 304 and no body.
    let modified = manifest.header("last-modified").expect("Last-Modified").to_owned();
    let again =
        hashed.fetch("", "/manifest.webmanifest", &format!("If-Modified-Since: {modified}\r\n")).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    // A page's static script at the address pages link it by (its content's hash) is kept for
    // good; asked for by its bare name, or at another version, it is revalidated.
    std::fs::write(dir.path().join("early-send.js"), "// the script").expect("script");
    let linked = banter::static_scripts::EARLY_SEND.url();
    let script = hashed.fetch("", &linked, "").await;
    assert_eq!(script.status, 200);
    assert_eq!(script.header("cache-control"), Some("public, max-age=31536000, immutable"));
    for other in ["/early-send.js", "/early-send.js?v=00000000"] {
        assert_eq!(hashed.fetch("", other, "").await.header("cache-control"), Some("no-cache"), "{other}");
    }

    // A build without hashed names: the same URL may hold a new bundle tomorrow.
    let unhashed = TestServer::start_serving_site(dir.path(), false).await;
    let wasm = unhashed.fetch("", "/pkg/banter.Q1w2E3.wasm", ACCEPTS_BOTH).await;
    assert_eq!(wasm.header("cache-control"), Some("no-cache"));
}

#[tokio::test]
async fn a_missing_file_is_the_apps_not_found_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    site(dir.path(), &bundle());
    let server = TestServer::start_serving_site(dir.path(), false).await;
    let missing = server.fetch("", "/pkg/banter.Zz9.wasm", "Accept: text/html\r\n").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Page not found."), "{}", missing.text());
}

#[tokio::test]
async fn pages_are_compressed_on_the_fly_and_never_cached() {
    let server = TestServer::start().await;
    let cookie = server.cookie("ada").await;
    let accept = format!("Accept: text/html\r\n{ACCEPTS_BOTH}");

    let br = server.fetch(&cookie, "/r/general", &accept).await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("cache-control"), Some("private, no-cache"));
    let html = String::from_utf8(unbrotli(&br.body)).expect("UTF-8 page");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("general"));
    assert!(br.body.len() < html.len() / 2, "{} bytes sent for {}", br.body.len(), html.len());

    let gz = server.fetch(&cookie, "/r/general", "Accept: text/html\r\nAccept-Encoding: gzip\r\n").await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(String::from_utf8(gunzip(&gz.body)).expect("UTF-8 page").starts_with("<!DOCTYPE html>"));

    let plain = server.fetch(&cookie, "/r/general", "Accept: text/html\r\n").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.text().starts_with("<!DOCTYPE html>"));

    // A handler's own cache policy stands: the emoji catalog is the same for everyone.
    let catalog = server.fetch("", banter::emoji::CATALOG_PATH, ACCEPTS_BOTH).await;
    assert_eq!(catalog.header("content-encoding"), Some("br"));
    assert!(catalog.header("cache-control").unwrap_or_default().starts_with("public"));
}
