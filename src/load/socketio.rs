//! The Socket.IO tutorial's protocol, so that the same scenarios can drive the benchmark's
//! peer (`bench/peers/socketio`, the tutorial's server) side by side with Banter.
//!
//! Only what that server speaks, over a WebSocket from the start (no long-polling): Engine.IO
//! 4's open packet (`0{…}`), a connect to the main namespace (`40`, answered with `40{…}`),
//! `chat message` events (`42["chat message","…"]`), and the heartbeat, which
//! [`RawSocket`] answers. The server relays every event to every socket, the sender included.
//!
//! Socket.IO numbers nothing, so each message carries who sent it and its number from that
//! sender, `p<publisher> k<number> t<due ns> <padding>`; the tutorial's server relays one
//! sender's events in the order it read them, so a receiver checks loss, duplicates and order
//! with one ledger per publisher.

use std::net::{IpAddr, SocketAddr};

use super::raw_socket::RawSocket;

/// Engine.IO 4 over a WebSocket, without the long-polling start.
pub const PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// The event name of the tutorial's messages.
pub const EVENT: &str = "chat message";

/// Connect to the main namespace of the Socket.IO server at `addr` (from `source` when given).
pub async fn connect(addr: SocketAddr, source: Option<IpAddr>) -> anyhow::Result<RawSocket> {
    let mut socket = RawSocket::upgrade(addr, source, PATH, "").await?;
    socket.answer_engine_io_pings();
    socket.wait_for(|text| text.starts_with('0')).await?;
    socket.send_text("40").await?;
    let connected = socket.wait_for(|text| text.starts_with("40") || text.starts_with("44")).await?;
    anyhow::ensure!(connected.starts_with("40"), "namespace connect refused: {connected}");
    Ok(socket)
}

/// The event packet of message `number` (from 1) from `publisher`, due at `due_ns`.
pub fn chat_message(publisher: usize, number: i64, due_ns: i64, padding: &str) -> String {
    format!(r#"42["{EVENT}","p{publisher} k{number} t{due_ns} {padding}"]"#)
}

/// The publisher, number and due time of a relayed `chat message`; `None` for anything else.
pub fn delivery(text: &str) -> Option<(usize, i64, i64)> {
    let rest = text.strip_prefix(r#"42["chat message","p"#)?;
    let (publisher, rest) = leading_int(rest)?;
    let (number, rest) = leading_int(rest.strip_prefix(" k")?)?;
    let (due, _) = leading_int(rest.strip_prefix(" t")?)?;
    Some((usize::try_from(publisher).ok()?, number, due))
}

/// The number at the start of `text`, and what follows it.
fn leading_int(text: &str) -> Option<(i64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    Some((text[..digits].parse().ok()?, &text[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relayed_message_gives_back_what_its_publisher_wrote() {
        let packet = chat_message(3, 17, 1_700_000_000_000_000_000, "xxxx");
        assert_eq!(packet, r#"42["chat message","p3 k17 t1700000000000000000 xxxx"]"#);
        assert_eq!(delivery(&packet), Some((3, 17, 1_700_000_000_000_000_000)));
    }

    #[test]
    fn other_packets_are_not_deliveries() {
        assert_eq!(delivery(r#"0{"sid":"abc","pingInterval":25000}"#), None);
        assert_eq!(delivery("2"), None);
        assert_eq!(delivery(r#"42["chat message","hello"]"#), None);
        assert_eq!(delivery(r#"42["other","p1 k2 t3"]"#), None);
    }
}
