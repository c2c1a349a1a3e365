//! A minimal protocol client for load: connect (optionally from a chosen source address),
//! join, and read frames parsing only the fields the accounting needs.

use std::net::{IpAddr, SocketAddr};

use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::protocol::{self, ClientFrame};

pub type Socket = WebSocketStream<TcpStream>;

/// Bytes read from a socket at a time. tungstenite zero-fills its whole read buffer on every
/// read (128 KiB by default), which was a third of the load tool's time in the fan-out profile;
/// a few KiB holds several chat frames.
pub const READ_BUFFER_BYTES: usize = 8 * 1024;

fn config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES)
}

/// Just enough of a server frame: borrowed, unknown fields skipped.
#[derive(Debug, Deserialize)]
pub struct Peek<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub seq: Option<i64>,
    pub latest_seq: Option<i64>,
    #[serde(borrow)]
    pub body: Option<&'a str>,
    /// A presence frame's name.
    #[serde(borrow)]
    pub name: Option<&'a str>,
}

pub fn peek(text: &str) -> Option<Peek<'_>> {
    serde_json::from_str(text).ok()
}

/// Open a WebSocket to `addr`, from `source` when given (to spread connections over several
/// loopback addresses and so past one address's ephemeral ports).
pub async fn connect(addr: SocketAddr, source: Option<IpAddr>) -> anyhow::Result<Socket> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(format!("ws://{addr}/ws"), stream, Some(config()))
            .await?;
    Ok(ws)
}

/// Say hello and wait for the welcome; returns the room's latest `seq` at that moment.
pub async fn join(ws: &mut Socket, name: &str) -> anyhow::Result<i64> {
    let hello =
        ClientFrame::Hello { name: name.to_owned(), room: protocol::DEFAULT_ROOM.to_owned(), after: None };
    ws.send(Message::text(protocol::encode(&hello))).await?;
    while let Some(message) = ws.next().await {
        let Message::Text(text) = message? else { continue };
        match peek(text.as_str()).map(|frame| (frame.kind, frame.latest_seq)) {
            Some(("welcome", latest)) => return Ok(latest.unwrap_or(0)),
            Some(("error", _)) => anyhow::bail!("join refused: {}", text.as_str()),
            _ => {}
        }
    }
    anyhow::bail!("connection closed before welcome")
}

pub fn send_frame(client_id: &str, body: String) -> Message {
    let frame =
        ClientFrame::Send { room: protocol::DEFAULT_ROOM.to_owned(), client_id: client_id.to_owned(), body };
    Message::text(protocol::encode(&frame))
}
