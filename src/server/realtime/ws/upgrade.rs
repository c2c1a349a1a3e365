//! The upgrade: where the request comes from, who sends it, the caps, then the transport.

use crate::ids::UserId;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::ConnectInfo;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::header::ORIGIN;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{
    Caller, Connection, MAX_WRITE_BUFFER_BYTES, READ_BUFFER_BYTES, SharedState, WRITE_BUFFER_BYTES, serve,
};
use crate::protocol::MAX_FRAME_BYTES;
use crate::server::accounts::auth::{self, NoSession, SignedIn};
use crate::server::limits::shared_limits::{Allowance, SharedLimits};
use crate::server::realtime::hub::{Hub, NotAdmitted, Outbox, Person, SocketCaps};
use crate::server::realtime::outbound_queue::{self, MIN_QUEUE_BYTES, MIN_QUEUE_FRAMES, QueueReceiver};

/// `GET /ws`: check where the request comes from and who sends it, admit (connection cap),
/// configure the transport, upgrade.
///
/// The state comes shared ([`super::SharedState`]), not as axum's per-request copy: every
/// connection keeps it for its whole life, and a copy of `AppState` is over a kilobyte.
///
/// Both checks happen before the upgrade, as plain HTTP answers a browser can see: 403 for a
/// page of another site (cross-site WebSocket hijacking: the browser would send our cookie
/// along), 401 without a live session (`{"code","message"}`, as every API error).
pub async fn upgrade(
    ws: WebSocketUpgrade,
    Extension(SharedState(state)): Extension<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    signed_in: Result<SignedIn, NoSession>,
    headers: HeaderMap,
) -> Response {
    if !auth::origin_allowed(&headers, &state.config.allowed_origins) {
        tracing::warn!(%peer, origin = ?headers.get(ORIGIN), "refusing WebSocket: origin not allowed");
        return (StatusCode::FORBIDDEN, "this origin may not open a Banter connection").into_response();
    }
    let session = match signed_in {
        Ok(SignedIn(session)) => session,
        Err(refused) => return refused.into_response(),
    };
    let user = session.user;
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        tracing::warn!(%peer, "refusing WebSocket: connection limit reached");
        return (StatusCode::SERVICE_UNAVAILABLE, "too many connections").into_response();
    };
    let id = state.next_conn_id();
    let (queue, rx) = outbound_queue::channel(state.config.queue_frames.max(MIN_QUEUE_FRAMES));
    let outbox = Outbox::new(id, queue, state.config.queue_bytes.max(MIN_QUEUE_BYTES));
    let caps = SocketCaps {
        per_account: state.config.max_sockets_per_account,
        per_address: state.config.max_sockets_per_address,
    };
    match state.hub.connect(user.id, session.id, peer.ip(), outbox.clone(), caps) {
        Ok(()) => {}
        Err(NotAdmitted::ShuttingDown) => {
            return (StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down").into_response();
        }
        Err(error) => {
            tracing::warn!(%peer, user = %user.id, %error, "refusing WebSocket");
            let message = format!("{error}; close one before opening another");
            return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
        }
    }
    let mut admitted = Admitted { hub: state.hub.clone(), outbox, rx: Some(rx), shared: None };
    // With several nodes, the caps hold over all of them too.
    if let (Some(limits), Some(cluster)) = (&state.shared_limits, &state.cluster) {
        let (me, address) = (cluster.node(), peer.ip());
        let alive_for = Duration::from_millis(state.config.presence_timeout_ms.max(1));
        match limits.open_socket(me, alive_for, user.id, address, (caps.per_account, caps.per_address)).await
        {
            Allowance::Spent => {
                tracing::warn!(%peer, user = %user.id, "refusing WebSocket: socket caps over all nodes");
                let message = "too many connections open for this account or address over all nodes; \
                               close one before opening another";
                return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
            }
            Allowance::Granted => {
                admitted.shared =
                    Some(SharedSocket { limits: limits.clone(), me: me.clone(), user_id: user.id, address });
            }
            Allowance::Unavailable => {}
        }
    }
    let caller = Caller { person: Person::from(&user), expires_at: session.expires_at, admitted };
    let connection = Box::new(Connection { state, peer, caller, _permit: permit });
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket: WebSocket| serve(socket, connection))
}

/// A connection counted in the hub (caps, sign-out) from before its upgrade. If the upgrade
/// never completes, dropping this forgets it again.
pub(super) struct Admitted {
    pub(super) hub: Hub,
    pub(super) outbox: Outbox,
    pub(super) rx: Option<QueueReceiver>,
    /// Its count over all nodes, given back when it closes.
    shared: Option<SharedSocket>,
}

/// A socket counted in Redis against the caps over all nodes (`server::limits::shared_limits`).
pub(super) struct SharedSocket {
    limits: SharedLimits,
    me: Arc<str>,
    user_id: UserId,
    address: std::net::IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.hub.disconnect(self.outbox.id);
        if let (Some(socket), Ok(runtime)) = (self.shared.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                socket.limits.close_socket(&socket.me, socket.user_id, socket.address).await
            });
        }
    }
}
