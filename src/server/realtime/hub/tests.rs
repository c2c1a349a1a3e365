//! The registry and fan-out, driven directly: joins, broadcasts, eviction, caps, presence.

use super::*;
use crate::ids::{RoomId, UserId};
use crate::protocol::{CLOSE_SLOW_CONSUMER, decode_server};
use crate::server::realtime::outbound_queue::{self, QueueReceiver};

fn person(user_id: i64, name: &str) -> Person {
    Person { user_id: UserId(user_id), username: name.into(), name: name.to_owned(), bot: false }
}

fn conn(id: ConnId, capacity: usize) -> (Outbox, QueueReceiver) {
    let (tx, rx) = outbound_queue::channel(capacity);
    (Outbox::new(id, tx, 1 << 20), rx)
}

fn frames(rx: &mut QueueReceiver) -> Vec<ServerFrame> {
    let mut out = Vec::new();
    while let Some(item) = rx.try_recv() {
        if let Outbound::Frame(bytes) = item {
            out.push(decode_server(bytes.as_str()).expect("hub sends valid frames"));
        }
    }
    out
}

#[test]
fn broadcast_reaches_every_member_of_the_room_only() {
    let hub = Hub::new();
    let (a, mut a_rx) = conn(1, 8);
    let (b, mut b_rx) = conn(2, 8);
    let (c, mut c_rx) = conn(3, 8);
    hub.join(RoomId(1), &person(1, "a"), a);
    hub.join(RoomId(1), &person(2, "b"), b);
    hub.join(RoomId(2), &person(3, "c"), c);
    frames(&mut a_rx);
    frames(&mut b_rx);
    frames(&mut c_rx);

    hub.broadcast(RoomId(1), Utf8Bytes::from(encode(&ServerFrame::Pong {})), None);
    assert_eq!(frames(&mut a_rx), vec![ServerFrame::Pong {}]);
    assert_eq!(frames(&mut b_rx), vec![ServerFrame::Pong {}]);
    assert_eq!(frames(&mut c_rx), vec![]);
}

#[test]
fn presence_counts_a_person_once_across_tabs() {
    let hub = Hub::new();
    let (watcher, mut rx) = conn(1, 16);
    hub.join(RoomId(1), &person(1, "watcher"), watcher);
    let (tab1, _r1) = conn(2, 16);
    let (tab2, _r2) = conn(3, 16);
    hub.join(RoomId(1), &person(2, "alice"), tab1);
    hub.join(RoomId(1), &person(2, "alice"), tab2);
    assert_eq!(
        frames(&mut rx),
        vec![ServerFrame::Presence {
            event: PresenceEvent::Joined,
            username: "alice".into(),
            name: "alice".into(),
            online: 2
        }]
    );
    hub.leave(2);
    assert_eq!(frames(&mut rx), vec![]);
    hub.leave(3);
    assert_eq!(
        frames(&mut rx),
        vec![ServerFrame::Presence {
            event: PresenceEvent::Left,
            username: "alice".into(),
            name: "alice".into(),
            online: 1
        }]
    );
    assert_eq!(hub.online(RoomId(1)), vec!["watcher".to_owned()]);
    assert_eq!(hub.connections(RoomId(1)), 1);
}

#[test]
fn two_people_with_one_name_are_two_people() {
    let hub = Hub::new();
    let (a, _ra) = conn(1, 16);
    let (b, _rb) = conn(2, 16);
    hub.join(RoomId(1), &person(1, "sam"), a);
    hub.join(RoomId(1), &person(2, "sam"), b);
    assert_eq!(hub.online(RoomId(1)), vec!["sam".to_owned(), "sam".to_owned()]);
    hub.leave(1);
    assert_eq!(hub.online(RoomId(1)), vec!["sam".to_owned()]);
}

#[test]
fn news_from_a_room_reaches_its_members_elsewhere_only() {
    let hub = Hub::new();
    let (in_room, mut in_room_rx) = conn(1, 8);
    let (elsewhere, mut elsewhere_rx) = conn(2, 8);
    let (stranger, mut stranger_rx) = conn(3, 8);
    let (author_elsewhere, mut author_rx) = conn(4, 8);
    hub.join(RoomId(1), &person(10, "bob"), in_room);
    hub.join(RoomId(2), &person(10, "bob"), elsewhere);
    hub.join(RoomId(2), &person(30, "eve"), stranger);
    hub.join(RoomId(2), &person(20, "ann"), author_elsewhere);
    for rx in [&mut in_room_rx, &mut elsewhere_rx, &mut stranger_rx, &mut author_rx] {
        frames(rx);
    }
    assert!(hub.anyone_elsewhere(RoomId(1)));
    let news = Utf8Bytes::from(encode(&ServerFrame::Pong {}));
    // Room 1's members are bob and ann (the author).
    hub.notify_elsewhere(RoomId(1), &[UserId(10), UserId(20)], Some(UserId(20)), &news);
    assert_eq!(frames(&mut elsewhere_rx), vec![ServerFrame::Pong {}]);
    assert_eq!(frames(&mut in_room_rx), vec![], "already sees the room itself");
    assert_eq!(frames(&mut stranger_rx), vec![], "not a member");
    assert_eq!(frames(&mut author_rx), vec![], "the author");
}

