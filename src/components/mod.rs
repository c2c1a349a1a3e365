//! The page's pieces, one component per file.

pub mod account_form;
pub mod attachment_tray;
pub mod attachment_view;
pub mod avatar;
pub mod bots_section;
pub mod chat_page;
pub mod completions;
pub mod composer;
pub mod emoji_picker;
pub mod emoji_source;
pub mod header;
pub mod hook_line;
pub mod icons;
// Rendered by the server alone (see `server_only`): not in the browser's bundle.
#[cfg(feature = "ssr")]
pub mod integrations_page;
pub mod link_card;
#[cfg(feature = "ssr")]
pub mod mail_pages;
pub mod message_item;
pub mod message_list;
pub mod message_touch;
#[cfg(feature = "ssr")]
pub mod moderation_page;
pub mod notify_toggle;
pub mod profile_page;
#[cfg(feature = "ssr")]
pub mod reset_page;
pub mod room_info;
pub mod rooms_page;
pub mod saved_page;
pub mod search_page;
pub mod server_only;
pub mod sidebar;
pub mod thread_panel;
pub mod threads_page;
