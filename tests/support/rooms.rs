//! Setups many tests share: a private room with its guests invited, a one-to-one
//! conversation. Each goes through the same form endpoints a browser without JavaScript uses
//! and checks they did what they say, so a test that builds on one starts from a known place.

use super::http::header;
use super::server::TestServer;

impl TestServer {
    /// A private room titled `title`, made by the account behind `owner` (a cookie), with
    /// each of `guests` (usernames) invited: its address (`p-…`, not its title).
    pub async fn private_room(&self, owner: &str, title: &str, guests: &[&str]) -> String {
        let created =
            self.post_form("/api/create_room", Some(owner), &format!("name={title}&private=on")).await;
        let room = header(&created, "location")
            .and_then(|location| location.strip_prefix("/r/"))
            .unwrap_or_else(|| panic!("the room is made: {created}"))
            .to_owned();
        for guest in guests {
            let invited =
                self.post_form("/api/invite", Some(owner), &format!("room={room}&username={guest}")).await;
            assert_eq!(header(&invited, "location"), Some(format!("/r/{room}").as_str()), "{invited}");
        }
        room
    }

    /// The conversation between the account behind `cookie` and `with` (a username), opened
    /// (or found) by the first: its address.
    pub async fn conversation(&self, cookie: &str, with: &str) -> String {
        let opened = self.post_form("/api/open_direct", Some(cookie), &format!("username={with}")).await;
        header(&opened, "location")
            .and_then(|location| location.strip_prefix("/r/"))
            .unwrap_or_else(|| panic!("the conversation opens: {opened}"))
            .to_owned()
    }
}