#[test]
fn leave_cleans_up_and_is_idempotent() {
    let hub = Hub::new();
    let (a, _rx) = conn(1, 4);
    hub.join(RoomId(7), &person(1, "a"), a);
    hub.leave(1);
    hub.leave(1);
    assert_eq!(hub.connections(RoomId(7)), 0);
    assert!(hub.online(RoomId(7)).is_empty());
    assert!(hub.read().by_room.is_empty());
    assert!(hub.read().users.is_empty());
}

#[test]
fn a_full_queue_evicts_only_that_connection() {
    let hub = Hub::new();
    let (slow, _slow_rx) = conn(1, 1);
    let ending = slow.ending();
    let (fast, mut fast_rx) = conn(2, 64);
    hub.join(RoomId(1), &person(1, "slow"), slow);
    hub.join(RoomId(1), &person(2, "fast"), fast);
    frames(&mut fast_rx);
    for _ in 0..3 {
        hub.broadcast(RoomId(1), Utf8Bytes::from(encode(&ServerFrame::Pong {})), None);
    }
    // The slow one is gone from the room, and was told so.
    assert_eq!(hub.online(RoomId(1)), vec!["fast".to_owned()]);
    assert_eq!(futures::FutureExt::now_or_never(ending.wait()), Some(CLOSE_SLOW_CONSUMER));
    // The fast one got every frame, and heard that the slow one left.
    let got = frames(&mut fast_rx);
    assert_eq!(got.iter().filter(|f| **f == ServerFrame::Pong {}).count(), 3);
    let left = ServerFrame::Presence {
        event: PresenceEvent::Left,
        username: "slow".into(),
        name: "slow".into(),
        online: 1,
    };
    assert_eq!(got.iter().filter(|f| **f == left).count(), 1);
    assert_eq!(got.len(), 4);
}

#[test]
fn rename_moves_presence() {
    let hub = Hub::new();
    let (watcher, mut rx) = conn(1, 16);
    hub.join(RoomId(1), &person(1, "w"), watcher);
    let (a, _ra) = conn(2, 16);
    hub.join(RoomId(1), &person(2, "old"), a);
    frames(&mut rx);
    hub.rename_user(UserId(2), "new");
    assert_eq!(hub.online(RoomId(1)), vec!["new".to_owned(), "w".to_owned()]);
    assert_eq!(hub.name_of(UserId(2)).as_deref(), Some("new"));
    let got = frames(&mut rx);
    assert_eq!(got.len(), 2);
}

#[test]
fn a_queue_holds_at_most_its_byte_budget() {
    let (tx, mut rx) = outbound_queue::channel(1024);
    let outbox = Outbox::new(1, tx, 100);
    let frame = Utf8Bytes::from("x".repeat(40));
    assert!(outbox.push(frame.clone()) && outbox.push(frame.clone()));
    assert!(!outbox.push(frame.clone()), "a third would pass 100 bytes");
    assert_eq!(outbox.bytes().now(), 80);
    // The writer sends one: room for one more.
    let Some(Outbound::Frame(sent)) = rx.try_recv() else { panic!("a frame") };
    outbox.bytes().written(sent.len());
    assert!(outbox.push(frame));
}

#[test]
fn ending_a_room_membership_silences_only_that_person_there() {
    use crate::protocol::CLOSE_REMOVED;
    let hub = Hub::new();
    let (watcher, mut watcher_rx) = conn(1, 16);
    let (removed, mut removed_rx) = conn(2, 16);
    let (elsewhere, _elsewhere_rx) = conn(3, 16);
    hub.join(RoomId(1), &person(1, "w"), watcher);
    hub.join(RoomId(1), &person(2, "gone"), removed.clone());
    hub.join(RoomId(2), &person(2, "gone"), elsewhere.clone());
    frames(&mut watcher_rx);
    frames(&mut removed_rx);

    assert_eq!(hub.end_in_room(RoomId(1), UserId(2), CLOSE_REMOVED), 1);
    assert_eq!(removed.ending().code(), Some(CLOSE_REMOVED));
    assert!(!elsewhere.is_ending(), "their connection to another room stays");
    hub.broadcast(RoomId(1), Utf8Bytes::from(encode(&ServerFrame::Pong {})), None);
    assert_eq!(frames(&mut removed_rx), vec![], "nothing more of the room");
    assert_eq!(hub.online(RoomId(1)), vec!["w".to_owned()]);
}

