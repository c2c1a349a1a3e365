//! Integration tests: one binary, a real server on 127.0.0.1:0, a real SQLite file, real
//! WebSocket clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step fails the test

mod support;

mod account_deletion;
mod accounts;
mod admin;
mod api_errors;
mod assets;
mod attachments;
mod backup;
mod bad_input;
mod blocks;
mod bots;
mod commands;
mod delivery;
mod drafts;
mod emoji;
mod exports;
mod fanout;
mod health;
mod hooks;
mod hostile_clients;
mod http_limits;
mod http_security;
mod identity;
mod limits;
mod load_tool;
mod mail;
mod mentions;
mod message_changes;
mod moderation;
mod nodes;
mod notifications;
mod object_store;
mod outbound;
mod pages;
mod passkeys;
mod permissions;
mod pins;
mod previews;
mod push;
mod receipts;
mod reports;
mod restart;
mod retention;
mod room_handlers;
mod rooms;
mod saved;
mod search;
mod second_factor;
mod single_sign_on;
mod slow_reader;
mod threads;
