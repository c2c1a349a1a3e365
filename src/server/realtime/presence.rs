//! Who is online on the other nodes, so presence counts each person once across nodes.
//!
//! Why a registry of its own: the hub knows this node's connections only. With several nodes
//! (`server::realtime::cluster`) each one publishes when a person starts or stops being in a room here,
//! and, every heartbeat, everyone it holds (which repairs whatever Redis lost). This registry
//! keeps those per node; a node not heard from for the presence timeout is taken to be dead,
//! and its people leave. Presence is never stored.
//!
//! The hub asks it whether someone is in a room or online elsewhere before telling its own
//! sockets that they came or went, and adds the people it holds to a room's online list.

use crate::ids::{RoomId, UserId, Username};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};

use crate::protocol::{ServerFrame, encode};
use crate::server::realtime::hub::Hub;
use crate::server::storage::store::Store;

/// How often a node tells the others everyone it holds, by default (`--presence-heartbeat-ms`).
pub const PRESENCE_HEARTBEAT: Duration = Duration::from_secs(5);
/// A node not heard from for this long is dead and its people are offline, by default
/// (`--presence-timeout-ms`).
pub const PRESENCE_TIMEOUT: Duration = Duration::from_secs(15);

/// A person in a room, on some node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InRoom {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub username: Username,
    pub name: String,
}

/// What a change on another node means here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flips {
    /// People who came into (`true`) or left (`false`) a room as far as the other nodes go.
    pub rooms: Vec<(InRoom, bool)>,
    /// People who came online (`true`) or went offline (`false`) on the other nodes.
    pub people: Vec<(UserId, Username, bool)>,
}

#[derive(Debug)]
struct Node {
    seen: Instant,
    people: HashMap<(RoomId, UserId), InRoom>,
}

/// The people the other nodes hold; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct RemotePresence {
    nodes: Arc<Mutex<HashMap<String, Node>>>,
}

impl RemotePresence {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Node>> {
        self.nodes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `user_id` is in `room_id` on another node.
    pub fn in_room(&self, room_id: RoomId, user_id: UserId) -> bool {
        self.lock().values().any(|node| node.people.contains_key(&(room_id, user_id)))
    }

    /// Whether `user_id` is online on another node.
    pub fn is_online(&self, user_id: UserId) -> bool {
        self.lock().values().any(|node| node.people.keys().any(|(_, user)| *user == user_id))
    }

    /// The people in `room_id` on other nodes: `(user_id, name)`, each once.
    pub fn people_in(&self, room_id: RoomId) -> Vec<(UserId, String)> {
        let nodes = self.lock();
        let mut seen = HashSet::new();
        let mut people = Vec::new();
        for person in nodes.values().flat_map(|node| node.people.values()) {
            if person.room_id == room_id && seen.insert(person.user_id) {
                people.push((person.user_id, person.name.clone()));
            }
        }
        people
    }

    /// `node` now has `person` in a room (`present`) or no longer.
    pub fn update(&self, node: &str, person: InRoom, present: bool, now: Instant) -> Flips {
        self.change(|nodes| {
            let held =
                nodes.entry(node.to_owned()).or_insert_with(|| Node { seen: now, people: HashMap::new() });
            held.seen = now;
            let key = (person.room_id, person.user_id);
            if present {
                held.people.insert(key, person);
            } else {
                held.people.remove(&key);
            }
        })
    }

    /// `node`'s heartbeat: everyone it holds now.
    pub fn replace(&self, node: &str, people: Vec<InRoom>, now: Instant) -> Flips {
        self.change(|nodes| {
            let people = people.into_iter().map(|p| ((p.room_id, p.user_id), p)).collect();
            nodes.insert(node.to_owned(), Node { seen: now, people });
        })
    }

    /// Forget the nodes not heard from within `timeout`: their people are gone.
    pub fn expire(&self, timeout: Duration, now: Instant) -> Flips {
        self.change(|nodes| nodes.retain(|_, node| now.duration_since(node.seen) < timeout))
    }

