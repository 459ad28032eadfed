//! Integration tests of the api crate: one binary, one module per concern.

mod city;
mod dispatch;
mod import;
mod ingest;
mod link;
mod roster;
mod shift;
mod station;
