//! What the person who runs a server does with it besides serving: `backup` takes a consistent
//! copy of a running server and restores one; `admin` acts on accounts (status, people and
//! rooms, a new account, a password reset link), and `admin_log` keeps what it did. Run from the command line (`banter backup`,
//! `banter restore`, `banter admin …`, see `main.rs`), against the same configuration as the
//! server. Uses `config`, `storage` and `accounts`.

pub mod admin;
pub mod admin_log;
pub mod backup;
