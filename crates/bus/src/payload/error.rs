//! Why a payload was refused: a stable code for programs and a Chinese reason for the officer reading
//! the quarantine.

/// A payload that does not decode. The station quarantines it with [`DecodeError::code`] and the
/// Display text (Chinese, shown to officers); it is never dropped silently.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Checked before anything else, so an oversized payload is never parsed.
    #[error("消息过大：{len} 字节，上限 {max} 字节")]
    TooLarge { len: usize, max: usize },
    #[error("消息为空")]
    Empty,
    #[error("消息不是有效的 UTF-8 文本（仅前 {valid_up_to} 字节有效）")]
    InvalidUtf8 { valid_up_to: usize },
    #[error("消息不是有效的 JSON：{detail}")]
    NotJson { detail: String },
    #[error("缺少字段 {field}")]
    MissingField { field: String },
    #[error("字段 {field} 类型错误，应为{expected}")]
    WrongType { field: String, expected: &'static str },
    #[error("字段 {field} 的值 {value} 超出范围（{range}）")]
    OutOfRange { field: String, value: String, range: &'static str },
    /// A string longer than its limit, or a list with too many items.
    #[error("字段 {field} 过长：{len}，上限 {max}")]
    TooLong { field: String, len: usize, max: usize },
    /// A string from a closed set (a type, a kind, a state) that is not one of its values.
    #[error("字段 {field} 的值“{value}”无法识别（可选：{allowed}）")]
    UnknownValue { field: String, value: String, allowed: &'static str },
    #[error("未知主题：{topic}")]
    UnknownTopic { topic: String },
    #[error("不支持的消息版本 v={v}（本站支持 v=1）")]
    UnsupportedVersion { v: i64 },
    /// A time more than [`super::MAX_AHEAD_OF_STATION`] after the station's clock
    /// ([`super::check_not_ahead`]).
    #[error("字段 {field} 的时间 {value} 晚于本站时钟 {now} 超过 {minutes} 分钟：发送方时钟有误")]
    FutureTime { field: String, value: String, now: String, minutes: i64 },
    /// A NUL character (`\u0000`): PostgreSQL cannot store it in text, and nothing a sender means needs it.
    #[error("消息含有空字符（\\u0000），无法保存")]
    NulCharacter,
}

impl DecodeError {
    /// A stable snake_case code; programs branch on this, never on the message.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Empty => "empty",
            DecodeError::InvalidUtf8 { .. } => "invalid_utf8",
            DecodeError::NotJson { .. } => "not_json",
            DecodeError::MissingField { .. } => "missing_field",
            DecodeError::WrongType { .. } => "wrong_type",
            DecodeError::OutOfRange { .. } => "out_of_range",
            DecodeError::TooLong { .. } => "too_long",
            DecodeError::UnknownValue { .. } => "unknown_value",
            DecodeError::UnknownTopic { .. } => "unknown_topic",
            DecodeError::UnsupportedVersion { .. } => "unsupported_version",
            DecodeError::NulCharacter => "nul_char",
            DecodeError::FutureTime { .. } => "future_time",
        }
    }

    /// The JSON field the error is about, where there is one (a dotted path such as `after.camera`).
    pub fn field(&self) -> Option<&str> {
        match self {
            DecodeError::MissingField { field }
            | DecodeError::WrongType { field, .. }
            | DecodeError::OutOfRange { field, .. }
            | DecodeError::TooLong { field, .. }
            | DecodeError::UnknownValue { field, .. }
            | DecodeError::FutureTime { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn not_json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let what = match error.classify() {
            Category::Eof => "内容不完整（可能被截断）",
            Category::Syntax if error.to_string().contains("recursion limit") => "嵌套层数过多",
            Category::Syntax => "语法错误",
            Category::Data => "数据错误",
            Category::Io => "读取错误",
        };
        DecodeError::NotJson {
            detail: format!("{what}，第 {} 行第 {} 列", error.line(), error.column())
        }
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut, for quoting input in a reason.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}
