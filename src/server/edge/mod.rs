//! The HTTP edge: what every request meets before a feature sees it, and what serves no
//! feature in particular.
//!
//! The accept loop and its limits (`listener`), the static site (`assets`), the headers and
//! checks that keep a browser safe (`http_security`), the status of a refused server function
//! (`api_status`), and `/healthz` and `/metrics` (`health`); and the process's allocator
//! (`allocator`), which the server binary sets up before it serves. Uses the state and config
//! only; no feature imports it except through the router in `server`.

pub mod allocator;
pub mod api_status;
pub mod assets;
pub mod health;
pub mod http_security;
pub mod listener;
