//! The drill crate's one integration-test binary: scenario files in, scenarios or errors out.

mod encodings;
mod errors;
mod limits;
mod metadata;
mod remap;
mod resolve;
mod round_trip;
mod shipped;
mod support;
mod times;
