//! The hub: who is connected to which room, and fan-out of frames to them.
//!
//! Fan-out never waits on a recipient. Each connection owns one bounded queue drained by its
//! own connection's writer; the hub only `try_send`s already-serialized bytes (one allocation per
//! frame, shared by every recipient). A connection whose queue is full is evicted: removed
//! here and told to close with [`CLOSE_SLOW_CONSUMER`](crate::protocol::CLOSE_SLOW_CONSUMER),
//! after which the client reconnects and resumes from the store. So a reader that stalls costs
//! at most one queue of memory and never delays anyone else, and nobody silently misses a
//! message.
//!
//! The member table sits behind a `std::sync::RwLock`, not an async one: no lock is held
//! across an `.await`, critical sections are short (a loop of `try_send`), and broadcasts,
//! the common case, only read.
//!
//! `outbox` is one connection as the hub sees it (its queue handle, its bytes, its ending);
//! `sockets` is the socket table (caps per account and address, ending a session's or a
//! person's sockets); this file is the registry: who is in which room, fan-out, presence.

use crate::ids::{RoomId, UserId, Username};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::extract::ws::Utf8Bytes;

use crate::protocol::{PresenceEvent, ServerFrame, encode};
use crate::server::accounts::users::SessionId;
use crate::server::realtime::cluster::{Cluster, ClusterEvent};
use crate::server::realtime::presence::{Flips, InRoom, RemotePresence};

mod crowds;
mod outbox;
mod sockets;
#[cfg(test)]
mod tests;

pub use crowds::{ONLINE_LISTED, PRESENCE_COUNT_EVERY, PRESENCE_LINES_UP_TO};
pub use outbox::{ConnId, Ending, Outbound, Outbox, QueuedBytes};
use sockets::Socket;
pub use sockets::{NotAdmitted, SocketCaps};

/// Who a connection belongs to: a signed-in person, and the name others see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub user_id: UserId,
    pub username: Username,
    pub name: String,
    /// A bot account: what it posts is marked as a bot's.
    pub bot: bool,
}

impl From<&crate::server::accounts::users::User> for Person {
    fn from(user: &crate::server::accounts::users::User) -> Self {
        Self {
            user_id: user.id,
            username: user.username.clone(),
            name: user.display_name.clone(),
            bot: user.bot,
        }
    }
}

/// One joined connection.
#[derive(Debug)]
struct Member {
    room_id: RoomId,
    user_id: UserId,
    outbox: Outbox,
}

/// A person online in a room: their current name and how many connections they have there.
#[derive(Debug)]
struct Online {
    username: Username,
    name: String,
    connections: usize,
}

#[derive(Default, Debug)]
struct Members {
    by_conn: HashMap<ConnId, Member>,
    /// Connections per room, for fan-out without scanning every connection.
    by_room: HashMap<RoomId, HashMap<ConnId, Outbox>>,
    /// People online per room: presence counts a person once however many tabs. By room
    /// first, so a room's count and names cost that room's size, not the node's.
    people: HashMap<RoomId, HashMap<UserId, Online>>,
    /// Each connected person over all rooms: their current name (a profile change applies to
    /// connections opened before it) and their connections (for news from other rooms).
    users: HashMap<UserId, User>,
    /// Every open connection, joined or not, with the account and session it speaks for: so
    /// that signing out reaches sockets that have not said `hello` yet.
    sockets: HashMap<ConnId, Socket>,
    /// Open sockets per account and per address, for the caps.
    sockets_per_account: HashMap<UserId, usize>,
    sockets_per_address: HashMap<IpAddr, usize>,
    /// Set by [`Hub::close_all`] when the server shuts down: no socket is admitted after it.
    closing: bool,
}

impl Members {
    fn remove_socket(&mut self, id: ConnId) -> Option<Socket> {
        let socket = self.sockets.remove(&id)?;
        decrement(&mut self.sockets_per_account, socket.user_id);
        decrement(&mut self.sockets_per_address, socket.address);
        Some(socket)
    }
}

