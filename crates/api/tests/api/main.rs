//! Integration tests of the api crate: one binary, one module per concern.

mod dispatch;
mod import;
mod ingest;
mod roster;
mod station;
