//! Full-text search: the index kept in step with messages and asked for a person's rooms only
//! (`index`), and what a person typed, as a query for either database (`query`).
//! Uses `storage`.

pub mod index;
pub mod query;
