//! Integration tests of the domain core: one binary, one module per concern.

mod acts;
mod closed_loop;
mod dispatch;
mod grid;
mod roster;
mod stats;
mod time_limit;
