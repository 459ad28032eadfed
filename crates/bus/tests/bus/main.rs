//! Integration tests of the bus's pure layer — topics, decoding, encoding, and the protocol document.
//! One binary, one module per concern; nothing here needs a broker.

mod bad_input;
mod docs;
mod encode;
mod frigate;
mod fuzz;
mod managed;
mod native;
mod owntracks;
mod topics;

use std::path::PathBuf;

use redgrid_bus::payload::{decode, Decoded, Inbound};
use redgrid_bus::topics::Topics;
use serde_json::Value;

/// A file under `crates/bus/tests/fixtures/`, parsed as JSON. The product never reads fixtures.
pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {} is readable: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {} is JSON: {e}", path.display()))
}

/// One Frigate documentation sample.
pub struct Sample {
    pub name: String,
    pub topic: String,
    pub payload: Value,
}

/// Every sample in `frigate-doc-samples.json` (copied from the shared data set).
pub fn frigate_samples() -> Vec<Sample> {
    let doc = fixture("frigate-doc-samples.json");
    let samples = doc["samples"].as_array().expect("the samples file has a `samples` array").clone();
    samples
        .into_iter()
        .map(|sample| Sample {
            name: sample["name"].as_str().expect("every sample is named").to_owned(),
            topic: sample["topic"].as_str().expect("every sample names its topic").to_owned(),
            payload: sample["payload"].clone(),
        })
        .collect()
}

/// The sample called `name`.
pub fn frigate_sample(name: &str) -> Value {
    frigate_samples()
        .into_iter()
        .find(|sample| sample.name == name)
        .unwrap_or_else(|| panic!("the samples file has {name}"))
        .payload
}

/// Decodes with the default topics and requires an inbound message.
pub fn inbound(topic: &str, payload: &Value) -> Inbound {
    inbound_bytes(topic, payload.to_string().as_bytes())
}

pub fn inbound_bytes(topic: &str, payload: &[u8]) -> Inbound {
    match decode(&Topics::default(), topic, payload) {
        Ok(Decoded::Inbound(inbound)) => inbound,
        other => {
            panic!("{topic} {} should decode to a message, got {other:?}", String::from_utf8_lossy(payload))
        }
    }
}

/// Decodes with the default topics and requires an explicit Ignored outcome.
pub fn ignored(topic: &str, payload: &[u8]) -> &'static str {
    match decode(&Topics::default(), topic, payload) {
        Ok(Decoded::Ignored(why)) => why,
        other => panic!("{topic} should be ignored cleanly (not an error, not a message), got {other:?}"),
    }
}

/// Whether `text` contains Chinese: the quarantine reason is read by officers.
pub fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
