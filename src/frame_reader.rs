//! How the browser reads a server frame: as an externally tagged enum, not an internally
//! tagged one.
//!
//! On the wire a frame is one flat object, `{"v":1,"type":"edited","room":…}`
//! (`protocol::ServerFrame`, `#[serde(tag = "type")]`). Serde reads such an enum by first
//! buffering the whole object into its private `Content` tree, then reading the variant from
//! that tree: a second decoder for every type a frame can hold, which was 169 KB of the named
//! wasm, 6% of the browser's code (docs/benchmarks.md, "The page's bundle"). The browser's
//! build of `ServerFrame` is externally tagged instead, and this module hands it the same
//! object under its type's name, `{"edited":{"v":1,"type":"edited","room":…}}`; a variant's
//! reader ignores the `v` and `type` fields it does not know. The types inside a frame are then
//! read by the same `serde_json` code that reads the page's own data, and the wire is unchanged.
//! The server, bots and tests keep reading frames the internally tagged way
//! (`protocol::decode_server`).

use serde::Deserialize;

use crate::protocol::{DecodeError, ErrorCode, PROTOCOL_VERSION};

/// What a frame says of itself before its body is read.
#[derive(Deserialize)]
struct Head {
    v: Option<u64>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `text`, a frame, as the externally tagged form of itself: the object under its `type`.
/// Checks the version first, as `protocol::decode_server` does, so that a frame from a newer
/// server is reported as such.
pub fn externally_tagged(text: &str) -> Result<String, DecodeError> {
    let head: Head = serde_json::from_str(text).map_err(|e| {
        let code = if e.is_data() { ErrorCode::InvalidFrame } else { ErrorCode::MalformedJson };
        DecodeError::new(code, format!("unreadable frame: {e}"))
    })?;
    match head.v {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(_) => {
            return Err(DecodeError::new(
                ErrorCode::UnsupportedVersion,
                format!("unsupported protocol version; this client speaks v{PROTOCOL_VERSION}"),
            ));
        }
        None => return Err(DecodeError::new(ErrorCode::InvalidFrame, "missing field `v`")),
    }
    // Frame types are snake_case words, so the name goes into the key as it is.
    let kind = head.kind.unwrap_or_default();
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(DecodeError::new(ErrorCode::InvalidFrame, "missing or malformed field `type`"));
    }
    let mut tagged = String::with_capacity(text.len() + kind.len() + 5);
    tagged.push_str("{\"");
    tagged.push_str(&kind);
    tagged.push_str("\":");
    tagged.push_str(text);
    tagged.push('}');
    Ok(tagged)
}

/// Read a server frame in the browser (its `ServerFrame` is externally tagged).
#[cfg(not(feature = "ssr"))]
pub fn decode_server(text: &str) -> Result<crate::protocol::ServerFrame, DecodeError> {
    serde_json::from_str(&externally_tagged(text)?).map_err(crate::protocol::body_error)
}

#[cfg(test)]
mod tests {
    use super::externally_tagged;
    use crate::ids::Seq;
    use crate::model::ChatMessage;
    use crate::protocol::{ErrorCode, ServerFrame, encode};
    use serde::Deserialize;

    /// The browser's kind of enum (no `tag`), with the shapes `ServerFrame` has: a variant
    /// holding a struct, one with fields of its own (some defaulted), and one with none.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum AsTheBrowserReadsIt {
        Message(Box<ChatMessage>),
        Deleted { room: String, seq: i64, target: i64 },
        Typing { room: String, username: String, name: String },
        Pong {},
    }

    fn read(frame: &ServerFrame) -> AsTheBrowserReadsIt {
        serde_json::from_str(&externally_tagged(&encode(frame)).unwrap()).unwrap()
    }

    #[test]
    fn the_servers_frames_read_as_an_externally_tagged_enum() {
        let message = ChatMessage {
            mentions: vec!["bob".into()],
            thread_root: Some(Seq(3)),
            ..ChatMessage::sample(7, "alice", "hi")
        };
        assert_eq!(
            read(&ServerFrame::Message(message.clone())),
            AsTheBrowserReadsIt::Message(Box::new(message))
        );
        let deleted = ServerFrame::Deleted { room: "general".into(), seq: Seq(9), target: Seq(4) };
        assert_eq!(
            read(&deleted),
            AsTheBrowserReadsIt::Deleted { room: "general".into(), seq: 9, target: 4 }
        );
        assert_eq!(read(&ServerFrame::Pong {}), AsTheBrowserReadsIt::Pong {});
        // A field with a default may be missing; the frame's `v` and `type` are ignored.
        let tagged = externally_tagged(r#"{"v":1,"type":"typing","room":"r","username":"u","name":"U"}"#);
        assert_eq!(
            tagged.as_deref(),
            Ok(r#"{"typing":{"v":1,"type":"typing","room":"r","username":"u","name":"U"}}"#)
        );
    }

    #[test]
    fn a_frame_it_cannot_read_is_classified_as_the_server_would() {
        let unreadable = [
            "{not json",
            "[1,2]",
            r#"{"type":"pong"}"#,
            r#"{"v":2,"type":"pong"}"#,
            r#"{"v":1}"#,
            r#"{"v":1,"type":7}"#,
        ];
        for text in unreadable {
            let server = crate::protocol::decode_client(text).unwrap_err().code;
            assert_eq!(externally_tagged(text).unwrap_err().code, server, "{text}");
        }
        // A type that is no word cannot be a frame's.
        assert_eq!(externally_tagged(r#"{"v":1,"type":"a\"b"}"#).unwrap_err().code, ErrorCode::InvalidFrame);
    }
}
