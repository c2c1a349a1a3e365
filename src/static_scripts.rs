//! The page's small static scripts (`public/*.js`: sending before the page is live, the
//! drawer's Escape, passkeys, an export's progress), addressed by their content.
//!
//! Their names carry no hash as the bundle's do, so a browser used to ask again before each
//! use, and on a phone network that one round trip (562 ms on Slow 4G) came before
//! `early-send.js` could run on a second visit (docs/benchmarks.md, "First visit"). Each is
//! now linked as `/<name>?v=<hash of its content>`, the hash taken at compile time, so both
//! builds write the same address; the server caches that address for a year
//! (`server::edge::assets`) when `v` is the current content's, and a changed script is a new
//! address.

/// One of them: its file in `public/` and the hash of what the binary was built with.
#[derive(Debug, Clone, Copy)]
pub struct StaticScript {
    pub file: &'static str,
    pub version: u32,
}

impl StaticScript {
    /// The address pages link it by.
    pub fn url(self) -> String {
        format!("/{}?v={:08x}", self.file, self.version)
    }
}

pub const EARLY_SEND: StaticScript =
    StaticScript { file: "early-send.js", version: content_hash(include_bytes!("../public/early-send.js")) };
pub const DRAWER: StaticScript =
    StaticScript { file: "drawer.js", version: content_hash(include_bytes!("../public/drawer.js")) };
pub const PASSKEYS: StaticScript =
    StaticScript { file: "passkeys.js", version: content_hash(include_bytes!("../public/passkeys.js")) };
pub const EXPORT_PROGRESS: StaticScript = StaticScript {
    file: "export-progress.js",
    version: content_hash(include_bytes!("../public/export-progress.js")),
};

/// All of them.
pub const ALL: [StaticScript; 4] = [EARLY_SEND, DRAWER, PASSKEYS, EXPORT_PROGRESS];

/// Whether a request for `path` with `query` asks for one of them at its current version: an
/// answer that never changes.
pub fn is_current(path: &str, query: Option<&str>) -> bool {
    let Some(file) = path.strip_prefix('/') else { return false };
    let asked = query.and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("v=")));
    ALL.iter().any(|script| script.file == file && asked == Some(format!("{:08x}", script.version).as_str()))
}

/// FNV-1a: small enough to run at compile time; a changed script gets another address.
const fn content_hash(bytes: &[u8]) -> u32 {
    let mut hash = 0x811c_9dc5_u32;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::{ALL, EARLY_SEND, content_hash, is_current};

    #[test]
    fn a_script_is_current_only_at_the_version_it_was_built_with() {
        let url = EARLY_SEND.url();
        let (path, query) = url.split_once('?').unwrap();
        assert!(is_current(path, Some(query)));
        assert!(!is_current(path, None));
        assert!(!is_current(path, Some("v=00000000")));
        assert!(!is_current("/sw.js", Some(query)));
        // Each file's own content, so each its own address.
        assert_ne!(ALL[0].version, ALL[1].version);
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
    }
}
