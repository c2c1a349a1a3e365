//! Every node, hourly and once at start: exports whose progress stopped (their node went
//! away mid-way) are marked failed, so their person may ask again; archives older than
//! `EXPORT_KEEP_DAYS`, and those of deleted or deactivated accounts, are removed.

use std::time::Duration;

use crate::model::now_ms;
use crate::server::AppState;

/// How often each node sweeps exports.
pub const EXPORT_SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EXPORT_SWEEP_EVERY);
        loop {
            every.tick().await;
            if state.store.is_closed() {
                return;
            }
            sweep(&state).await;
        }
    });
}

/// One sweep (also what tests run).
pub async fn sweep(state: &AppState) {
    match state.store.sweep_exports(now_ms()).await {
        Ok(gone) => {
            for id in gone {
                if let Err(error) = state.blobs.delete_export(&id).await {
                    tracing::warn!(%error, %id, "cannot remove an old export's archive");
                }
            }
        }
        Err(error) => tracing::warn!(%error, "cannot sweep exports"),
    }
}
