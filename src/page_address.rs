//! The page's address, read without a router: which room's page it is (`/`, the default room;
//! `/r/<room>`; `/r/<room>/t/<root>` with that thread open beside it; each with `?at=<seq>` to
//! open the room at a message), and the values in its query (a plain form's refusal comes back
//! as `?error=<code>`).
//!
//! A room's page is the one page the browser hydrates (every other page is the server's
//! alone: `components::server_only`), and it never changes address without a page load (its
//! links are full page loads). So the server (from the request) and the browser (from
//! `location`) read the address themselves instead of through a router, and render the
//! room's page outside it: the browser's build carries no router at all, which took about a
//! tenth off its bundle (docs/benchmarks.md, "The page's bundle").

use crate::ids::{RoomName, Seq};
use crate::protocol::DEFAULT_ROOM;

/// A room's page: which room, opened at which message, with which thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomAddress {
    /// As written in the address (room names are plain ASCII; one that names no room, or
    /// one this person may not see, gets the page that says so).
    pub room: RoomName,
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
        let at = query_value_in(query, "at").and_then(|at| at.parse().ok());
        Some(Self { room: RoomName::from(room), at, thread: root.and_then(|root| root.parse().ok()) })
    }

    /// The page being rendered, if it is a room's.
    pub fn of_this_page() -> Option<Self> {
        let (path, query) = this_page()?;
        Self::parse(&path, &query)
    }
}

/// The value of `name` in the page's query, as written (the values read this way are codes
/// and numbers, which need no decoding).
pub fn query_value(name: &str) -> Option<String> {
    let (_, query) = this_page()?;
    query_value_in(&query, name).map(str::to_owned)
}

fn query_value_in<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The page being rendered, as its path and its query (after `?`): the request's on the
/// server, `location` in the browser. The page never changes address without a page load,
/// so neither is reactive.
fn this_page() -> Option<(String, String)> {
    #[cfg(feature = "ssr")]
    {
        // Listing the server's routes renders the app with a made-up request for `/`: no page.
        if leptos_router::RouteList::is_generating() {
            return None;
        }
        let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
        Some((parts.uri.path().to_owned(), parts.uri.query().unwrap_or_default().to_owned()))
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let location = leptos::prelude::window().location();
        let (path, search) = (location.pathname().ok()?, location.search().ok()?);
        let query = search.strip_prefix('?').unwrap_or(&search).to_owned();
        Some((path, query))
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    None
}

#[cfg(test)]
mod tests {
    use super::{RoomAddress, query_value_in};
    use crate::ids::Seq;

    fn room(path: &str) -> Option<(String, Option<i64>)> {
        RoomAddress::parse(path, "").map(|a| (a.room.as_str().to_owned(), a.thread.map(|t| t.0)))
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
        assert_eq!(at("chat=1"), None);
        assert_eq!(query_value_in("in=bots&error=name_taken", "error"), Some("name_taken"));
        assert_eq!(query_value_in("errors=x", "error"), None);
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
