//! The one error shape callers see: a stable code and a Chinese message.

use redgrid_core::closed_loop::Rejection;
use redgrid_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("网格 {0} 不存在")]
    UnknownGrid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    /// Someone else acted first.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
}

impl ApiError {
    /// A stable code the UI may branch on; the message is for people.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Rejected(r) => r.code(),
            ApiError::Store(s) => s.code(),
            ApiError::UnknownGrid(_) => "unknown_grid",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Invalid(_) => "invalid",
            ApiError::Conflict(_) => "conflict",
            ApiError::Import(_) => "import",
        }
    }
}
