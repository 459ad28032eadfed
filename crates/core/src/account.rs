//! Console accounts: the password policy, the sign-in lockout and the data scope an account sees.
//!
//! These are rules a township's administrator answers for, so they live here and not in the shell or the
//! CLI: both take passwords, and both must refuse the same weak ones.

use std::fmt;

use crate::time::Instant;

/// Passwords refused whatever their length: common ones, the demo's, and the product's own names.
const COMMON: &str = include_str!("../../../assets/security/common-passwords.txt");

/// The shortest password the policy accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeakPassword {
    TooShort { chars: usize },
    IsAccountName,
    Common,
}

impl fmt::Display for WeakPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeakPassword::TooShort { chars } => {
                write!(f, "密码太短：{chars} 个字符，至少需要 {MIN_PASSWORD_CHARS} 个")
            }
            WeakPassword::IsAccountName => f.write_str("密码不能与账号名相同"),
            WeakPassword::Common => f.write_str("密码过于常见，容易被猜中，请换一个"),
        }
    }
}

/// Checks a new password for `account` against the policy: at least [`MIN_PASSWORD_CHARS`] characters,
/// not the account name (in any case, or reversed), not in the shipped list of common passwords.
pub fn check_password(account: &str, password: &str) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort { chars });
    }
    let lower = password.to_lowercase();
    let name = account.trim().to_lowercase();
    let reversed: String = name.chars().rev().collect();
    if !name.is_empty() && (lower == name || lower == reversed) {
        return Err(WeakPassword::IsAccountName);
    }
    let common = COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    if common.into_iter().any(|c| c.eq_ignore_ascii_case(&lower)) {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

/// How many wrong passwords in a row lock an account, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub failures: u32,
    pub minutes: i64,
}

impl Default for Lockout {
    fn default() -> Lockout {
        Lockout { failures: 5, minutes: 15 }
    }
}

impl Lockout {
    /// After a wrong password that made `failures` in a row: until when the account is locked, if it now
    /// is. The count starts again once the lock has run out.
    pub fn after_failure(&self, failures: u32, now: Instant) -> Option<Instant> {
        (self.failures > 0 && failures >= self.failures)
            .then(|| now + chrono::Duration::minutes(self.minutes))
    }
}

/// The part of the township an account sees and acts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DataScope {
    /// The whole township: every account's default.
    #[default]
    Township,
    /// Some villages (12-digit codes) and everything under them.
    Villages(Vec<String>),
    /// Some grids (unified grid codes) and everything under them.
    Grids(Vec<String>),
}

impl DataScope {
    /// The stored form: empty for the township, `villages:C,C` or `grids:C,C`.
    pub fn encode(&self) -> String {
        match self {
            DataScope::Township => String::new(),
            DataScope::Villages(codes) => format!("villages:{}", codes.join(",")),
            DataScope::Grids(codes) => format!("grids:{}", codes.join(",")),
        }
    }

