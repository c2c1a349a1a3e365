//! A WebSocket client speaking Banter's protocol (docs/protocol.md): connect with a session
//! cookie, say hello, send frames, and read the server's frames in order, each within
//! [`PATIENCE`].

use banter::ids::Seq;
use banter::protocol::{self, ClientFrame, ErrorCode, ServerFrame};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::COOKIE;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::PATIENCE;
use super::server::TestServer;

impl TestServer {
    /// A connection signed in as `username`, not yet joined.
    pub async fn connect(&self, username: &str) -> Client {
        let cookie = self.cookie(username).await;
        Client::connect(&self.ws_url(), &cookie).await
    }

    /// Open a socket with `cookie`, or the HTTP status the upgrade was refused with.
    pub async fn try_connect(
        &self,
        cookie: &str,
    ) -> Result<Client, tokio_tungstenite::tungstenite::http::StatusCode> {
        let mut request = self.ws_url().into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(COOKIE, HeaderValue::from_str(cookie).expect("a cookie header"));
        match tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(request))
            .await
            .expect("in time")
        {
            Ok((ws, _)) => Ok(Client::from_stream(ws)),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status()),
            Err(other) => panic!("unexpected handshake failure: {other}"),
        }
    }

    /// A socket with `cookie` as soon as the server admits one (after another was closed).
    pub async fn connect_once_freed(&self, cookie: &str) -> Client {
        let admitted = tokio::time::timeout(PATIENCE, async {
            loop {
                if let Ok(client) = self.try_connect(cookie).await {
                    return client;
                }
                tokio::task::yield_now().await;
            }
        });
        admitted.await.expect("the freed place is taken again")
    }

    /// A client signed in as `username` that has said hello and read its welcome.
    pub async fn join(&self, username: &str) -> Client {
        self.join_after(username, None).await
    }

    /// A client signed in as `username` that has joined `room` (reading what came before its
    /// welcome).
    pub async fn join_room(&self, username: &str, room: &str) -> Client {
        let mut client = self.connect(username).await;
        client.send(&ClientFrame::Hello { room: room.into(), after: None }).await;
        client.until(|f| matches!(f, ServerFrame::Welcome { .. })).await;
        client
    }

    pub async fn join_after(&self, username: &str, after: Option<Seq>) -> Client {
        let mut client = self.connect(username).await;
        client
            .send(&ClientFrame::Hello { room: "general".into(), after: after.map(protocol::ResumeFrom::Seq) })
            .await;
        let welcome = client.next().await;
        assert!(matches!(welcome, ServerFrame::Welcome { .. }), "expected welcome, got {welcome:?}");
        client
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Whether `person` frames (someone you share a room with came or went, sent from a
    /// background task at no fixed point in the stream) are returned or passed over. Off by
    /// default, so tests about other things read a deterministic stream.
    people: bool,
    /// Whether `members` frames (a room's member list changed; every sign-up joins general,
    /// so tests about other things would meet them anywhere) are returned or passed over.
    members: bool,
}

/// What the next read brought, for tests that expect the connection to end.
// A few of these live at a time in a test: their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    Frame(ServerFrame),
    Closed(Option<CloseFrame>),
    Ended,
}

impl Client {
    /// Connect to `url` presenting `cookie` (`banter_session=…`).
    pub async fn connect(url: &str, cookie: &str) -> Self {
        let mut request = url.into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(COOKIE, HeaderValue::from_str(cookie).expect("a cookie header"));
        let (ws, _) = tokio_tungstenite::connect_async(request).await.expect("WebSocket connects");
        Self::from_stream(ws)
    }

    /// Connect to `url` as the bot whose token is `token` (`Authorization: Bearer`).
    pub async fn connect_bot(url: &str, token: &str) -> Self {
        let mut request = url.into_client_request().expect("a WebSocket URL");
        let bearer = HeaderValue::from_str(&format!("Bearer {token}")).expect("a header");
        request.headers_mut().insert(tokio_tungstenite::tungstenite::http::header::AUTHORIZATION, bearer);
        let (ws, _) = tokio_tungstenite::connect_async(request).await.expect("the bot connects");
        Self::from_stream(ws)
    }

