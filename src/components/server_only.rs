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
//! The shell leaves their hydration scripts out (every page that is not a room's:
//! `page_address`), and the browser's build has neither them nor the router they are reached
//! through.

pub use crate::components::blocked_page::BlockedPage;
pub use crate::components::delete_account_page::DeleteAccountPage;
pub use crate::components::email_page::EmailPage;
pub use crate::components::export_page::ExportPage;
pub use crate::components::integrations_page::IntegrationsPage;
pub use crate::components::mail_pages::{ForgotPasswordPage, UnsubscribePage};
pub use crate::components::moderation_page::ModerationPage;
pub use crate::components::profile_page::ProfilePage;
pub use crate::components::report_pages::{ReportPage, ReportsPage};
pub use crate::components::reset_page::ResetPasswordPage;
pub use crate::components::rooms_page::RoomsPage;
pub use crate::components::saved_page::SavedPage;
pub use crate::components::search_page::SearchPage;
pub use crate::components::second_factor_pages::{CodePage, SecurityPage};
pub use crate::components::sign_in_pages::{SignInPage, SignUpPage};
pub use crate::components::threads_page::ThreadsPage;
