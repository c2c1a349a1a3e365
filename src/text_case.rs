//! Upper- and lower-casing text the same way on both sides, by the browser's own
//! `toUpperCase`/`toLowerCase` in the browser's build and by Rust's on the server.
//!
//! Rust's full Unicode case mapping carries its tables into the wasm (the lowercase table
//! alone is 11.7 KB, with the upper one and the tables for a final sigma beside it), and the
//! browser already has the same mapping (both follow Unicode's default case conversion). A
//! page uses it for little — an avatar's initials, a sentence's first letter, the emoji
//! picker's search — so the browser's build asks the browser (docs/benchmarks.md, "The page's
//! bundle").

/// `text` in lower case.
pub fn lowercase(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}

/// `text` in upper case.
pub fn uppercase(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::JsString::from(text).to_upper_case())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::{lowercase, uppercase};

    #[test]
    fn cases_follow_unicode_not_only_ascii() {
        assert_eq!(lowercase("Thumbs UP"), "thumbs up");
        assert_eq!(lowercase("ÉCOLE ΣΟΦΟΣ"), "école σοφος");
        assert_eq!(uppercase("zoë straße"), "ZOË STRASSE");
    }
}
