//! `docs/mqtt.md` stays true: every example in it, fenced as ```` ```json topic=<topic> ````, decodes on
//! that topic — inbound examples to a message, outbound ones (tasks, broadcasts) through
//! `decode_outbound`.

use std::path::PathBuf;

use redgrid_bus::payload::{decode, decode_outbound, Decoded};
use redgrid_bus::topics::{TerminalChannel, TopicKind, Topics};

fn examples() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/mqtt.md");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is readable: {e}", path.display()));
    let mut examples = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match current.take() {
            None => {
                if let Some(topic) = line.trim().strip_prefix("```json topic=") {
                    current = Some((topic.trim().to_owned(), String::new()));
                }
            }
            Some((topic, body)) if line.trim() == "```" => examples.push((topic, body)),
            Some((topic, mut body)) => {
                body.push_str(line);
                body.push('\n');
                current = Some((topic, body));
            }
        }
    }
    examples
}

#[test]
fn every_example_in_the_protocol_document_decodes() {
    let topics = Topics::default();
    let examples = examples();
    assert!(examples.len() >= 15, "docs/mqtt.md shows an example for every topic; found {}", examples.len());
    for (topic, body) in examples {
        let outbound = matches!(
            topics.classify(&topic),
            Some(
                TopicKind::Broadcast { .. }
                    | TopicKind::Terminal {
                        channel: TerminalChannel::Tasks | TerminalChannel::Callup | TerminalChannel::Notice,
                        ..
                    }
            )
        );
        if outbound {
            if let Err(error) = decode_outbound(&topics, &topic, body.as_bytes()) {
                panic!("docs/mqtt.md example for {topic} must decode: {error}\n{body}");
            }
        } else {
            match decode(&topics, &topic, body.trim().as_bytes()) {
                Ok(Decoded::Inbound(_)) => {}
                other => {
                    panic!("docs/mqtt.md example for {topic} must decode to a message, got {other:?}\n{body}")
                }
            }
        }
    }
}