    pub fn parse(text: &str) -> Option<DataScope> {
        let text = text.trim();
        if text.is_empty() || text == "township" {
            return Some(DataScope::Township);
        }
        let (kind, list) = text.split_once(':')?;
        let codes: Vec<String> =
            list.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect();
        if codes.is_empty() || codes.iter().any(|c| !c.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        match kind {
            "villages" => Some(DataScope::Villages(codes)),
            "grids" => Some(DataScope::Grids(codes)),
            _ => None,
        }
    }

    /// The grid-code prefixes the scope covers; `None` for the whole township. A grid code's prefix is its
    /// ancestor's code, so a prefix covers a grid and everything under it.
    pub fn prefixes(&self) -> Option<&[String]> {
        match self {
            DataScope::Township => None,
            DataScope::Villages(codes) | DataScope::Grids(codes) => Some(codes),
        }
    }

    /// Whether a grid (by its code) lies in the scope.
    pub fn covers(&self, grid_code: &str) -> bool {
        self.prefixes().is_none_or(|prefixes| prefixes.iter().any(|p| grid_code.starts_with(p.as_str())))
    }

    /// Whether a grid lies in the scope or above part of it: the grids a scoped console may open and
    /// draw, because the way to its own grids leads through them (the township above a village).
    pub fn reaches(&self, grid_code: &str) -> bool {
        self.covers(grid_code)
            || self.prefixes().is_some_and(|prefixes| prefixes.iter().any(|p| p.starts_with(grid_code)))
    }

    /// The part of the scope at or below a grid, as code prefixes: the grid itself when the scope covers
    /// it, else the scope's own grids that lie under it; empty when the grid is outside the scope
    /// altogether. What a read of everything under a grid may take in.
    pub fn parts_under(&self, grid_code: &str) -> Vec<String> {
        if self.covers(grid_code) {
            return vec![grid_code.to_string()];
        }
        self.prefixes().unwrap_or_default().iter().filter(|p| p.starts_with(grid_code)).cloned().collect()
    }

    /// For the account list: 全乡镇, or the codes.
    pub fn describe_zh(&self) -> String {
        match self {
            DataScope::Township => "全乡镇".into(),
            DataScope::Villages(codes) => format!("村（社区）{}", codes.join("、")),
            DataScope::Grids(codes) => format!("网格 {}", codes.join("、")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_own_name_and_common_passwords() {
        assert_eq!(check_password("duty1", "short"), Err(WeakPassword::TooShort { chars: 5 }));
        assert_eq!(check_password("wangxiaoming", "WangXiaoMing"), Err(WeakPassword::IsAccountName));
        assert_eq!(check_password("gnimoaixgnaw", "wangxiaoming"), Err(WeakPassword::IsAccountName));
        assert_eq!(check_password("duty1", "redgrid-demo"), Err(WeakPassword::Common));
        assert_eq!(check_password("duty1", "Password123"), Err(WeakPassword::Common));
        assert_eq!(check_password("duty1", "港北区值班-2026"), Ok(()));
        // Characters, not bytes: ten Chinese characters are long enough.
        assert_eq!(check_password("duty1", "贵港市港北区综治中心"), Ok(()));
    }

    #[test]
    fn lockout_starts_at_the_fifth_failure() {
        let now = Instant::from_timestamp(1_800_000_000, 0).unwrap();
        let rule = Lockout::default();
        assert_eq!(rule.after_failure(4, now), None);
        assert_eq!(rule.after_failure(5, now), Some(now + chrono::Duration::minutes(15)));
    }

    #[test]
    fn a_scope_covers_its_grids_and_everything_under_them() {
        let scope = DataScope::parse("villages:450802100201,450802100202").unwrap();
        assert!(scope.covers("450802100201"));
        assert!(scope.covers("45080210020101"));
        assert!(!scope.covers("450802100203"));
        assert!(!scope.covers("450802100"));
        assert!(DataScope::Township.covers("450802100203"));
        assert_eq!(DataScope::parse(&scope.encode()), Some(scope));
        assert_eq!(DataScope::parse(""), Some(DataScope::Township));
        assert_eq!(DataScope::parse("villages:"), None);
        assert_eq!(DataScope::parse("villages:45080'--"), None);
        assert_eq!(DataScope::parse("streets:1"), None);
    }

    #[test]
    fn a_scope_reaches_the_grids_above_it_and_takes_in_only_its_part_below_them() {
        let scope = DataScope::Villages(vec!["450802100201".into(), "45080210020203".into()]);
        // The township is on the way to both; a village of the scope's and a grid under it lie in it.
        assert!(scope.reaches("450802100"));
        assert!(scope.reaches("450802100202"));
        assert!(scope.reaches("45080210020101"));
        // A neighbouring village is neither in the scope nor above it.
        assert!(!scope.reaches("450802100203"));
        assert!(!scope.reaches("45080210020201"));
        // Under the township only the scope's own grids; under a covered grid all of it; beside it nothing.
        assert_eq!(scope.parts_under("450802100"), vec!["450802100201", "45080210020203"]);
        assert_eq!(scope.parts_under("450802100202"), vec!["45080210020203"]);
        assert_eq!(scope.parts_under("45080210020101"), vec!["45080210020101"]);
        assert!(scope.parts_under("450802100203").is_empty());
        assert_eq!(DataScope::Township.parts_under("450802100203"), vec!["450802100203"]);
        // A scope of no grids (never stored: parse refuses it) reaches nothing.
        assert!(!DataScope::Grids(Vec::new()).reaches("450802100"));
    }
}
