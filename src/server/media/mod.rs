//! Files people send: receiving, serving and sweeping uploads (`uploads`), what a file is and
//! making images safe (`inspect`), attachments in the store (`attachments`), and where the
//! bytes live (`blobs`: a directory, or an S3 bucket through `object_store`).
//! Uses `storage`, `accounts`, `rooms` and `limits`.

pub mod attachments;
pub mod blobs;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod inspect;
pub mod object_store;
pub mod uploads;
