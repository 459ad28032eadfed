//! Who a `redgrid` command acts as.
//!
//! Honestly: whoever can open the database can do anything to it, so the CLI without `--as` is the
//! administrator, named by the operating-system user that runs it (read from the process's uid, not from
//! `$USER`, which any caller sets). That identity takes only the administrator's acts — accounts,
//! settings, imports, the calendar, backups. Every other act (rosters, cameras, contacts, and the levels,
//! call-ups and drills) needs `--as ACCOUNT` and that account's password, checked like a sign-in: a wrong
//! one is audited and counts toward the lockout.
//!
//! Passwords never come from argv: `REDGRID_PASSWORD`, else the first line of standard input; a second
//! password in the same command (a new one) comes from `REDGRID_NEW_PASSWORD`, else the next line.

use std::io::BufRead;

use anyhow::{bail, Context};
use redgrid_api::{ApiError, Station};
use redgrid_core::closed_loop::{Actor, Role};

/// The `--as` account of this run, if any, and the passwords read so far.
pub struct Identity {
    account: Option<String>,
    lines: Vec<String>,
    env_used: bool,
}

impl Identity {
    pub fn new(account: Option<String>) -> Identity {
        Identity {
            account: account.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
            lines: Vec::new(),
            env_used: false,
        }
    }

    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The next password: `REDGRID_PASSWORD` for the first, `REDGRID_NEW_PASSWORD` for the second, each
    /// else the next line of standard input.
    pub fn password(&mut self, what: &str) -> anyhow::Result<String> {
        let var =
            if self.env_used || !self.lines.is_empty() { "REDGRID_NEW_PASSWORD" } else { "REDGRID_PASSWORD" };
        if let Ok(value) = std::env::var(var) {
            if var == "REDGRID_PASSWORD" {
                self.env_used = true;
            }
            // Read once: a child process (pg_dump, an editor) must not inherit it.
            std::env::remove_var(var);
            return Ok(value);
        }
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line).context("无法读取标准输入")?;
        if read == 0 {
            bail!("需要{what}：请设置环境变量 {var}，或在标准输入的一行中给出（不要写在命令行参数里）");
        }
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        self.lines.push(password.clone());
        Ok(password)
    }

    /// The actor of an act that needs a person: the `--as` account, signed in with its password.
    pub async fn person(&mut self, station: &Station) -> anyhow::Result<Actor> {
        let Some(account) = self.account.clone() else {
            bail!("此操作须以具体账号执行：请加 --as 账号（密码由 REDGRID_PASSWORD 或标准输入给出）");
        };
        let password = self.password(&format!("账号 {account} 的密码"))?;
        match station.check_credentials(&account, &password).await {
            Ok(session) if session.must_change_password => {
                Err(anyhow::Error::new(ApiError::MustChangePassword).context(format!(
                    "账号 {account} 的密码已被重置：请先用 redgrid account passwd --as {account} 修改"
                )))
            }
            Ok(session) => Ok(session.actor()),
            Err(error) => Err(anyhow::Error::new(error)),
        }
    }

    /// The actor of an administrator's act: the `--as` account when given, else the operating-system
    /// user as the administrator.
    pub async fn administrator(&mut self, station: &Station) -> anyhow::Result<Actor> {
        if self.account.is_some() {
            return self.person(station).await;
        }
        let user = os_user();
        Ok(Actor {
            id: format!("os:{user}"),
            name: format!("命令行（系统用户 {user}）"),
            role: Role::Administrator,
            station: station.station_id().into(),
        })
    }
}

/// The name of the user this process runs as, from its uid and `/etc/passwd`; `uid N` when unnamed.
pub fn os_user() -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else { return "unknown".into() };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id: u32 = fields.nth(1)?.parse().ok()?;
                (id == uid).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}
