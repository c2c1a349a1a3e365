//! Where a room's page is, read from its address: `/` (the default room), `/r/<room>`, and
//! `/r/<room>/t/<root>` (that thread open beside it), each with `?at=<seq>` to open the room
//! at a message.
//!
//! A room's page is the one page the browser hydrates (every other page is the server's
//! alone: `components::server_only`), and it never changes address without a page load (its
//! links are full page loads). So the server (from the request) and the browser (from
//! `location`) read the address themselves instead of through a router, and render the
//! room's page outside it: the browser's build carries no router at all, which took about a
//! tenth off its bundle (docs/benchmarks.md, "The page's bundle").

use crate::ids::Seq;
use crate::protocol::DEFAULT_ROOM;

/// A room's page: which room, opened at which message, with which thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomAddress {
    /// As written in the address (room names are plain ASCII; one that names no room, or
    /// one this person may not see, gets the page that says so).
    pub room: String,
    pub at: Option<Seq>,
    pub thread: Option<Seq>,
}

impl RoomAddress {
    /// The room's page at `path` (with or without a trailing slash), `query` being the part
    /// after `?`; `None` for every other page.
    pub fn parse(path: &str, query: &str) -> Option<Self> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let (room, root) = match path.split('/').collect::<Vec<_>>().as_slice() {
            [""] => (DEFAULT_ROOM, None),
            ["", "r", room] if !room.is_empty() => (*room, None),
            ["", "r", room, "t", root] if !room.is_empty() && !root.is_empty() => (*room, Some(*root)),
            _ => return None,
        };
        let at = query.split('&').find_map(|pair| pair.strip_prefix("at=")).and_then(|at| at.parse().ok());
        Some(Self { room: room.to_owned(), at, thread: root.and_then(|root| root.parse().ok()) })
    }

    /// The page being rendered: the request's on the server, `location` in the browser.
    pub fn of_this_page() -> Option<Self> {
        #[cfg(feature = "ssr")]
        {
            let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
            Self::parse(parts.uri.path(), parts.uri.query().unwrap_or_default())
        }
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            let location = leptos::prelude::window().location();
            let (path, search) = (location.pathname().ok()?, location.search().ok()?);
            Self::parse(&path, search.strip_prefix('?').unwrap_or(&search))
        }
        #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
        None
    }
}

#[cfg(test)]
mod tests {
    use super::RoomAddress;
    use crate::ids::Seq;

    fn room(path: &str) -> Option<(String, Option<i64>)> {
        RoomAddress::parse(path, "").map(|a| (a.room, a.thread.map(|t| t.0)))
    }

    #[test]
    fn a_rooms_page_is_read_from_its_address() {
        assert_eq!(room("/"), Some(("general".to_owned(), None)));
        assert_eq!(room("/r/lobby"), Some(("lobby".to_owned(), None)));
        assert_eq!(room("/r/lobby/"), Some(("lobby".to_owned(), None)));
        assert_eq!(room("/r/p-abc"), Some(("p-abc".to_owned(), None)));
        assert_eq!(room("/r/lobby/t/4"), Some(("lobby".to_owned(), Some(4))));
        // A thread root that is no number opens the room alone, as before.
        assert_eq!(room("/r/lobby/t/four"), Some(("lobby".to_owned(), None)));
        let at = |query| RoomAddress::parse("/r/lobby", query).and_then(|a| a.at);
        assert_eq!(at("at=12"), Some(Seq(12)));
        assert_eq!(at("x=1&at=7"), Some(Seq(7)));
        assert_eq!(at("at=soon"), None);
        assert_eq!(at(""), None);
    }

    #[test]
    fn every_other_page_is_the_servers_alone() {
        for path in [
            "/r/p-abc/integrations",
            "/r/general/moderation/",
            "/r//moderation",
            "/r/",
            "/r/lobby/t/",
            "/r/general/report/12",
            "/profile",
            "/profile/",
            "/rooms",
            "/search",
            "/saved",
            "/threads",
            "/reset",
            "/signin",
            "/signup",
            "/signin/code",
            "/profile/security",
            "/reports",
            "/profile/delete",
            "/profile/blocked",
            "/profile/export",
            "/forgot",
            "/unsubscribe/",
            "/nowhere",
            "//",
        ] {
            assert_eq!(RoomAddress::parse(path, ""), None, "{path}");
        }
    }
}
