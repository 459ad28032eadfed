//! Integration tests of the api crate: one binary, one module per concern.

mod accounts;
mod acts;
mod backup;
mod broker;
mod callup;
mod city;
mod dispatch;
mod drill;
mod drill_run;
mod import;
mod ingest;
mod link;
mod multiseat;
mod response;
mod roster;
mod scope;
mod shift;
mod station;
mod storage;
mod trust;
mod zero_report;
