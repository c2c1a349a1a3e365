//! The database core: which database, opening it with its schema up to date (`database`), and
//! the pool, write transactions and each room's sequence numbers (`store`). It imports no
//! feature; each feature keeps its own statements beside it (`impl Store` in its own module)
//! and runs them through this core.

pub mod database;
pub mod store;
