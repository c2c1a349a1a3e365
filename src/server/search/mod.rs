//! Full-text search: the index kept in step with messages and asked for a person's rooms only
//! (`index`), the words SQLite's index holds, so that a prefix can be asked as whole words
//! (`vocabulary`), and what a person typed, as a query for either database (`query`).
//! Uses `storage`.

pub mod index;
pub mod query;
pub mod vocabulary;
