//! Every message reaches every member once, in order; presence follows connections.

use banter::ids::Seq;
use banter::protocol::{PresenceEvent, ServerFrame};

use crate::support::TestServer;

#[tokio::test]
async fn three_clients_each_get_every_message_once_in_order() {
    let server = TestServer::start().await;
    let mut clients = vec![server.join("ann").await, server.join("bob").await, server.join("cat").await];
    for client in &mut clients {
        client.round_trip().await;
    }

    // Each sends three, interleaved.
    for round in 0..3 {
        for (i, client) in clients.iter_mut().enumerate() {
            client.send_message(&format!("c{i}-{round}"), &format!("from {i} #{round}")).await;
        }
    }

    let mut streams = Vec::new();
    for (i, client) in clients.iter_mut().enumerate() {
        let mut messages = Vec::new();
        let mut acks = 0;
        while messages.len() < 9 || acks < 3 {
            match client.next().await {
                ServerFrame::Message(m) => messages.push((m.seq, m.author, m.body)),
                ServerFrame::Ack { client_id, .. } => {
                    assert!(client_id.starts_with(&format!("c{i}-")), "ack for someone else: {client_id}");
                    acks += 1;
                }
                other => panic!("unexpected frame {other:?}"),
            }
        }
        // Nothing further is queued: no duplicate, no stray ack.
        let rest = client.round_trip().await;
        assert!(rest.is_empty(), "unexpected extra frames: {rest:?}");
        let seqs: Vec<Seq> = messages.iter().map(|m| m.0).collect();
        assert_eq!(seqs, (1..=9).map(Seq).collect::<Vec<_>>(), "seq 1..9, in order, each once");
        streams.push(messages);
    }
    assert_eq!(streams[0], streams[1]);
    assert_eq!(streams[1], streams[2]);
    // Each sender's own three are in the order it sent them.
    for i in 0..3 {
        let own: Vec<&String> =
            streams[0].iter().filter(|m| m.1 == ["ann", "bob", "cat"][i]).map(|m| &m.2).collect();
        assert_eq!(
            own,
            (0..3).map(|r| format!("from {i} #{r}")).collect::<Vec<_>>().iter().collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn the_sender_gets_its_own_message_and_an_ack() {
    let server = TestServer::start().await;
    let mut a = server.join("ann").await;
    a.send_message("mine-1", "  hello <b>world</b>  ").await;
    let (frame, _) = a.until(|f| matches!(f, ServerFrame::Message(_))).await;
    let ServerFrame::Message(message) = frame else { unreachable!() };
    assert_eq!(message.body, "hello <b>world</b>", "trimmed, stored as text");
    assert_eq!(message.author, "ann");
    assert_eq!(message.client_id, "mine-1");
    assert!(message.ts > 0);
    assert_eq!(a.ack("mine-1").await, message.seq);
}

#[tokio::test]
async fn an_abrupt_disconnect_is_noticed() {
    let server = TestServer::start().await;
    let mut a = server.join("stays").await;
    let b = server.join("goes").await;
    let (joined, _) = a.until(|f| matches!(f, ServerFrame::Presence { .. })).await;
    assert_eq!(
        joined,
        ServerFrame::Presence {
            event: PresenceEvent::Joined,
            username: "goes".into(),
            name: "goes".into(),
            online: 2
        }
    );
    // No close frame: the TCP connection just goes away, as with a killed tab.
    drop(b);
    let (left, _) = a.until(|f| matches!(f, ServerFrame::Presence { .. })).await;
    assert_eq!(
        left,
        ServerFrame::Presence {
            event: PresenceEvent::Left,
            username: "goes".into(),
            name: "goes".into(),
            online: 1
        }
    );
}

#[tokio::test]
async fn a_silent_peer_is_closed_after_missed_pings() {
    let server = TestServer::start_with(|c| c.ping_interval = 1).await;
    let mut watcher = server.join("watcher").await;
    // Joined, then never reads again: it answers no pings, like a phone that lost its network
    // with the socket still nominally open.
    let _silent = server.join("silent").await;
    let (joined, _) = watcher.until(|f| matches!(f, ServerFrame::Presence { .. })).await;
    assert!(matches!(joined, ServerFrame::Presence { event: PresenceEvent::Joined, .. }));
    let (left, _) = watcher.until(|f| matches!(f, ServerFrame::Presence { .. })).await;
    assert_eq!(
        left,
        ServerFrame::Presence {
            event: PresenceEvent::Left,
            username: "silent".into(),
            name: "silent".into(),
            online: 1
        }
    );
}

#[tokio::test]
async fn a_profile_rename_changes_presence_and_later_authorship() {
    let server = TestServer::start().await;
    let mut watcher = server.join("wes").await;
    let mut a = server.join("before").await;
    watcher.round_trip().await;
    let cookie = server.cookie("before").await;
    let saved =
        server.post_form("/api/update_profile", Some(&cookie), "display_name=after&status=here").await;
    assert!(saved.starts_with("HTTP/1.1 302"), "{saved}");
    // The connection opened before the change speaks under the new name.
    a.send_message("r1", "hi").await;
    let (frame, skipped) = watcher.until(|f| matches!(f, ServerFrame::Message(_))).await;
    let ServerFrame::Message(message) = frame else { unreachable!() };
    assert_eq!(message.author, "after");
    assert!(skipped.contains(&ServerFrame::Presence {
        event: PresenceEvent::Joined,
        username: "before".into(),
        name: "after".into(),
        online: 2
    }));
    assert_eq!(message.username, "before", "the account is the same whatever the name");
}
