//! A receiving WebSocket without a WebSocket library, for the fan-out receivers.
//!
//! At a million deliveries a second the load tool, not the server, was the bottleneck: a
//! library socket hands over one message per wake-up and every message went through a JSON
//! parser. Here the upgrade is done by hand, each read takes whatever the socket holds (at
//! high rates, dozens of frames), and the frames are cut out of that buffer in place. The
//! server's frames are never masked and never fragmented (RFC 6455 §5.1), so a frame is a
//! two-to-ten-byte header and its payload. What the client sends (the hello, pongs) is
//! masked, as the protocol requires.
//!
//! The same socket speaks to the Socket.IO peer (`super::socketio`): only the path differs,
//! and Engine.IO's own heartbeat (a `2` text frame from the server, to be answered with `3`)
//! is answered here the way WebSocket pings are.

use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Bytes asked of the socket per read; at high rates one read holds many frames.
pub const READ_CHUNK_BYTES: usize = 64 * 1024;

/// A frame larger than this is not a chat frame: the stream is treated as broken.
const MAX_FRAME_BYTES: usize = 1 << 20;

/// The masking key of every frame this client sends; the server does not judge keys.
const MASK: [u8; 4] = [0x5b, 0x1e, 0x7a, 0x33];

const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// Engine.IO 4's heartbeat: the server's ping packet and the client's answer.
const ENGINE_IO_PING: &[u8] = b"2";
const ENGINE_IO_PONG: &[u8] = b"3";

/// One frame cut from the read buffer.
pub enum Frame<'a> {
    Text(&'a str),
    /// Anything else the server may send (pongs, binary): skipped.
    Other,
}

pub struct RawSocket {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Where the unread bytes in `buf` begin.
    start: usize,
    /// Frames owed to the server (pongs, heartbeat answers), sent before the next read.
    replies: Vec<Vec<u8>>,
    /// Answer Engine.IO's heartbeat (`2` → `3`) instead of handing it on.
    engine_io: bool,
}

impl RawSocket {
    /// Connect to `addr` (from `source` when given) and upgrade to a WebSocket on `/ws` as
    /// the session in `cookie`.
    pub async fn connect(addr: SocketAddr, source: Option<IpAddr>, cookie: &str) -> anyhow::Result<Self> {
        Self::upgrade(addr, source, "/ws", &format!("Cookie: {cookie}\r\n")).await
    }

    /// Connect to `addr` (from `source` when given) and upgrade `path` to a WebSocket, with
    /// `headers` (each ending in CRLF) added to the request.
    pub async fn upgrade(
        addr: SocketAddr,
        source: Option<IpAddr>,
        path: &str,
        headers: &str,
    ) -> anyhow::Result<Self> {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        if let Some(ip) = source {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let mut stream = socket.connect(addr).await?;
        stream.set_nodelay(true)?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: YmFudGVyLWxvYWQtdG9vbA==\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut buf = Vec::with_capacity(READ_CHUNK_BYTES);
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            anyhow::ensure!(buf.len() < 16 * 1024, "no end to the upgrade response");
            anyhow::ensure!(stream.read_buf(&mut buf).await? > 0, "closed during the upgrade");
        };
        let status = String::from_utf8_lossy(&buf[..head_end]).lines().next().unwrap_or_default().to_owned();
        anyhow::ensure!(status.starts_with("HTTP/1.1 101"), "upgrade refused: {status}");
        Ok(Self { stream, buf, start: head_end, replies: Vec::new(), engine_io: false })
    }

    /// From now on answer Engine.IO's heartbeat pings, which are text frames.
    pub fn answer_engine_io_pings(&mut self) {
        self.engine_io = true;
    }

    /// Read until a text frame satisfies `wanted`; that frame. Other frames read meanwhile,
    /// including any after it in the same read, are dropped: call this before traffic starts.
    pub async fn wait_for(&mut self, wanted: impl Fn(&str) -> bool) -> anyhow::Result<String> {
        loop {
            let mut found = None;
            let open = self
                .read_frames(|frame| {
                    if let Frame::Text(text) = frame
                        && found.is_none()
                        && wanted(text)
                    {
                        found = Some(text.to_owned());
                    }
                })
                .await?;
            if let Some(text) = found {
                return Ok(text);
            }
            anyhow::ensure!(open, "connection closed while waiting for the server");
        }
    }

    /// Send `hello` and wait for the welcome; the room's latest `seq` at that moment.
    pub async fn join(&mut self, hello: &str) -> anyhow::Result<i64> {
        self.send_text(hello).await?;
        let answered =
            |text: &str| super::client::peek(text).is_some_and(|f| matches!(f.kind, "welcome" | "error"));
        let answer = self.wait_for(answered).await?;
        match super::client::peek(&answer) {
            Some(frame) if frame.kind == "welcome" => Ok(frame.latest_seq.unwrap_or(0)),
            _ => anyhow::bail!("join refused: {answer}"),
        }
    }

