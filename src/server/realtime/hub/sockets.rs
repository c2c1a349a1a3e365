//! The socket table: every open connection, joined to a room or not, with whose session it
//! is and where it comes from. Admission checks the per-account and per-address caps and
//! records the socket under one lock; sign-out, expiry and removal end sockets from here, each
//! taken out of its room before it is told to close, so not one more frame is queued for it.

use crate::ids::{RoomId, UserId};
use std::net::IpAddr;

use super::{ConnId, Hub, Outbox, decrement};
use crate::server::accounts::users::SessionId;

/// An open connection's credentials.
#[derive(Debug)]
pub(super) struct Socket {
    pub(super) user_id: UserId,
    pub(super) session: SessionId,
    pub(super) address: IpAddr,
    pub(super) outbox: Outbox,
}

/// How many sockets one account, and one address, may hold at once.
#[derive(Debug, Clone, Copy)]
pub struct SocketCaps {
    pub per_account: usize,
    pub per_address: usize,
}

/// Why a new connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotAdmitted {
    #[error("this account has {0} connections open already")]
    Account(usize),
    #[error("this address has {0} connections open already")]
    Address(usize),
    /// After [`Hub::close_all`]: the server is shutting down.
    #[error("the server is shutting down")]
    ShuttingDown,
}

impl Hub {
    /// Record an open connection (before it joins any room), whose session it uses and where
    /// it comes from, if the account and the address are under their caps. Checked and
    /// recorded under one lock, so parallel upgrades cannot all squeeze past the cap.
    pub fn connect(
        &self,
        user_id: UserId,
        session: SessionId,
        address: IpAddr,
        outbox: Outbox,
        caps: SocketCaps,
    ) -> Result<(), NotAdmitted> {
        let mut members = self.write();
        if members.closing {
            return Err(NotAdmitted::ShuttingDown);
        }
        let by_account = members.sockets_per_account.get(&user_id).copied().unwrap_or(0);
        let by_address = members.sockets_per_address.get(&address).copied().unwrap_or(0);
        if by_account >= caps.per_account {
            return Err(NotAdmitted::Account(by_account));
        }
        if by_address >= caps.per_address {
            return Err(NotAdmitted::Address(by_address));
        }
        *members.sockets_per_account.entry(user_id).or_default() += 1;
        *members.sockets_per_address.entry(address).or_default() += 1;
        if let Some(replaced) =
            members.sockets.insert(outbox.id, Socket { user_id, session, address, outbox })
        {
            // Connection ids are unique; were one reused, its old counts must not leak.
            decrement(&mut members.sockets_per_account, replaced.user_id);
            decrement(&mut members.sockets_per_address, replaced.address);
        }
        Ok(())
    }

    /// Forget a connection entirely: out of its room, out of the socket table. Idempotent.
    pub fn disconnect(&self, id: ConnId) {
        self.leave(id);
        self.write().remove_socket(id);
    }

    /// End every connection of one session with `code` (sign-out, expiry). Returns how many.
    pub fn end_session(&self, session: &SessionId, code: u16) -> usize {
        self.end_where(code, |socket| socket.session == *session)
    }

    /// The server is shutting down: admit no more sockets, and tell every open one to close
    /// with `code` (`CLOSE_SHUTTING_DOWN`). Through each connection's own ending signal, which
    /// its writer waits on anyway, rather than a shutdown signal of its own: every idle
    /// connection's task then holds one wait, not two (docs/benchmarks.md, "Idle connections").
    /// Under the lock that admission takes, so no socket admitted at the same moment is missed.
    pub fn close_all(&self, code: u16) -> usize {
        let open: Vec<Outbox> = {
            let mut members = self.write();
            members.closing = true;
            members.sockets.values().map(|socket| socket.outbox.clone()).collect()
        };
        for outbox in &open {
            outbox.end(code);
        }
        open.len()
    }

    /// Whether [`Hub::close_all`] has run: the server is shutting down, and every socket here
    /// is closing.
    pub fn is_closing(&self) -> bool {
        self.read().closing
    }

    /// End every connection of one account with `code` (sign-out everywhere).
    pub fn end_user(&self, user_id: UserId, code: u16) -> usize {
        self.end_where(code, |socket| socket.user_id == user_id)
    }

    fn end_where(&self, code: u16, which: impl Fn(&Socket) -> bool) -> usize {
        let ended: Vec<Outbox> = {
            let mut members = self.write();
            let ids: Vec<ConnId> =
                members.sockets.iter().filter(|(_, socket)| which(socket)).map(|(id, _)| *id).collect();
            ids.iter().filter_map(|id| members.remove_socket(*id)).map(|socket| socket.outbox).collect()
        };
        self.end_all(&ended, code)
    }

    /// Take each connection out of its room, then tell it to close with `code`: out of the
    /// room first, so not one more frame of it is queued.
    fn end_all(&self, outboxes: &[Outbox], code: u16) -> usize {
        for outbox in outboxes {
            self.leave(outbox.id);
            outbox.end(code);
        }
        outboxes.len()
    }

    /// End the connections of `user_id` joined to `room_id` with `code`: they left it or were
    /// removed. Their other rooms' connections stay.
    pub fn end_in_room(&self, room_id: RoomId, user_id: UserId, code: u16) -> usize {
        let ended: Vec<Outbox> = {
            let members = self.read();
            members
                .by_conn
                .values()
                .filter(|member| member.room_id == room_id && member.user_id == user_id)
                .map(|member| member.outbox.clone())
                .collect()
        };
        self.end_all(&ended, code)
    }
}
