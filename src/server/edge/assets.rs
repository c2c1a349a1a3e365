//! The static site: the wasm bundle, its JS and CSS (`/pkg/…`) and `public/`, served so that
//! a phone downloads each as few bytes as possible and as few times as possible.
//!
//! - **Compressed ahead of time.** The release build writes `file.br` and `file.gz` beside
//!   every file (`cargo leptos build --release --precompress`); [`serve`] answers with the
//!   smallest variant the browser accepts, `Content-Encoding` set, and `Vary: Accept-Encoding`
//!   so no cache hands a brotli body to a browser that asked for gzip.
//! - **Cached for a year when the name says what is inside.** With hashed file names (the
//!   build's `hash-files`; [`hashed_names_built`]), a changed bundle is a new URL, so
//!   `/pkg/` answers are `immutable` and a second visit downloads no wasm. So are `public/`'s
//!   scripts asked for at their current version (`/early-send.js?v=<hash>`,
//!   `static_scripts`), as pages link them. Everything else
//!   (icons, the manifest, the service worker, an unhashed debug bundle) is revalidated on
//!   each use (`no-cache`, answered 304 when unchanged).
//! - **Pages and server-function answers** are compressed on the fly ([`compression`]) and
//!   never cached ([`DYNAMIC_CACHE_CONTROL`]): they are per person and change with every
//!   message.
//!
//! A path with no file gets the app's own 404 page, as before.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;
use tower::ServiceExt;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

use crate::app::shell;
use crate::server::state::AppState;

/// `Cache-Control` of a file whose name carries a hash of its content.
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of any other static file: keep it, but ask before each use (304 if same).
pub const REVALIDATE_CACHE_CONTROL: &str = "no-cache";

/// `Cache-Control` of everything the server generates (pages, server functions), unless the
/// handler says otherwise: personal, and stale as soon as someone writes.
pub const DYNAMIC_CACHE_CONTROL: &str = "private, no-cache";

/// Answers smaller than this are sent as they are: compressing them saves nothing.
pub const COMPRESS_MIN_BYTES: u16 = 512;

/// Brotli and gzip level for answers compressed on the fly: a page of history compresses
/// about as well at 4 as at the slow top levels, for a fraction of the CPU.
pub const DYNAMIC_COMPRESSION_LEVEL: i32 = 4;

/// Content types worth compressing on the fly: text. Attachments (images, archives, PDFs)
/// are already compressed or are the person's bytes to keep as sent.
const COMPRESSIBLE_TYPES: &[&str] = &[
    "text/html",
    "text/plain",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
];

/// Whether the build hashed the bundle's file names: cargo-leptos writes the hashes beside
/// the server binary, where Leptos reads them to name the files in each page.
pub fn hashed_names_built(options: &LeptosOptions) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .is_some_and(|file| file.is_file())
}

/// The fallback route: a file from the site root (the smallest encoding the browser takes,
/// with its cache policy), or the app's 404 page.
pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let options = &state.leptos_options;
    let probe = Request::from_parts(parts.clone(), Body::empty());
    let served = ServeDir::new(options.site_root.as_ref())
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(probe)
        .await;
    let mut response = match served {
        Ok(response) if response.status() != StatusCode::NOT_FOUND => response.into_response(),
        Ok(_) => {
            let not_found = leptos_axum::file_and_error_handler::<AppState, _>(shell);
            return not_found(parts.uri.clone(), State(state.clone()), Request::from_parts(parts, body))
                .await;
        }
        Err(infallible) => match infallible {},
    };
    let versioned = crate::static_scripts::is_current(parts.uri.path(), parts.uri.query());
    let policy = if versioned || fingerprinted(parts.uri.path(), options) {
        IMMUTABLE_CACHE_CONTROL
    } else {
        REVALIDATE_CACHE_CONTROL
    };
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether `path` names a file whose name changes whenever its content does: the bundle in
/// the package directory, when the build hashed the names.
fn fingerprinted(path: &str, options: &LeptosOptions) -> bool {
    options.hash_files
        && path
            .strip_prefix('/')
            .and_then(|rest| rest.strip_prefix(options.site_pkg_dir.as_ref()))
            .is_some_and(|rest| rest.starts_with('/') && Path::new(rest).components().count() == 2)
}

/// On-the-fly brotli or gzip (whichever the browser prefers) for text answers not already
/// encoded: pages, server-function JSON, the emoji catalog. The WebSocket upgrade has no
/// body and passes untouched.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(DYNAMIC_COMPRESSION_LEVEL))
        .compress_when(SizeAbove::new(COMPRESS_MIN_BYTES).and(compressible_type))
}

fn compressible_type(
    _status: StatusCode,
    _version: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _extensions: &axum::http::Extensions,
) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or_default().trim())
        .is_some_and(|mime| COMPRESSIBLE_TYPES.iter().any(|t| mime.eq_ignore_ascii_case(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(hash_files: bool) -> LeptosOptions {
        LeptosOptions::builder().output_name("banter").hash_files(hash_files).build()
    }

    #[test]
    fn only_hashed_bundle_files_are_immutable() {
        let hashed = options(true);
        assert!(fingerprinted("/pkg/banter.Xy_1.wasm", &hashed));
        assert!(fingerprinted("/pkg/banter.Xy_1.js", &hashed));
        assert!(!fingerprinted("/pkg", &hashed));
        assert!(!fingerprinted("/pkgs/banter.wasm", &hashed));
        assert!(!fingerprinted("/pkg/nested/file.js", &hashed));
        assert!(!fingerprinted("/sw.js", &hashed));
        assert!(!fingerprinted("/icons/icon-192.png", &hashed));
        assert!(!fingerprinted("/pkg/banter.wasm", &options(false)));
    }
}
