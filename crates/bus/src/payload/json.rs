//! Reading fields out of a parsed JSON object with precise, typed errors. Nothing here indexes or
//! unwraps: every shape of input yields a value or a [`DecodeError`].

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::error::excerpt;
use super::limits::{MAX_ID_CHARS, MAX_LIST_ITEMS};
use super::DecodeError;

/// Earliest and latest instants accepted anywhere (2000-01-01 and 2100-01-01, UTC): a time outside them
/// is a wrong unit (seconds sent as milliseconds or the reverse) or a broken clock.
const EARLIEST_SECONDS: i64 = 946_684_800;
const LATEST_SECONDS: i64 = 4_102_444_800;
const TIME_RANGE: &str = "2000 年至 2100 年之间";

/// Parses `text` as JSON and requires an object at the top.
pub(crate) fn parse_object(text: &str) -> Result<Map<String, Value>, DecodeError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(DecodeError::WrongType { field: "$".to_owned(), expected: "JSON 对象" }),
        Err(error) => Err(DecodeError::not_json(&error)),
    }
}

/// A JSON object and its path from the payload's root, for error messages.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    pub(crate) fn root(map: &'a Map<String, Value>) -> Self {
        Obj { map, path: String::new() }
    }

    /// The dotted path of `key` in this object.
    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`; JSON `null` counts as absent.
    pub(crate) fn value(&self, key: &str) -> Option<&'a Value> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(value),
        }
    }

    fn missing(&self, key: &str) -> DecodeError {
        DecodeError::MissingField { field: self.path_of(key) }
    }

    fn wrong_type(&self, key: &str, expected: &'static str) -> DecodeError {
        DecodeError::WrongType { field: self.path_of(key), expected }
    }

    /// An optional string of at most `max` characters; an empty string counts as absent.
    pub(crate) fn opt_str(&self, key: &str, max: usize) -> Result<Option<String>, DecodeError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => check_len(self.path_of(key), text, max).map(Some),
            Some(_) => Err(self.wrong_type(key, "字符串")),
        }
    }

    /// A required non-empty string of at most `max` characters.
    pub(crate) fn req_str(&self, key: &str, max: usize) -> Result<String, DecodeError> {
        self.opt_str(key, max)?.ok_or_else(|| self.missing(key))
    }

    /// A required identifier: a non-empty string (numbers are accepted and written in decimal, since
    /// some senders number their messages).
    pub(crate) fn req_id(&self, key: &str) -> Result<String, DecodeError> {
        self.opt_id(key)?.ok_or_else(|| self.missing(key))
    }

    pub(crate) fn opt_id(&self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.value(key) {
            Some(Value::Number(number)) if number.is_i64() || number.is_u64() => Ok(Some(number.to_string())),
            Some(Value::Number(_)) => Err(self.wrong_type(key, "字符串或整数")),
            _ => self.opt_str(key, MAX_ID_CHARS),
        }
    }

    /// An optional finite number (integer or float).
    pub(crate) fn opt_f64(&self, key: &str) -> Result<Option<f64>, DecodeError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Number(number)) => match number.as_f64() {
                Some(float) if float.is_finite() => Ok(Some(float)),
                _ => Err(self.wrong_type(key, "有限数字")),
            },
            Some(_) => Err(self.wrong_type(key, "数字")),
        }
    }

    /// An optional number within `min..=max`.
    pub(crate) fn opt_f64_in(
        &self,
        key: &str,
        min: f64,
        max: f64,
        range: &'static str,
    ) -> Result<Option<f64>, DecodeError> {
        match self.opt_f64(key)? {
            Some(value) if value < min || value > max => {
                Err(DecodeError::OutOfRange { field: self.path_of(key), value: value.to_string(), range })
            }
            other => Ok(other),
        }
    }

    pub(crate) fn req_f64_in(
        &self,
        key: &str,
        min: f64,
        max: f64,
        range: &'static str,
    ) -> Result<f64, DecodeError> {
        self.opt_f64_in(key, min, max, range)?.ok_or_else(|| self.missing(key))
    }

    /// An optional integer (a float with no fractional part is accepted: some JSON writers emit `5.0`).
    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>, DecodeError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Number(number)) => {
                if let Some(int) = number.as_i64() {
                    return Ok(Some(int));
                }
                match number.as_f64() {
                    Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => Ok(Some(float as i64)),
                    _ => Err(self.wrong_type(key, "整数")),
                }
            }
            Some(_) => Err(self.wrong_type(key, "整数")),
        }
    }

    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, DecodeError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(self.wrong_type(key, "布尔值")),
        }
    }

    /// An optional list of strings (absent means empty), each of at most `max_chars` characters; empty
    /// strings are dropped.
    pub(crate) fn str_list(&self, key: &str, max_chars: usize) -> Result<Vec<String>, DecodeError> {
        let Some(value) = self.value(key) else { return Ok(Vec::new()) };
        let Value::Array(items) = value else { return Err(self.wrong_type(key, "字符串数组")) };
        if items.len() > MAX_LIST_ITEMS {
            return Err(DecodeError::TooLong {
                field: self.path_of(key),
                len: items.len(),
                max: MAX_LIST_ITEMS,
            });
        }
        let mut list = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let field = format!("{}[{index}]", self.path_of(key));
            match item {
                Value::String(text) if text.is_empty() => {}
                Value::String(text) => list.push(check_len(field, text, max_chars)?),
                _ => return Err(DecodeError::WrongType { field, expected: "字符串" }),
            }
        }
        Ok(list)
    }

    pub(crate) fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, DecodeError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj { map, path: self.path_of(key) })),
            Some(_) => Err(self.wrong_type(key, "JSON 对象")),
        }
    }

    pub(crate) fn req_obj(&self, key: &str) -> Result<Obj<'a>, DecodeError> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key))
    }

    /// The message version `v`: required, and 1 is the only version this station reads.
    pub(crate) fn version(&self) -> Result<(), DecodeError> {
        match self.opt_i64("v")? {
            None => Err(self.missing("v")),
            Some(1) => Ok(()),
            Some(v) => Err(DecodeError::UnsupportedVersion { v }),
        }
    }

    /// An optional instant written as an RFC 3339 string or as epoch milliseconds.
    pub(crate) fn opt_instant(&self, key: &str) -> Result<Option<DateTime<Utc>>, DecodeError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text.trim()) {
                Ok(instant) => in_range(self.path_of(key), instant.with_timezone(&Utc)).map(Some),
                Err(_) => Err(DecodeError::WrongType {
                    field: self.path_of(key),
                    expected: "RFC 3339 时间（如 2025-06-01T22:40:00+08:00）或毫秒时间戳",
                }),
            },
            Some(Value::Number(_)) => {
                let millis = self.opt_f64(key)?.unwrap_or_default();
                from_epoch_micros(self.path_of(key), millis, millis * 1_000.0).map(Some)
            }
            Some(_) => Err(self.wrong_type(key, "RFC 3339 时间或毫秒时间戳")),
        }
    }

    pub(crate) fn req_instant(&self, key: &str) -> Result<DateTime<Utc>, DecodeError> {
        self.opt_instant(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional instant written as epoch seconds, integer or float (Frigate, OwnTracks).
    pub(crate) fn opt_epoch_seconds(&self, key: &str) -> Result<Option<DateTime<Utc>>, DecodeError> {
        match self.opt_f64(key)? {
            None => Ok(None),
            Some(seconds) => from_epoch_micros(self.path_of(key), seconds, seconds * 1_000_000.0).map(Some),
        }
    }
}

fn check_len(field: String, text: &str, max: usize) -> Result<String, DecodeError> {
    // Counting bytes first keeps the common case cheap; characters are what the limit is about.
    if text.len() > max {
        let len = text.chars().count();
        if len > max {
            return Err(DecodeError::TooLong { field, len, max });
        }
    }
    Ok(text.to_owned())
}

/// `written` is the number as the sender wrote it, quoted in the reason.
fn from_epoch_micros(field: String, written: f64, micros: f64) -> Result<DateTime<Utc>, DecodeError> {
    let earliest = (EARLIEST_SECONDS * 1_000_000) as f64;
    let latest = (LATEST_SECONDS * 1_000_000) as f64;
    if !(earliest..latest).contains(&micros) {
        return Err(DecodeError::OutOfRange {
            field,
            value: excerpt(&written.to_string(), 32),
            range: TIME_RANGE,
        });
    }
    match DateTime::from_timestamp_micros(micros.round() as i64) {
        Some(instant) => Ok(instant),
        None => Err(DecodeError::OutOfRange {
            field,
            value: excerpt(&written.to_string(), 32),
            range: TIME_RANGE,
        }),
    }
}

fn in_range(field: String, instant: DateTime<Utc>) -> Result<DateTime<Utc>, DecodeError> {
    let seconds = instant.timestamp();
    if (EARLIEST_SECONDS..LATEST_SECONDS).contains(&seconds) {
        Ok(instant)
    } else {
        Err(DecodeError::OutOfRange { field, value: instant.to_rfc3339(), range: TIME_RANGE })
    }
}
