//! Integration tests of the api crate: one binary, one module per concern.

mod import;
mod ingest;
mod roster;
mod station;
