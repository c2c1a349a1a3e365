//! How much anyone may do: token buckets (`rate_limit`), the limits that belong to a person
//! rather than to one connection (`person_limits`), and what several nodes count together in
//! Redis (`shared_limits`). Every limit is named here or in `Config`; features only spend them.

pub mod person_limits;
pub mod rate_limit;
pub mod shared_limits;
