//! `redgrid init` and `redgrid account …`: a township's own station and its accounts.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use redgrid_api::init::InitSpec;
use redgrid_api::AccountView;
use redgrid_core::account::DataScope;
use redgrid_core::closed_loop::Role;
use serde_json::json;

use crate::identity::Identity;
use crate::{output, DbArg};

#[derive(Args)]
pub struct InitArgs {
    /// The centre's name, e.g. 大圩镇综治中心.
    #[arg(long)]
    centre: String,
    /// The township's 9-digit division code.
    #[arg(long)]
    township: String,
    /// The first administrator's account name (its password: REDGRID_PASSWORD or standard input).
    #[arg(long)]
    admin: String,
    /// The administrator's name.
    #[arg(long)]
    admin_name: Option<String>,
    /// A folder of division files of another prefecture (default: the shipped Guigang ones).
    #[arg(long)]
    divisions: Option<PathBuf>,
    #[command(flatten)]
    db: DbArg,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Creates an account that signs in at once (password: REDGRID_PASSWORD or standard input).
    Add {
        account: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Every account with its role, scope and state.
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Disables an account (it can no longer sign in).
    Disable {
        account: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Re-enables a disabled account.
    Enable {
        account: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Sets a new password that must be changed at the next sign-in; lifts a lockout.
    Reset {
        account: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Gives an account another role.
    Role {
        account: String,
        role: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Sets the part of the township an account sees.
    Scope {
        account: String,
        #[arg(long, conflicts_with_all = ["villages", "grids"])]
        township: bool,
        #[arg(long, value_delimiter = ',')]
        villages: Vec<String>,
        #[arg(long, value_delimiter = ',', conflicts_with = "villages")]
        grids: Vec<String>,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Changes the --as account's own password (current: REDGRID_PASSWORD or the first input line; new:
    /// REDGRID_NEW_PASSWORD or the next line).
    Passwd {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    Role::from_key(text.trim())
        .or_else(|| Role::ALL.into_iter().find(|r| r.name_zh() == text.trim()))
        .filter(|r| redgrid_api::accounts::is_account_role(*r))
        .with_context(|| {
            format!("角色应为 duty_officer、commissioner、leader、administrator 或 wall，收到“{text}”")
        })
}

fn account_json(a: &AccountView) -> serde_json::Value {
    json!({
        "account": a.account, "name": a.name, "role": a.role.key(), "active": a.active,
        "scope": a.scope.encode(), "must_change_password": a.must_change_password,
        "locked_until": a.locked_until.map(|t| t.to_rfc3339()),
    })
}

fn print_account(a: &AccountView, json: bool, done: &str) {
    if json {
        output::print_json(&account_json(a));
    } else {
        say!("{done}：{}（{}），{}，{}", a.account, a.name, a.role.name_zh(), a.scope.describe_zh());
    }
}

pub async fn run_init(args: InitArgs, identity: &mut Identity) -> anyhow::Result<()> {
    let station = args.db.station().await?;
    let password = identity.password("管理员的密码")?;
    let spec = InitSpec {
        centre_name: args.centre,
        township_code: args.township,
        admin_account: args.admin,
        admin_name: args.admin_name,
        admin_password: password,
        divisions: args.divisions,
    };
    let summary = station.init(&spec).await?;
    if args.json {
        output::print_json(&json!({
            "centre": summary.centre_name, "township_code": summary.township_code,
            "township_name": summary.township_name, "villages": summary.villages,
            "admin": summary.admin_account,
        }));
    } else {
        say!(
            "已初始化：{}，{}（{}），村（社区）{} 个；管理员账号 {}。",
            summary.centre_name,
            summary.township_name,
            summary.township_code,
            summary.villages,
            summary.admin_account
        );
    }
    Ok(())
}

pub async fn run(command: AccountCommand, identity: &mut Identity) -> anyhow::Result<()> {
    match command {
        AccountCommand::Add { account, role, name, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let role = parse_role(&role)?;
            let password = identity.password(&format!("新账号 {account} 的密码"))?;
            let view = station.add_account(&actor, &account, name.as_deref(), role, &password).await?;
            print_account(&view, json, "已新建账号");
        }
        AccountCommand::List { db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let accounts = station.accounts(&actor).await?;
            if json {
                output::print_json(&serde_json::Value::Array(accounts.iter().map(account_json).collect()));
            } else {
                for a in &accounts {
                    let mut state = vec![if a.active { "在用" } else { "已停用" }];
                    if a.must_change_password {
                        state.push("须改密码");
                    }
                    let locked = a.locked_until.map(|t| format!("，锁定至 {}", output::local_time(t)));
                    say!(
                        "{}\t{}\t{}\t{}\t{}{}",
                        a.account,
                        a.name,
                        a.role.name_zh(),
                        a.scope.describe_zh(),
                        state.join("、"),
                        locked.unwrap_or_default()
                    );
                }
            }
        }
        AccountCommand::Disable { account, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            print_account(&station.set_account_active(&actor, &account, false).await?, json, "已停用");
        }
        AccountCommand::Enable { account, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            print_account(&station.set_account_active(&actor, &account, true).await?, json, "已启用");
        }
        AccountCommand::Reset { account, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let password = identity.password(&format!("账号 {account} 的新密码"))?;
            let view = station.reset_password(&actor, &account, &password).await?;
            print_account(&view, json, "已重置密码（下次登录须修改）");
        }
        AccountCommand::Role { account, role, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let view = station.set_account_role(&actor, &account, parse_role(&role)?).await?;
            print_account(&view, json, "已更改角色");
        }
        AccountCommand::Scope { account, township, villages, grids, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let scope = if township {
                DataScope::Township
            } else if !villages.is_empty() {
                DataScope::Villages(villages)
            } else if !grids.is_empty() {
                DataScope::Grids(grids)
            } else {
                anyhow::bail!("请用 --township、--villages 或 --grids 指定数据范围");
            };
            let view = station.set_account_scope(&actor, &account, scope).await?;
            print_account(&view, json, "已设置数据范围");
        }
        AccountCommand::Passwd { db, json } => {
            let station = db.station().await?;
            let Some(account) = identity.account().map(String::from) else {
                anyhow::bail!("修改本人密码须加 --as 账号");
            };
            let current = identity.password(&format!("账号 {account} 的当前密码"))?;
            let new = identity.password("新密码")?;
            station.change_own_password(&account, &current, &new).await?;
            if json {
                output::print_json(&json!({ "account": account, "changed": true }));
            } else {
                say!("账号 {account} 的密码已修改。");
            }
        }
    }
    Ok(())
}
