//! The data factory, kept out of the facade (`redgrid-api`): what builds stations to show and to measure,
//! and what plays the world outside them. It writes through the api's station and store like any caller,
//! in bulk where a seed needs it.
//!
//! - [`township`]: the demo township (real division codes, generated grids, registers, a year of events
//!   replayed through the closed loop).
//! - [`city`]: a Guigang-sized station for benchmarks.
//! - [`names`]: plausible Chinese names.
//! - [`sim`]: the simulator of NVRs, worker terminals and residents over MQTT (`docs/mqtt.md`).

pub mod city;
pub mod names;
pub mod sim;
pub mod township;
