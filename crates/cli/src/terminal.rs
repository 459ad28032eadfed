//! `redgrid terminal issue|revoke|list`: the broker logins of workers' terminals, NVRs and report sources,
//! and how `serve` and `sim` log in to a broker themselves (`--broker-password-file`, `--broker-ca`,
//! `REDGRID_MQTT_PASSWORD`).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use redgrid_api::store::broker_logins::LoginKind;
use redgrid_api::terminal::{IssuedLogin, LoginView};
use serde_json::json;

use crate::identity::Identity;
use crate::{output, DbArg};

/// How this process logs in to an external broker. The password never comes from argv (every user of the
/// machine sees a process's arguments): a file, or `REDGRID_MQTT_PASSWORD`, read once and then removed
/// from the environment so that no child process inherits it.
#[derive(Args, Clone, Default)]
pub struct BrokerAuthArgs {
    /// A file whose first line is the password of the broker login named in --broker (mqtt://user@host:port).
    #[arg(long, value_name = "FILE")]
    broker_password_file: Option<PathBuf>,
    /// The CA certificate (PEM) an mqtts:// broker's certificate must chain to (default: the system's roots).
    #[arg(long, value_name = "FILE")]
    broker_ca: Option<PathBuf>,
}

impl BrokerAuthArgs {
    pub fn password(&self) -> anyhow::Result<Option<String>> {
        Ok(redgrid_api::serve::broker_password(self.broker_password_file.as_deref())?)
    }

    pub fn ca(&self) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(redgrid_api::serve::broker_ca(self.broker_ca.as_deref())?)
    }
}

#[derive(Subcommand)]
pub enum TerminalCommand {
    /// Issues (or reissues) a broker login: a worker's terminal by worker id, or --nvr NAME, or --source
    /// NAME. The password is shown once (or written only into --otrc).
    Issue {
        /// The worker id (or, with --nvr/--source, the NVR's or the source's name).
        subject: String,
        /// An NVR's login: native alerts under its name; Frigate's topics when NAME is the Frigate prefix.
        #[arg(long, conflicts_with = "source")]
        nvr: bool,
        /// A report source's login (a hotline gateway, the residents' app): reports/NAME.
        #[arg(long)]
        source: bool,
        /// Writes an OwnTracks configuration (.otrc, 0600) for the worker's phone here instead of printing
        /// the password.
        #[arg(long, value_name = "FILE")]
        otrc: Option<PathBuf>,
        /// The broker's address as the phone reaches it (for --otrc).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[arg(long, default_value_t = 18830)]
        port: u16,
        /// The phone connects with TLS (for --otrc).
        #[arg(long)]
        tls: bool,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Revokes a login by its username (a worker's is the worker id; nvr-NAME, source-NAME).
    Revoke {
        username: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Every login issued, live and revoked (never a password).
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

fn view_json(v: &LoginView) -> serde_json::Value {
    json!({
        "username": v.username, "kind": v.kind.key(), "subject": v.subject,
        "issued_at": v.issued_at.to_rfc3339(), "issued_by": v.issued_by,
        "revoked_at": v.revoked_at.map(|t| t.to_rfc3339()), "revoked_by": v.revoked_by,
    })
}

/// Creates `path` readable by its owner alone, refusing to replace an existing file (a phone's earlier
/// configuration is the administrator's to delete).
fn write_private_new(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("无法新建文件 {}（已存在的文件不会被覆盖）", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

pub async fn run(command: TerminalCommand, identity: &mut Identity) -> anyhow::Result<()> {
    match command {
        TerminalCommand::Issue { subject, nvr, source, otrc, host, port, tls, db, json } => {
            let kind = match (nvr, source) {
                (true, _) => LoginKind::Nvr,
                (_, true) => LoginKind::Source,
                _ => LoginKind::Worker,
            };
            anyhow::ensure!(
                otrc.is_none() || kind == LoginKind::Worker,
                "--otrc 只用于网格员终端的登录（OwnTracks 配置）"
            );
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            // The file is claimed first: a login whose password could not be written anywhere is useless.
            if let Some(path) = &otrc {
                write_private_new(path, "")?;
            }
            let issued = match station.issue_broker_login(&actor, kind, &subject).await {
                Ok(issued) => issued,
                Err(error) => {
                    if let Some(path) = &otrc {
                        std::fs::remove_file(path).ok();
                    }
                    return Err(error.into());
                }
            };
            if let Some(path) = &otrc {
                let tid: String =
                    issued.subject.chars().rev().take(2).collect::<String>().chars().rev().collect();
                let config = redgrid_api::terminal::otrc(&host, port, tls, &issued, &tid);
                std::fs::write(path, serde_json::to_string_pretty(&config)?)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
            }
            print_issued(&issued, otrc.as_deref(), json);
        }
        TerminalCommand::Revoke { username, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let view = station.revoke_broker_login(&actor, &username).await?;
            if json {
                output::print_json(&view_json(&view));
            } else {
                say!("已吊销{}登录 {}：运行中的指挥台重新加载后即失效。", view.kind.name_zh(), view.username);
            }
        }
        TerminalCommand::List { db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let logins = station.broker_login_list(&actor).await?;
            if json {
                output::print_json(&serde_json::Value::Array(logins.iter().map(view_json).collect()));
            } else if logins.is_empty() {
                say!("尚未签发任何消息服务器登录。");
            } else {
                for v in &logins {
                    let state = match v.revoked_at {
                        Some(at) => format!("已吊销（{}）", output::local_time(at)),
                        None => "有效".into(),
                    };
                    say!(
                        "{}\t{}\t{}\t签发于 {}（{}）\t{state}",
                        v.username,
                        v.kind.name_zh(),
                        v.subject,
                        output::local_time(v.issued_at),
                        v.issued_by
                    );
                }
            }
        }
    }
    Ok(())
}

fn print_issued(issued: &IssuedLogin, otrc: Option<&Path>, json: bool) {
    if json {
        let mut value = json!({
            "username": issued.username, "kind": issued.kind.key(), "subject": issued.subject,
            "issued_at": issued.issued_at.to_rfc3339(),
        });
        match otrc {
            Some(path) => value["otrc"] = json!(path.display().to_string()),
            None => value["password"] = json!(issued.password),
        }
        output::print_json(&value);
        return;
    }
    match otrc {
        Some(path) => say!(
            "已签发{}登录 {}；密码只写入了 OwnTracks 配置 {}（仅本人可读），请导入手机后删除该文件。",
            issued.kind.name_zh(),
            issued.username,
            path.display()
        ),
        None => {
            say!("已签发{}登录 {}。", issued.kind.name_zh(), issued.username);
            say!("密码（只显示这一次，本站只保存其哈希）：{}", issued.password);
        }
    }
}