    /// Apply `edit` and say who, across all other nodes, came or went because of it.
    fn change(&self, edit: impl FnOnce(&mut HashMap<String, Node>)) -> Flips {
        let mut nodes = self.lock();
        let before = union(&nodes);
        edit(&mut nodes);
        let after = union(&nodes);
        drop(nodes);
        let mut flips = Flips::default();
        for (key, person) in &after {
            if !before.contains_key(key) {
                flips.rooms.push((person.clone(), true));
            }
        }
        for (key, person) in &before {
            if !after.contains_key(key) {
                flips.rooms.push((person.clone(), false));
            }
        }
        let users = |map: &HashMap<(RoomId, UserId), InRoom>| -> HashMap<UserId, Username> {
            map.values().map(|p| (p.user_id, p.username.clone())).collect()
        };
        let (was, is) = (users(&before), users(&after));
        for (user, username) in &is {
            if !was.contains_key(user) {
                flips.people.push((*user, username.clone(), true));
            }
        }
        for (user, username) in &was {
            if !is.contains_key(user) {
                flips.people.push((*user, username.clone(), false));
            }
        }
        flips
    }
}

fn union(nodes: &HashMap<String, Node>) -> HashMap<(RoomId, UserId), InRoom> {
    nodes.values().flat_map(|node| node.people.iter().map(|(k, v)| (*k, v.clone()))).collect()
}

/// A person coming online or going is told to those who share with them a room of at most
/// this many members (a conversation always is): a room whose member list shows everyone
/// (`MEMBER_LIST_MAX`), where their dot is news. In a larger room it would be one frame to
/// every member for every arrival, N² for a room of N coming online in a morning; its member
/// list shows who was online when the page loaded.
pub const PERSON_NEWS_IN_ROOMS_UP_TO: usize = crate::rooms::MEMBER_LIST_MAX;

/// Tell everyone who shares a small room with this person ([`PERSON_NEWS_IN_ROOMS_UP_TO`])
/// that they came online or went offline. In the background: the lookup must not hold up the
/// caller. Best effort, like any presence: a page that misses it shows the truth on its next
/// load. Not while the server shuts down: every socket here is closing then, so there is no
/// one to tell, and each of the thousands of people going offline at once would ask the
/// store as it closes (the other nodes hear of it through the cluster, and tell their own).
pub fn announce_person(store: &Store, hub: &Hub, user_id: UserId, username: Username, online: bool) {
    if hub.is_closing() {
        return;
    }
    let (store, hub) = (store.clone(), hub.clone());
    tokio::spawn(async move {
        match store.co_members_of_small_rooms(user_id, PERSON_NEWS_IN_ROOMS_UP_TO).await {
            Ok(users) => {
                let frame = ServerFrame::Person { username, online };
                hub.notify_users(&users, &Utf8Bytes::from(encode(&frame)));
            }
            Err(error) => tracing::warn!(%error, "cannot look up who to tell about presence"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANN: UserId = UserId(1);

    fn ann_in(room: i64) -> InRoom {
        InRoom { room_id: RoomId(room), user_id: ANN, username: "ann".into(), name: "Ann".into() }
    }

    #[test]
    fn a_person_on_two_nodes_comes_and_goes_once() {
        let remote = RemotePresence::default();
        let now = Instant::now();
        let flips = remote.update("b", ann_in(7), true, now);
        assert_eq!(flips.rooms, vec![(ann_in(7), true)]);
        assert_eq!(flips.people, vec![(ANN, Username::from("ann"), true)]);
        // The same person in the same room on a second node changes nothing.
        assert_eq!(remote.update("c", ann_in(7), true, now), Flips::default());
        assert_eq!(remote.update("b", ann_in(7), false, now), Flips::default());
        assert!(remote.in_room(RoomId(7), ANN) && remote.is_online(ANN));
        let gone = remote.update("c", ann_in(7), false, now);
        assert_eq!(gone.rooms, vec![(ann_in(7), false)]);
        assert_eq!(gone.people, vec![(ANN, Username::from("ann"), false)]);
        assert!(!remote.is_online(ANN));
    }

    #[test]
    fn a_silent_node_is_dead_after_the_timeout_and_its_people_leave() {
        let remote = RemotePresence::default();
        let start = Instant::now();
        remote.replace("b", vec![ann_in(7), ann_in(8)], start);
        assert_eq!(remote.people_in(RoomId(8)), vec![(ANN, "Ann".to_owned())]);
        assert_eq!(remote.expire(PRESENCE_TIMEOUT, start + PRESENCE_TIMEOUT / 2), Flips::default());
        let flips = remote.expire(PRESENCE_TIMEOUT, start + PRESENCE_TIMEOUT);
        assert_eq!(flips.rooms.len(), 2);
        assert_eq!(flips.people, vec![(ANN, Username::from("ann"), false)]);
        assert!(remote.people_in(RoomId(7)).is_empty());
    }

    #[test]
    fn a_heartbeat_repairs_what_was_lost() {
        let remote = RemotePresence::default();
        let now = Instant::now();
        remote.update("b", ann_in(7), true, now);
        // The "left" event was lost; the next heartbeat says who is there.
        let flips = remote.replace("b", Vec::new(), now);
        assert_eq!(flips.rooms, vec![(ann_in(7), false)]);
    }
}