#[test]
fn ending_a_session_reaches_its_sockets_joined_or_not() {
    use crate::protocol::CLOSE_SIGNED_OUT;
    let hub = Hub::new();
    let (session_a, session_b) = (SessionId::of("a"), SessionId::of("b"));
    let (joined, _r1) = conn(1, 16);
    let (unjoined, _r2) = conn(2, 16);
    let (other_device, _r3) = conn(3, 16);
    let here = IpAddr::from([127, 0, 0, 1]);
    let caps = SocketCaps { per_account: 10, per_address: 10 };
    hub.connect(UserId(7), session_a.clone(), here, joined.clone(), caps).expect("under the caps");
    hub.join(RoomId(1), &person(7, "sam"), joined.clone());
    hub.connect(UserId(7), session_a.clone(), here, unjoined.clone(), caps).expect("under the caps");
    hub.connect(UserId(7), session_b, here, other_device.clone(), caps).expect("under the caps");

    assert_eq!(hub.end_session(&session_a, CLOSE_SIGNED_OUT), 2);
    assert_eq!(joined.ending().code(), Some(CLOSE_SIGNED_OUT));
    assert_eq!(unjoined.ending().code(), Some(CLOSE_SIGNED_OUT));
    assert!(!other_device.is_ending());
    assert_eq!(hub.connections(RoomId(1)), 0);
    assert_eq!(hub.end_user(UserId(7), CLOSE_SIGNED_OUT), 1);
    assert!(other_device.is_ending());
}

#[test]
fn shutting_down_ends_every_socket_and_admits_no_more() {
    use crate::protocol::CLOSE_SHUTTING_DOWN;
    let hub = Hub::new();
    let (joined, _r1) = conn(1, 16);
    let (unjoined, _r2) = conn(2, 16);
    let (late, _r3) = conn(3, 16);
    let here = IpAddr::from([127, 0, 0, 1]);
    let caps = SocketCaps { per_account: 10, per_address: 10 };
    hub.connect(UserId(7), SessionId::of("a"), here, joined.clone(), caps).expect("under the caps");
    hub.join(RoomId(1), &person(7, "sam"), joined.clone());
    hub.connect(UserId(8), SessionId::of("b"), here, unjoined.clone(), caps).expect("under the caps");

    assert!(!hub.is_closing());
    assert_eq!(hub.close_all(CLOSE_SHUTTING_DOWN), 2);
    assert!(hub.is_closing());
    assert_eq!(joined.ending().code(), Some(CLOSE_SHUTTING_DOWN));
    assert_eq!(unjoined.ending().code(), Some(CLOSE_SHUTTING_DOWN));
    assert_eq!(
        hub.connect(UserId(9), SessionId::of("c"), here, late.clone(), caps),
        Err(NotAdmitted::ShuttingDown)
    );
    assert!(!late.is_ending(), "never admitted, so never told to close");
}

/// Past `PRESENCE_LINES_UP_TO` people online, arrivals and departures are not announced one
/// by one: the room hears its count once per round of `send_counts`, however many came and
/// went, and not at all when nothing changed. Back at or under the limit, lines return.
#[test]
fn a_crowded_room_hears_its_count_not_each_arrival() {
    let hub = Hub::new();
    let (watcher, mut rx) = conn(0, 1024);
    hub.join(RoomId(1), &person(0, "watcher"), watcher);
    let mut others = Vec::new();
    for n in 1..PRESENCE_LINES_UP_TO as i64 {
        let (tab, rx) = conn(n as ConnId, 1024);
        hub.join(RoomId(1), &person(n, &format!("p{n}")), tab);
        others.push(rx);
    }
    // Up to the limit, each arrival is a line.
    assert_eq!(frames(&mut rx).len(), PRESENCE_LINES_UP_TO - 1);
    assert_eq!(hub.online_count(RoomId(1)), PRESENCE_LINES_UP_TO);

    // Past it, ten more come and one of them goes: no line, and one count, once.
    for n in 0..10 {
        let id = 1000 + n;
        let (tab, rx) = conn(id as ConnId, 1024);
        hub.join(RoomId(1), &person(id, &format!("q{n}")), tab);
        others.push(rx);
    }
    hub.leave(1000);
    assert_eq!(frames(&mut rx), vec![]);
    hub.send_counts();
    let count = |online| ServerFrame::Presence {
        event: PresenceEvent::Count,
        username: Username::default(),
        name: String::new(),
        online,
    };
    assert_eq!(frames(&mut rx), vec![count(PRESENCE_LINES_UP_TO + 9)]);
    hub.send_counts();
    assert_eq!(frames(&mut rx), vec![], "nothing changed, nothing sent");

    // A welcome lists at most `ONLINE_LISTED` names; the count counts everyone.
    assert_eq!(hub.online(RoomId(1)).len(), ONLINE_LISTED);
    // Another room is not told.
    let (elsewhere, mut elsewhere_rx) = conn(5000, 16);
    hub.join(RoomId(2), &person(5000, "elsewhere"), elsewhere);
    hub.leave(1001);
    hub.send_counts();
    assert_eq!(frames(&mut elsewhere_rx), vec![]);
    assert_eq!(frames(&mut rx), vec![count(PRESENCE_LINES_UP_TO + 8)]);

    // Back under the limit, people are named again.
    for id in 1002..1009 {
        hub.leave(id as ConnId);
    }
    hub.leave(1);
    let lines = frames(&mut rx);
    assert_eq!(
        lines.last(),
        Some(&ServerFrame::Presence {
            event: PresenceEvent::Left,
            username: "p1".into(),
            name: "p1".into(),
            online: PRESENCE_LINES_UP_TO
        })
    );
}
