//! Pages the server renders alone, without the browser's bundle: every page but a room's (the
//! chat, which is live). That is sign-in and sign-up, the profile and its sub-pages (email,
//! two-factor, export, blocked people, deleting the account), finding and starting rooms,
//! search, saved messages, followed threads, a room's integrations page and moderation log,
//! reports, the password reset and "Forgot password?" pages, and the page a digest's
//! unsubscribe link leads to. Their forms are plain forms and their links full page loads,
//! which work without a script, so the browser needs none of their code; leaving them out
//! keeps the bundle every page downloads smaller (#28). What little they do in the browser is
//! a small static script's (`public/drawer.js`, `public/passkeys.js`,
//! `public/export-progress.js`).
//!
//! The shell leaves their hydration scripts out ([`is_server_only`]). In the browser's build
//! their routes are a [`Reload`], which asks the server for the page should the router ever
//! reach one (a link to them without `rel="external"`).

#[cfg(not(feature = "ssr"))]
use leptos::prelude::*;

/// Whether `path` (a request's) is one of the pages the server renders alone.
pub fn is_server_only(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["", "r", room, "integrations" | "moderation"] if !room.is_empty())
        || matches!(parts.as_slice(), ["", "r", room, "report", _] if !room.is_empty())
        || matches!(
            parts.as_slice(),
            ["", "signin" | "signup" | "reset" | "forgot" | "unsubscribe" | "reports"]
                | ["", "profile" | "rooms" | "search" | "saved" | "threads"]
                | ["", "profile", "email" | "security" | "delete" | "blocked" | "export"]
                | ["", "signin", "code"]
        )
}

#[cfg(feature = "ssr")]
pub use crate::components::blocked_page::BlockedPage;
#[cfg(feature = "ssr")]
pub use crate::components::delete_account_page::DeleteAccountPage;
#[cfg(feature = "ssr")]
pub use crate::components::email_page::EmailPage;
#[cfg(feature = "ssr")]
pub use crate::components::export_page::ExportPage;
#[cfg(feature = "ssr")]
pub use crate::components::integrations_page::IntegrationsPage;
#[cfg(feature = "ssr")]
pub use crate::components::mail_pages::{ForgotPasswordPage, UnsubscribePage};
#[cfg(feature = "ssr")]
pub use crate::components::moderation_page::ModerationPage;
#[cfg(feature = "ssr")]
pub use crate::components::profile_page::ProfilePage;
#[cfg(feature = "ssr")]
pub use crate::components::report_pages::{ReportPage, ReportsPage};
#[cfg(feature = "ssr")]
pub use crate::components::reset_page::ResetPasswordPage;
#[cfg(feature = "ssr")]
pub use crate::components::rooms_page::RoomsPage;
#[cfg(feature = "ssr")]
pub use crate::components::saved_page::SavedPage;
#[cfg(feature = "ssr")]
pub use crate::components::search_page::SearchPage;
#[cfg(feature = "ssr")]
pub use crate::components::second_factor_pages::{CodePage, SecurityPage};
#[cfg(feature = "ssr")]
pub use crate::components::sign_in_pages::{SignInPage, SignUpPage};
#[cfg(feature = "ssr")]
pub use crate::components::threads_page::ThreadsPage;

// In the browser, each of them is the same stand-in: the page comes from the server.
#[cfg(not(feature = "ssr"))]
pub use self::Reload as BlockedPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as CodePage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as DeleteAccountPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as EmailPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ExportPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ForgotPasswordPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as IntegrationsPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ModerationPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ProfilePage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ReportPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ReportsPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ResetPasswordPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as RoomsPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as SavedPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as SearchPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as SecurityPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as SignInPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as SignUpPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as ThreadsPage;
#[cfg(not(feature = "ssr"))]
pub use self::Reload as UnsubscribePage;

/// Load the current address from the server, as a page of its own.
#[cfg(not(feature = "ssr"))]
#[component]
pub fn Reload() -> impl IntoView {
    Effect::new(|| {
        #[cfg(feature = "hydrate")]
        let _ = window().location().reload();
    });
    view! { <p class="loading">"Loading…"</p> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_page_but_a_rooms_chat_is_the_servers_alone() {
        use super::is_server_only;
        assert!(!is_server_only("/") && !is_server_only("/r/general") && !is_server_only("/r/general/"));
        assert!(!is_server_only("/r/general/t/4") && !is_server_only("/r/p-abc"));
        assert!(is_server_only("/r/p-abc/integrations") && is_server_only("/r/general/moderation/"));
        assert!(!is_server_only("/r//moderation"));
        assert!(is_server_only("/profile") && is_server_only("/profile/") && is_server_only("/rooms"));
        assert!(is_server_only("/search") && is_server_only("/saved") && is_server_only("/threads"));
        assert!(!is_server_only("/searching") && !is_server_only("/profiles"));
        assert!(is_server_only("/reset") && !is_server_only("/resets"));
        assert!(is_server_only("/signin") && is_server_only("/signup") && !is_server_only("/signing"));
        assert!(is_server_only("/signin/code") && is_server_only("/profile/security"));
        assert!(is_server_only("/r/general/report/12") && is_server_only("/reports"));
        assert!(is_server_only("/profile/delete") && is_server_only("/profile/blocked"));
        assert!(is_server_only("/profile/export"));
        assert!(
            is_server_only("/forgot") && is_server_only("/unsubscribe/") && !is_server_only("/unsubscribed")
        );
    }
}
