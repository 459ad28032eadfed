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
    /// A backup or restore refused or failed (`redgrid_store::backup`).
    #[error(transparent)]
    Backup(#[from] redgrid_store::backup::BackupError),
    /// No one is signed in at this workstation, or the session ended.
    #[error("{0}")]
    Unauthenticated(String),
    /// The workstation is locked until its officer gives the password again.
    #[error("工作站已锁定，请输入密码解锁")]
    Locked,
    /// A wrong account or password (sign-in, unlock, handover).
    #[error("{0}")]
    BadCredentials(String),
    /// Too many wrong passwords in a row: the account is locked for a while.
    #[error("{0}")]
    AccountLocked(String),
    /// A password the policy refuses (`redgrid_core::account::check_password`).
    #[error("{0}")]
    WeakPassword(String),
    /// The account's password was reset: nothing but choosing a new one until it is.
    #[error("密码已被重置，请先修改密码")]
    MustChangePassword,
    /// Disabling or demoting the last active administrator would leave the station unmanageable.
    #[error("{0}")]
    LastAdministrator(String),
    /// A call-up's selection reaches nobody.
    #[error("{0}")]
    EmptySelection(String),
    /// An answer for a call-up that does not exist or has ended.
    #[error("{0}")]
    UnknownCallup(String),
    /// A second drill while one is running or paused.
    #[error("{0}")]
    DrillRunning(String),
    /// A drill run needs a station serving on the same database.
    #[error("{0}")]
    NoStation(String),
    /// What an act names by id does not exist.
    #[error("未找到{0}")]
    NotFound(String),
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
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Locked => "locked",
            ApiError::BadCredentials(_) => "bad_credentials",
            ApiError::AccountLocked(_) => "account_locked",
            ApiError::WeakPassword(_) => "weak_password",
            ApiError::MustChangePassword => "must_change_password",
            ApiError::LastAdministrator(_) => "last_administrator",
            ApiError::EmptySelection(_) => "empty_selection",
            ApiError::UnknownCallup(_) => "unknown_callup",
            ApiError::DrillRunning(_) => "drill_running",
            ApiError::NoStation(_) => "no_station",
            ApiError::NotFound(_) => "not_found",
            ApiError::Backup(error) => error.code(),
        }
    }
}
