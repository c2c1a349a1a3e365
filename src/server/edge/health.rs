//! `/healthz` for supervisors and load balancers, `/metrics` for operators.
//!
//! Health is "can this process still store a message": the sequencer task is running. If it
//! ever stops on its own the answer is 503, and `server::serve` ends the process with an error
//! so a supervisor restarts it.
//!
//! `/metrics` is Prometheus text, answered only to loopback addresses: it says how many people
//! are connected, which is nobody else's business.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::server::state::AppState;

/// `GET /healthz`: 200 `ok`, or 503 when messages can no longer be stored.
pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.sequencer.is_running() {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "the sequencer has stopped: messages cannot be stored")
            .into_response()
    }
}

/// `GET /metrics` (loopback only): connections and what their queues hold.
pub async fn metrics(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    if !peer.ip().is_loopback() {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let totals = state.hub.queue_totals();
    let body = format!(
        "# HELP banter_sockets Open WebSocket connections.\n\
         # TYPE banter_sockets gauge\n\
         banter_sockets {}\n\
         # HELP banter_queued_bytes Bytes queued for all connections, not yet written.\n\
         # TYPE banter_queued_bytes gauge\n\
         banter_queued_bytes {}\n\
         # HELP banter_largest_queue_bytes Bytes queued for the fullest connection.\n\
         # TYPE banter_largest_queue_bytes gauge\n\
         banter_largest_queue_bytes {}\n\
         # HELP banter_evictions_total Connections closed for not keeping up with their queue.\n\
         # TYPE banter_evictions_total counter\n\
         banter_evictions_total {}\n\
         # HELP banter_sequencer_up Whether messages can be stored.\n\
         # TYPE banter_sequencer_up gauge\n\
         banter_sequencer_up {}\n\
         # HELP banter_outbound_refused_total Calls the server did not make: their address was internal.\n\
         # TYPE banter_outbound_refused_total counter\n\
         banter_outbound_refused_total {}\n\
         # HELP banter_http_internal_errors_total Answers with status 500 (faults of the server).\n\
         # TYPE banter_http_internal_errors_total counter\n\
         banter_http_internal_errors_total {}\n",
        totals.sockets,
        totals.queued_bytes,
        totals.largest_queue_bytes,
        totals.evictions,
        u8::from(state.sequencer.is_running()),
        state.outbound.refused_total(),
        crate::server::edge::api_status::internal_errors_total(),
    );
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