    /// A client on a socket opened some other way.
    pub fn from_stream(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Self {
        Self { ws, people: false, members: false }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&protocol::encode(frame)).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    pub async fn send_message(&mut self, client_id: &str, body: &str) {
        self.send_to("general", client_id, body).await;
    }

    /// Send `body` to `room` (text or a slash command) as `client_id`, without waiting.
    pub async fn send_to(&mut self, room: &str, client_id: &str, body: &str) {
        self.send(&Self::message(room, client_id, body)).await;
    }

    /// The `send` frame of a plain message: `body` to `room` as `client_id`.
    pub fn message(room: &str, client_id: &str, body: &str) -> ClientFrame {
        ClientFrame::Send {
            room: room.into(),
            client_id: client_id.into(),
            body: body.into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        }
    }

    /// Send `body` to `room` as `client_id` and read until what answers it: the message it
    /// became, a command's `reply`, or a refusal.
    pub async fn answer(&mut self, room: &str, client_id: &str, body: &str) -> ServerFrame {
        self.send_to(room, client_id, body).await;
        let (frame, _) = self
            .until(|f| match f {
                ServerFrame::Message(m) => m.client_id == client_id,
                ServerFrame::Reply { client_id: id, .. } | ServerFrame::Error { client_id: Some(id), .. } => {
                    id == client_id
                }
                _ => false,
            })
            .await;
        frame
    }

    /// Post `body` in `room`; its `seq`.
    pub async fn say(&mut self, room: &str, client_id: &str, body: &str) -> Seq {
        self.send_to(room, client_id, body).await;
        self.ack(client_id).await
    }

    /// Send a message or a change (`send`, `edit`, `delete`, `react`, `pin`, `remove_preview`): its own `seq`, or
    /// the error code.
    pub async fn change(&mut self, frame: ClientFrame) -> Result<Seq, ErrorCode> {
        let id = match &frame {
            ClientFrame::Send { client_id, .. }
            | ClientFrame::Edit { client_id, .. }
            | ClientFrame::Delete { client_id, .. }
            | ClientFrame::React { client_id, .. }
            | ClientFrame::Pin { client_id, .. }
            | ClientFrame::RemovePreview { client_id, .. } => client_id.clone(),
            other => panic!("not a change: {other:?}"),
        };
        self.send(&frame).await;
        let (answer, _) = self
            .until(|f| matches!(f, ServerFrame::Ack { client_id, .. } | ServerFrame::Error { client_id: Some(client_id), .. } if *client_id == id))
            .await;
        match answer {
            ServerFrame::Ack { seq, .. } => Ok(seq),
            ServerFrame::Error { code, .. } => Err(code),
            other => panic!("expected an ack or an error, got {other:?}"),
        }
    }

    /// From now on, return `members` frames too.
    pub fn hear_members(&mut self) {
        self.members = true;
    }

    /// From now on, return `person` frames too.
    pub fn hear_people(&mut self) {
        self.people = true;
    }

    /// The next protocol frame (skipping transport pings, and `person` frames unless asked).
    pub async fn event(&mut self) -> Event {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.ws.next()).await.expect("a frame in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    let frame = protocol::decode_server(text.as_str()).expect("valid server frame");
                    if matches!(frame, ServerFrame::Person { .. }) && !self.people
                        || matches!(frame, ServerFrame::Members { .. }) && !self.members
                    {
                        continue;
                    }
                    return Event::Frame(frame);
                }
                Some(Ok(Message::Close(frame))) => return Event::Closed(frame),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Event::Ended,
            }
        }
    }

    pub async fn next(&mut self) -> ServerFrame {
        match self.event().await {
            Event::Frame(frame) => frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// Read until a frame matches, returning it; everything before is returned too.
    pub async fn until(
        &mut self,
        mut wanted: impl FnMut(&ServerFrame) -> bool,
    ) -> (ServerFrame, Vec<ServerFrame>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.next().await;
            if wanted(&frame) {
                return (frame, skipped);
            }
            skipped.push(frame);
        }
    }

    /// Read until the ack for `client_id`; returns its seq.
    pub async fn ack(&mut self, client_id: &str) -> Seq {
        let (frame, _) = self
            .until(|f| matches!(f, ServerFrame::Ack { client_id: id, .. } | ServerFrame::Error { client_id: Some(id), .. } if id == client_id))
            .await;
        match frame {
            ServerFrame::Ack { seq, .. } => seq,
            other => panic!("expected ack for {client_id}, got {other:?}"),
        }
    }

    /// Read until the connection closes; its close code. No message may come before it.
    pub async fn close_code(&mut self) -> u16 {
        loop {
            match self.event().await {
                Event::Closed(Some(frame)) => return u16::from(frame.code),
                Event::Closed(None) | Event::Ended => panic!("closed without a code"),
                Event::Frame(ServerFrame::Message(message)) => panic!("heard {message:?} after the end"),
                Event::Frame(_) => continue,
            }
        }
    }

    /// Ping and wait for the pong: proves the connection still works, and that everything
    /// the server queued for us before it has been read.
    pub async fn round_trip(&mut self) -> Vec<ServerFrame> {
        self.send(&ClientFrame::Ping).await;
        self.until(|f| *f == ServerFrame::Pong {}).await.1
    }
}