/// Take a person out of a room's people (the room too once nobody is left): who they were.
fn people_left(
    people: &mut HashMap<RoomId, HashMap<UserId, Online>>,
    room_id: RoomId,
    user_id: UserId,
) -> Option<(RoomId, UserId, Online)> {
    let here = people.get_mut(&room_id)?;
    let online = here.remove(&user_id)?;
    if here.is_empty() {
        people.remove(&room_id);
    }
    Some((room_id, user_id, online))
}

fn decrement<K: Eq + std::hash::Hash>(counts: &mut HashMap<K, usize>, key: K) {
    if let std::collections::hash_map::Entry::Occupied(mut entry) = counts.entry(key) {
        *entry.get_mut() -= 1;
        if *entry.get() == 0 {
            entry.remove();
        }
    }
}

/// What the connections hold in their queues now (for `/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueTotals {
    pub sockets: usize,
    pub queued_bytes: usize,
    pub largest_queue_bytes: usize,
    /// Connections evicted for not keeping up, since the start.
    pub evictions: u64,
}

/// A connected person, whatever rooms their connections are in.
#[derive(Debug)]
struct User {
    name: String,
    conns: Vec<ConnId>,
}

/// Cheap-to-clone handle on the member table.
#[derive(Clone, Default, Debug)]
pub struct Hub {
    members: Arc<RwLock<Members>>,
    /// The people on the other nodes (empty with one node): presence counts them too.
    remote: RemotePresence,
    /// The other nodes, told when someone comes into or leaves a room here.
    cluster: Arc<OnceLock<Cluster>>,
    /// Connections evicted for not keeping up, since the start (`banter_evictions_total`).
    evictions: Arc<AtomicU64>,
    /// Crowded rooms whose count of people online changed (`crowds`).
    counts_due: crowds::CountsDue,
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    // A panic while holding the lock cannot leave the table half-updated in a way that
    // matters more than losing the server, so a poisoned lock is simply taken over.
    fn read(&self) -> RwLockReadGuard<'_, Members> {
        self.members.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Members> {
        self.members.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// From now on, tell the other nodes who comes into and leaves rooms here.
    pub fn set_cluster(&self, cluster: Cluster) {
        let _already = self.cluster.set(cluster);
    }

    /// The people on the other nodes, as the cluster listener keeps them.
    pub fn remote(&self) -> &RemotePresence {
        &self.remote
    }

    /// Names of people online in the room, sorted, each person once (on any node): all of
    /// them up to [`ONLINE_LISTED`], that many of them in a larger room ([`Hub::online_count`]
    /// counts them all). Costs the names it lists, not the room's size.
    pub fn online(&self, room_id: RoomId) -> Vec<String> {
        let members = self.read();
        let mut people: HashMap<UserId, String> = HashMap::new();
        if let Some(here) = members.people.get(&room_id) {
            people.extend(here.iter().take(ONLINE_LISTED).map(|(user, online)| (*user, online.name.clone())));
        }
        for (user, name) in self.remote.people_in(room_id) {
            if people.len() >= ONLINE_LISTED {
                break;
            }
            people.entry(user).or_insert(name);
        }
        let mut names: Vec<String> = people.into_values().collect();
        names.sort();
        names
    }

    /// Whether the person has a connection in the room, here or on another node.
    pub fn in_room(&self, room_id: RoomId, user_id: UserId) -> bool {
        self.read().people.get(&room_id).is_some_and(|here| here.contains_key(&user_id))
            || self.remote.in_room(room_id, user_id)
    }

    /// How many people are online in the room, on any node, each once (this runs at every
    /// arrival and departure: it costs the room's people on other nodes, nothing per person
    /// here).
    pub fn online_count(&self, room_id: RoomId) -> usize {
        let elsewhere = self.remote.people_in(room_id);
        let members = self.read();
        let here = members.people.get(&room_id);
        if elsewhere.is_empty() {
            return here.map_or(0, HashMap::len);
        }
        let mut people: HashSet<UserId> = here.into_iter().flat_map(|here| here.keys().copied()).collect();
        people.extend(elsewhere.into_iter().map(|(user, _)| user));
        people.len()
    }

    /// How many connections a person has open here, over all rooms.
    pub fn user_connections(&self, user_id: UserId) -> usize {
        self.read().users.get(&user_id).map_or(0, |user| user.conns.len())
    }

    /// Whether a person has a connection open on any node.
    pub fn is_online(&self, user_id: UserId) -> bool {
        self.user_connections(user_id) > 0 || self.remote.is_online(user_id)
    }

    /// The sessions with a socket open here, each once.
    pub fn sessions(&self) -> Vec<SessionId> {
        let sessions: HashSet<SessionId> = self.read().sockets.values().map(|s| s.session.clone()).collect();
        sessions.into_iter().collect()
    }

    /// The sessions with a socket joined to `room_id` here, each once.
    pub fn sessions_in(&self, room_id: RoomId) -> Vec<SessionId> {
        let members = self.read();
        let sessions: HashSet<SessionId> = members
            .by_conn
            .iter()
            .filter(|(_, member)| member.room_id == room_id)
            .filter_map(|(id, _)| members.sockets.get(id))
            .map(|socket| socket.session.clone())
            .collect();
        sessions.into_iter().collect()
    }

    /// Each (room, person) with a connection joined here.
    pub fn joined(&self) -> Vec<(RoomId, UserId)> {
        let members = self.read();
        members.people.iter().flat_map(|(room, here)| here.keys().map(|user| (*room, *user))).collect()
    }

    /// Everyone in a room here, for the heartbeat to the other nodes.
    pub fn people_here(&self) -> Vec<InRoom> {
        let members = self.read();
        members
            .people
            .iter()
            .flat_map(|(room_id, here)| {
                here.iter().map(|(user_id, online)| InRoom {
                    room_id: *room_id,
                    user_id: *user_id,
                    username: online.username.clone(),
                    name: online.name.clone(),
                })
            })
            .collect()
    }

    /// Tell this node's sockets what changed on the others: people who came into or left
    /// their rooms (unless they are here too). Returns the people who came online or went
    /// offline as far as this node can tell, for the caller to tell who shares a room with them.
    pub fn apply_remote(&self, flips: Flips) -> Vec<(UserId, Username, bool)> {
        for (person, present) in flips.rooms {
            if self.read().people.get(&person.room_id).is_some_and(|here| here.contains_key(&person.user_id))
            {
                continue;
            }
            let event = if present { PresenceEvent::Joined } else { PresenceEvent::Left };
            self.presence(person.room_id, event, &person.username, &person.name, None);
        }
        flips.people.into_iter().filter(|(user_id, _, _)| self.user_connections(*user_id) == 0).collect()
    }

    /// Tell the other nodes that a person came into (`present`) or left a room here.
    fn publish_presence(&self, room_id: RoomId, user_id: UserId, username: &str, name: &str, present: bool) {
        if let Some(cluster) = self.cluster.get() {
            let person = InRoom { room_id, user_id, username: username.into(), name: name.to_owned() };
            cluster.publish(ClusterEvent::Presence { person, present });
        }
    }

    /// Send `frame` to every connection of each of `users`, whatever room it is in.
    pub fn notify_users(&self, users: &[UserId], frame: &Utf8Bytes) {
        self.notify(users, frame, |_| true);
    }

    /// Send `frame` to the connections of `users` that are joined to some other room than
    /// `room_id`, leaving out `skip_user` (the author).
    pub fn notify_elsewhere(
        &self,
        room_id: RoomId,
        users: &[UserId],
        skip_user: Option<UserId>,
        frame: &Utf8Bytes,
    ) {
        self.notify(users, frame, |member| member.room_id != room_id && Some(member.user_id) != skip_user);
    }

    /// Queue `frame` on each connection of `users` that `wanted` accepts; evict any that
    /// cannot take it.
    fn notify(&self, users: &[UserId], frame: &Utf8Bytes, wanted: impl Fn(&Member) -> bool) {
        let mut overflowed = Vec::new();
        {
            let members = self.read();
            let conns = users.iter().filter_map(|user| members.users.get(user)).flat_map(|user| &user.conns);
            for conn in conns {
                if let Some(member) = members.by_conn.get(conn)
                    && wanted(member)
                    && !member.outbox.push(frame.clone())
                {
                    overflowed.push(*conn);
                }
            }
        }
        for id in overflowed {
            self.evict(id);
        }
    }

    /// The current display name of a connected person.
    pub fn name_of(&self, user_id: UserId) -> Option<String> {
        self.read().users.get(&user_id).map(|user| user.name.clone())
    }

    /// Open sockets, and bytes queued for them: in all, and on the fullest one.
    pub fn queue_totals(&self) -> QueueTotals {
        let members = self.read();
        let mut totals = QueueTotals {
            sockets: members.sockets.len(),
            evictions: self.evictions.load(Ordering::Relaxed),
            ..QueueTotals::default()
        };
        for socket in members.sockets.values() {
            let queued = socket.outbox.bytes.now();
            totals.queued_bytes += queued;
            totals.largest_queue_bytes = totals.largest_queue_bytes.max(queued);
        }
        totals
    }

    /// Connections in the room (tabs, bots), for metrics and tests.
    pub fn connections(&self, room_id: RoomId) -> usize {
        self.read().by_room.get(&room_id).map_or(0, HashMap::len)
    }

    /// Add a connection to a room. Tells the others if this person just came online.
    pub fn join(&self, room_id: RoomId, person: &Person, outbox: Outbox) {
        let id = outbox.id;
        let came_online = {
            let mut members = self.write();
            members.by_room.entry(room_id).or_default().insert(id, outbox.clone());
            members.by_conn.insert(id, Member { room_id, user_id: person.user_id, outbox });
            let online =
                members.people.entry(room_id).or_default().entry(person.user_id).or_insert_with(|| Online {
                    username: person.username.clone(),
                    name: person.name.clone(),
                    connections: 0,
                });
            online.connections += 1;
            let came_online = online.connections == 1;
            members
                .users
                .entry(person.user_id)
                .or_insert_with(|| User { name: person.name.clone(), conns: Vec::new() })
                .conns
                .push(id);
            came_online
        };
        if came_online {
            self.publish_presence(room_id, person.user_id, &person.username, &person.name, true);
            // Already there on another node: nobody here needs telling.
            if !self.remote.in_room(room_id, person.user_id) {
                self.presence(room_id, PresenceEvent::Joined, &person.username, &person.name, Some(id));
            }
        }
    }

    /// A person changed their display name: every room they are in sees them leave under the
    /// old name and come back under the new one.
    pub fn rename_user(&self, user_id: UserId, new_name: &str) {
        let renamed: Vec<(RoomId, Username, String)> = {
            let mut members = self.write();
            if let Some(user) = members.users.get_mut(&user_id) {
                user.name = new_name.to_owned();
            }
            members
                .people
                .iter_mut()
                .filter_map(|(room, here)| here.get_mut(&user_id).map(|online| (*room, online)))
                .filter(|(_, online)| online.name != new_name)
                .map(|(room, online)| {
                    let old = std::mem::replace(&mut online.name, new_name.to_owned());
                    (room, online.username.clone(), old)
                })
                .collect()
        };
        for (room_id, username, old) in renamed {
            self.presence(room_id, PresenceEvent::Left, &username, &old, None);
            self.presence(room_id, PresenceEvent::Joined, &username, new_name, None);
        }
    }

    /// Remove a connection (closed, failed or evicted). Idempotent.
    pub fn leave(&self, id: ConnId) {
        let gone = {
            let mut members = self.write();
            let Some(member) = members.by_conn.remove(&id) else { return };
            if let Some(room) = members.by_room.get_mut(&member.room_id) {
                room.remove(&id);
                if room.is_empty() {
                    members.by_room.remove(&member.room_id);
                }
            }
            if let Some(user) = members.users.get_mut(&member.user_id) {
                user.conns.retain(|conn| *conn != id);
                if user.conns.is_empty() {
                    members.users.remove(&member.user_id);
                }
            }
            match members.people.get_mut(&member.room_id).and_then(|here| here.get_mut(&member.user_id)) {
                Some(online) if online.connections > 1 => {
                    online.connections -= 1;
                    None
                }
                Some(_) => people_left(&mut members.people, member.room_id, member.user_id),
                None => None,
            }
        };
        if let Some((room_id, user_id, online)) = gone {
            self.publish_presence(room_id, user_id, &online.username, &online.name, false);
            if !self.remote.in_room(room_id, user_id) {
                self.presence(room_id, PresenceEvent::Left, &online.username, &online.name, None);
            }
        }
    }

    /// Drop a connection that cannot keep up, and tell it to close.
    /// Queue `frame` for one connection; if it does not fit, evict it as a slow consumer.
    /// Whether it fit.
    pub fn send(&self, outbox: &Outbox, frame: &ServerFrame) -> bool {
        let fit = outbox.push_frame(frame);
        if !fit {
            self.evict(outbox.id);
        }
        fit
    }

    pub fn evict(&self, id: ConnId) {
        let outbox = {
            let members = self.read();
            // A connection that has not joined yet is in the socket table only.
            let joined = members.by_conn.get(&id).map(|m| m.outbox.clone());
            joined.or_else(|| members.sockets.get(&id).map(|s| s.outbox.clone()))
        };
        self.leave(id);
        if let Some(outbox) = outbox {
            tracing::info!(conn = id, "evicting slow consumer");
            self.evictions.fetch_add(1, Ordering::Relaxed);
            outbox.kick();
        }
    }

    /// Whether anyone is connected to a room other than `room_id` (else there is nobody to
    /// tell about activity in it, and the member lookup can be skipped).
    pub fn anyone_elsewhere(&self, room_id: RoomId) -> bool {
        let members = self.read();
        members.by_room.len() > usize::from(members.by_room.contains_key(&room_id))
    }

    /// Send one frame to every connection in the room, except `skip`. The frame is
    /// serialized once by the caller; each recipient gets a clone of the same bytes.
    pub fn broadcast(&self, room_id: RoomId, frame: Utf8Bytes, skip: Option<ConnId>) {
        self.fan_out(room_id, frame, |_, id| Some(id) != skip);
    }

    /// Send one frame to the connections in the room of these people only (read receipts:
    /// only those who take part are told).
    pub fn broadcast_to(&self, room_id: RoomId, frame: Utf8Bytes, users: &HashSet<UserId>) {
        self.fan_out(room_id, frame, |members, id| {
            members.by_conn.get(&id).is_some_and(|member| users.contains(&member.user_id))
        });
    }

    fn fan_out(&self, room_id: RoomId, frame: Utf8Bytes, to: impl Fn(&Members, ConnId) -> bool) {
        let mut overflowed = Vec::new();
        {
            let members = self.read();
            let Some(room) = members.by_room.get(&room_id) else { return };
            for (id, outbox) in room {
                if to(&members, *id) && !outbox.push(frame.clone()) {
                    overflowed.push(*id);
                }
            }
        }
        for id in overflowed {
            self.evict(id);
        }
    }

    fn presence(
        &self,
        room_id: RoomId,
        event: PresenceEvent,
        username: &str,
        name: &str,
        skip: Option<ConnId>,
    ) {
        let online = self.online_count(room_id);
        if online > PRESENCE_LINES_UP_TO {
            self.counts_due.mark(room_id);
            return;
        }
        let frame = ServerFrame::Presence { event, username: username.into(), name: name.to_owned(), online };
        self.broadcast(room_id, Utf8Bytes::from(encode(&frame)), skip);
    }

    /// Tell each crowded room whose count changed since the last call how many are online
    /// now (`crowds`: every [`PRESENCE_COUNT_EVERY`]).
    pub fn send_counts(&self) {
        for room_id in self.counts_due.take() {
            let online = self.online_count(room_id);
            let frame = ServerFrame::Presence {
                event: PresenceEvent::Count,
                username: Username::default(),
                name: String::new(),
                online,
            };
            self.broadcast(room_id, Utf8Bytes::from(encode(&frame)), None);
        }
    }

    /// Send crowded rooms their counts every [`PRESENCE_COUNT_EVERY`], as long as the server runs.
    pub fn spawn_counts(&self) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PRESENCE_COUNT_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                hub.send_counts();
            }
        });
    }
}