    /// Send `text` as one masked text frame.
    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        let frame = masked(OP_TEXT, text.as_bytes());
        self.stream.write_all(&frame).await?;
        Ok(())
    }

    /// Read once (waiting for at least one byte) unless a whole frame is already buffered,
    /// then hand every complete frame to `each`.
    /// `false` once the server closed. Cancel-safe: nothing read is lost if the future is
    /// dropped while waiting.
    pub async fn read_frames(&mut self, mut each: impl FnMut(Frame<'_>)) -> anyhow::Result<bool> {
        for frame in std::mem::take(&mut self.replies) {
            self.stream.write_all(&frame).await?;
        }
        // A whole frame may be waiting already: one that came with the upgrade response.
        if !matches!(next_frame(&self.buf[self.start..]), Ok(Some(_))) {
            if self.start > 0 && self.start == self.buf.len() {
                self.buf.clear();
                self.start = 0;
            } else if self.start > self.buf.capacity() / 2 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            self.buf.reserve(READ_CHUNK_BYTES);
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Ok(false);
            }
        }
        loop {
            let Some((opcode, payload, end)) = next_frame(&self.buf[self.start..])? else { break };
            let payload = self.start + payload.start..self.start + payload.end;
            self.start += end;
            match opcode {
                OP_TEXT if self.engine_io && self.buf[payload.clone()] == *ENGINE_IO_PING => {
                    self.replies.push(masked(OP_TEXT, ENGINE_IO_PONG));
                }
                OP_TEXT => match std::str::from_utf8(&self.buf[payload]) {
                    Ok(text) => each(Frame::Text(text)),
                    Err(_) => anyhow::bail!("a text frame that is not UTF-8"),
                },
                OP_PING => self.replies.push(masked(OP_PONG, &self.buf[payload])),
                OP_CLOSE => return Ok(false),
                _ => each(Frame::Other),
            }
        }
        Ok(true)
    }
}

/// The first complete frame in `bytes`: its opcode, where its payload lies, and where the
/// next frame begins. `None` until the whole frame has arrived.
fn next_frame(bytes: &[u8]) -> anyhow::Result<Option<(u8, std::ops::Range<usize>, usize)>> {
    let [first, second, ..] = *bytes else { return Ok(None) };
    anyhow::ensure!(first & 0x80 != 0, "a fragmented frame (the server never sends one)");
    anyhow::ensure!(second & 0x80 == 0, "a masked frame from the server");
    let (len, header) = match second & 0x7f {
        126 => match bytes.get(2..4) {
            Some(ext) => (usize::from(u16::from_be_bytes([ext[0], ext[1]])), 4),
            None => return Ok(None),
        },
        127 => match bytes.get(2..10).and_then(|ext| <[u8; 8]>::try_from(ext).ok()) {
            Some(ext) => (usize::try_from(u64::from_be_bytes(ext)).unwrap_or(usize::MAX), 10),
            None => return Ok(None),
        },
        short => (usize::from(short), 2),
    };
    anyhow::ensure!(len <= MAX_FRAME_BYTES, "a {len}-byte frame");
    if bytes.len() < header + len {
        return Ok(None);
    }
    Ok(Some((first & 0x0f, header..header + len, header + len)))
}

/// A final client frame: header, mask key, masked payload.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    match payload.len() {
        len @ 0..=125 => frame.push(0x80 | len as u8),
        len @ 126..=0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&MASK);
    frame.extend(payload.iter().enumerate().map(|(i, byte)| byte ^ MASK[i % 4]));
    frame
}

/// How far into a frame its `type` may start: after the version (`{"v":1,`), before any field.
const TYPE_WITHIN_BYTES: usize = 24;

/// The `seq` and the body's send time (`t<unix ns> …`, as the publishers write it) of a
/// `message` frame, found without parsing the JSON: the server writes the version and `type`
/// first, and the only `"seq":` before the body is the message's own.
pub fn message_seq_and_due(text: &str) -> Option<(i64, Option<i64>)> {
    const TYPE: &str = r#""type":"message""#;
    let head = text.get(..text.len().min(TYPE_WITHIN_BYTES + TYPE.len()))?;
    let rest = &text[head.find(TYPE)? + TYPE.len()..];
    let seq = leading_int(&rest[rest.find(r#""seq":"#)? + 6..])?;
    let due = rest.find(r#""body":"t"#).and_then(|at| leading_int(&rest[at + 9..]));
    Some((seq, due))
}

fn leading_int(text: &str) -> Option<i64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    text[..digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_cut_whole_or_not_at_all() {
        let mut bytes = vec![0x81, 5];
        bytes.extend_from_slice(b"hello");
        bytes.extend_from_slice(&[0x81, 126, 0x01, 0x00]);
        bytes.extend(std::iter::repeat_n(b'x', 256));
        let (op, payload, end) = next_frame(&bytes).expect("valid").expect("whole");
        assert_eq!((op, &bytes[payload], end), (OP_TEXT, &b"hello"[..], 7));
        let (_, payload, end) = next_frame(&bytes[7..]).expect("valid").expect("whole");
        assert_eq!((payload.len(), end), (256, 260));
        assert!(next_frame(&bytes[7..200]).expect("valid so far").is_none());
        assert!(next_frame(&[0x01, 0]).is_err(), "fragments are refused");
    }

    #[test]
    fn a_masked_frame_unmasks_to_its_payload() {
        let frame = masked(OP_TEXT, b"hi there");
        assert_eq!(frame[1], 0x80 | 8);
        let key = &frame[2..6];
        let payload: Vec<u8> = frame[6..].iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
        assert_eq!(payload, b"hi there");
    }

    #[test]
    fn seq_and_send_time_come_from_the_message_frame_only() {
        let frame = r#"{"v":1,"type":"message","room":"general","seq":42,"username":"pub","body":"t1700000000000000000 xxx","html":"<p>t17 xxx</p>"}"#;
        assert_eq!(message_seq_and_due(frame), Some((42, Some(1_700_000_000_000_000_000))));
        assert_eq!(message_seq_and_due(r#"{"v":1,"type":"ack","seq":3}"#), None);
        assert_eq!(message_seq_and_due(r#"{"v":1,"type":"presence","name":"\"type\":\"message\""}"#), None);
        assert_eq!(
            message_seq_and_due(r#"{"v":1,"type":"message","seq":7,"body":"hello"}"#),
            Some((7, None))
        );
    }
}
