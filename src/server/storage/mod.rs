//! The database core: which database, opening it with its schema up to date (`database`), and
//! the pool, transactions, sequence numbers and message history (`store`). Each feature keeps
//! its own statements beside it and runs them through this core.

pub mod database;
pub mod store;
