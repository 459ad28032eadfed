//! RedGrid over MQTT.
//!
//! - [`topics`]: the topic tree (versioned root, Frigate and OwnTracks prefixes), the subscription filters,
//!   and which kind of message a topic carries.
//! - [`payload`]: decoding of every inbound payload into one closed [`payload::Inbound`] enum, each message
//!   with its natural key, and encoding of outbound ones; anything that does not decode is a
//!   [`payload::DecodeError`] with a stable code and a Chinese reason, for the quarantine. Pure: no clock,
//!   no I/O, no panic on any input. `docs/mqtt.md` documents every topic and payload.
//! - [`client`]: the connection to a broker. Its event loop only decodes packets and forwards them into a
//!   bounded channel; acknowledgements go back only after the station has stored what it received.
//! - [`managed`]: the single-station default broker, a Mosquitto the station configures (logins, ACL) and
//!   starts itself.
//! - [`mosquitto`]: a Mosquitto of a test's or benchmark's own, for what must restart a broker.

pub mod client;
pub mod managed;
pub mod mosquitto;
pub mod payload;
pub mod topics;
