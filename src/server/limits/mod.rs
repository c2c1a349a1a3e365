//! How much anyone may do: token buckets (`rate_limit`), the limits that belong to a person
//! rather than to one connection (`person_limits`), what several nodes count together in
//! Redis (`shared_limits`), and the share of it each node holds so a send waits for no round
//! trip (`leases`). Every limit is named here or in `Config`; features only spend them.

pub mod leases;
pub mod person_limits;
pub mod rate_limit;
pub mod shared_limits;
