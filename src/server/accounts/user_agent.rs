//! A session's `User-Agent` in words, so a person can tell their sessions apart on the
//! profile page ("Firefox on Android"). Only a label: nothing decides anything by it, so a
//! handful of well-known markers is enough, and an unknown agent is simply "Unknown browser".

/// Browser markers, most specific first: Edge and Opera also say "Chrome", Chrome also says
/// "Safari".
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// System markers, most specific first: Android also says "Linux", iPhones "like Mac OS X".
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
];

/// "Browser on System", or as much of it as is known.
pub fn describe(user_agent: &str) -> String {
    let find = |table: &[(&str, &'static str)]| {
        table.iter().find(|(marker, _)| user_agent.contains(marker)).map(|(_, name)| *name)
    };
    let headless = user_agent.contains("HeadlessChrome");
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) if headless => format!("{browser} (headless) on {system}"),
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("Unknown browser on {system}"),
        (None, None) if user_agent.trim().is_empty() => "Unknown browser".to_owned(),
        // A bot or a tool: its own name (first word) says more than "unknown".
        (None, None) => user_agent.split_whitespace().next().unwrap_or("Unknown browser").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe(firefox), "Firefox on Linux");
        let chrome_android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                              Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(describe(chrome_android), "Chrome on Android");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                             (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(safari_iphone), "Safari on iOS");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/126.0 Safari/537.36 Edg/126.0";
        assert_eq!(describe(edge), "Edge on Windows");
    }

    #[test]
    fn tools_and_blanks_still_get_a_label() {
        assert_eq!(describe(""), "Unknown browser");
        assert_eq!(describe("curl/8.5.0"), "curl/8.5.0");
    }
}
