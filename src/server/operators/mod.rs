//! What the person who runs a server does with it besides serving: `backup` takes a consistent
//! copy of a running server and restores one. Run from the command line (`banter backup`,
//! `banter restore`, see `main.rs`), against the same configuration as the server. Uses
//! `config` and `storage`.

pub mod backup;
