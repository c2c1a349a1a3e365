//! A minimal protocol client for load: connect (optionally from a chosen source address),
//! join, and read frames parsing only the fields the accounting needs.

use std::net::{IpAddr, SocketAddr};

use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::COOKIE;
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

/// A `presence` frame: its event (`joined`, `left`, `count`), name and count of people online.
/// Apart from [`Peek`], whose frames use `online` for names as well (`welcome`).
#[derive(Debug, Deserialize)]
pub struct PresencePeek<'a> {
    #[serde(borrow)]
    pub event: &'a str,
    #[serde(borrow)]
    pub name: &'a str,
    pub online: usize,
}

/// The frame as a `presence` frame, if it is one.
pub fn peek_presence(text: &str) -> Option<PresencePeek<'_>> {
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: &'a str,
    }
    let kind: Kind<'_> = serde_json::from_str(text).ok()?;
    if kind.kind != "presence" {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// Open a WebSocket to `addr`, from `source` when given (to spread connections over several
/// loopback addresses and so past one address's ephemeral ports).
pub async fn connect(addr: SocketAddr, source: Option<IpAddr>, cookie: &str) -> anyhow::Result<Socket> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
    request.headers_mut().insert(COOKIE, HeaderValue::from_str(cookie)?);
    let (ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config())).await?;
    Ok(ws)
}

/// Create an account with a random password and return its session cookie (`name=value`),
/// through the same form endpoint a browser uses. One account serves many connections, as
/// one person's many tabs would.
pub async fn sign_up(addr: SocketAddr, username: &str) -> anyhow::Result<String> {
    let password = format!("load-{}", uuid::Uuid::new_v4().simple());
    let body = format!("username={username}&password={password}");
    let request = format!(
        "POST /api/sign_up HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response);
    session_cookie(&response).ok_or_else(|| {
        let status = response.lines().next().unwrap_or_default();
        anyhow::anyhow!("sign-up as {username:?} gave no session ({status})")
    })
}

/// The `banter_session=…` pair from an HTTP response's `Set-Cookie` headers.
pub fn session_cookie(response: &str) -> Option<String> {
    response
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.trim().split(';').next())
        .find(|pair| pair.starts_with("banter_session=") && pair.len() > "banter_session=".len())
        .map(str::to_owned)
}

/// The `hello` that joins the default room from now on.
pub fn hello_text() -> String {
    protocol::encode(&ClientFrame::Hello { room: protocol::DEFAULT_ROOM.into(), after: None })
}

/// Say hello and wait for the welcome; returns the room's latest `seq` at that moment.
pub async fn join(ws: &mut Socket) -> anyhow::Result<i64> {
    ws.send(Message::text(hello_text())).await?;
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
    let frame = ClientFrame::Send {
        room: protocol::DEFAULT_ROOM.into(),
        client_id: client_id.to_owned(),
        body,
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        also_to_room: false,
    };
    Message::text(protocol::encode(&frame))
}
