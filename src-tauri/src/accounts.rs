//! The first-run screen and the administrator's account desk (docs/ipc.md "Accounts"): typed requests and
//! replies, each one call of the facade; the rules (password policy, the last administrator, scopes) are
//! the api's.

use std::path::PathBuf;

use redgrid_api::init::{self, InitSpec};
use redgrid_api::AccountView;
use redgrid_core::account::DataScope;
use redgrid_core::closed_loop::Role;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::commands::{Empty, Shell};
use crate::dto::{self, ms, Millis, UiError};

type Reply<T> = Result<T, UiError>;

#[derive(Debug, Serialize)]
pub struct TownshipDto {
    pub code: String,
    pub name: String,
    pub county_name: String,
    pub villages: usize,
}

#[derive(Debug, Deserialize)]
pub struct ChoicesRequest {
    /// A folder of another prefecture's division files; none for the shipped Guigang ones.
    divisions_dir: Option<String>,
}

fn dir_of(text: &Option<String>) -> Option<PathBuf> {
    text.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(PathBuf::from)
}

/// Whether the station waits for its first run (no accounts, no demo data).
#[tauri::command]
pub async fn needs_init(shell: State<'_, Shell>, request: Empty) -> Reply<bool> {
    let _ = request;
    Ok(shell.ready().await?.station().needs_init().await?)
}

/// The townships of the shipped or a folder's division files.
#[tauri::command]
pub async fn init_choices(shell: State<'_, Shell>, request: ChoicesRequest) -> Reply<Vec<TownshipDto>> {
    // It reads folders without a sign-in: only while there is nobody to sign in as.
    if !shell.ready().await?.station().needs_init().await? {
        return Err(UiError::new("forbidden", "站点已初始化"));
    }
    let (divisions, _) = init::divisions(dir_of(&request.divisions_dir).as_deref()).await?;
    Ok(init::township_choices(&divisions)
        .into_iter()
        .map(|t| TownshipDto { code: t.code, name: t.name, county_name: t.county_name, villages: t.villages })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct InitRequest {
    centre_name: String,
    township_code: String,
    admin_account: String,
    admin_name: Option<String>,
    admin_password: String,
    divisions_dir: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct InitDto {
    pub centre_name: String,
    pub township_name: String,
    pub villages: usize,
    pub admin_account: String,
}

/// Sets the station up; refused once it has accounts or demo data.
#[tauri::command]
pub async fn init_station(shell: State<'_, Shell>, request: InitRequest) -> Reply<InitDto> {
    let ready = shell.ready().await?;
    let spec = InitSpec {
        centre_name: request.centre_name,
        township_code: request.township_code,
        admin_account: request.admin_account,
        admin_name: request.admin_name,
        admin_password: request.admin_password,
        divisions: dir_of(&request.divisions_dir),
    };
    let summary = ready.station().init(&spec).await?;
    Ok(InitDto {
        centre_name: summary.centre_name,
        township_name: summary.township_name,
        villages: summary.villages,
        admin_account: summary.admin_account,
    })
}

#[derive(Debug, Deserialize)]
pub struct PasswordRequest {
    current: String,
    new: String,
}

/// The signed-in person changes their own password (after a reset, the only thing they may do).
#[tauri::command]
pub async fn change_password(shell: State<'_, Shell>, request: PasswordRequest) -> Reply<dto::SessionDto> {
    let ready = shell.ready().await?;
    Ok(dto::session(&ready.seat.change_password(&request.current, &request.new).await?))
}

#[derive(Debug, Serialize)]
pub struct AccountDto {
    pub account: String,
    pub name: String,
    pub role: &'static str,
    pub role_name: &'static str,
    pub active: bool,
    pub scope: String,
    pub scope_zh: String,
    pub must_change_password: bool,
    pub locked_until: Option<Millis>,
}

fn account(a: AccountView) -> AccountDto {
    AccountDto {
        account: a.account,
        name: a.name,
        role: a.role.key(),
        role_name: a.role.name_zh(),
        active: a.active,
        scope: a.scope.encode(),
        scope_zh: a.scope.describe_zh(),
        must_change_password: a.must_change_password,
        locked_until: a.locked_until.map(ms),
    }
}

#[tauri::command]
pub async fn accounts_list(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<AccountDto>> {
    let _ = request;
    let (ready, actor) = shell.acting().await?;
    Ok(ready.station().accounts(&actor).await?.into_iter().map(account).collect())
}

#[derive(Debug, Deserialize)]
pub struct AddRequest {
    account: String,
    name: Option<String>,
    role: String,
    password: String,
}

fn parse_role(key: &str) -> Reply<Role> {
    Role::from_key(key).ok_or_else(|| UiError::invalid(format!("未知角色“{key}”")))
}

#[tauri::command]
pub async fn account_add(shell: State<'_, Shell>, request: AddRequest) -> Reply<AccountDto> {
    let (ready, actor) = shell.acting().await?;
    let role = parse_role(&request.role)?;
    let view = ready
        .station()
        .add_account(&actor, &request.account, request.name.as_deref(), role, &request.password)
        .await?;
    Ok(account(view))
}

/// One change to one account: `disable`, `enable`, `reset` (with `password`), `role` (with `role`),
/// `scope` (with `scope`: empty for the township, `villages:C,…` or `grids:C,…`).
#[derive(Debug, Deserialize)]
pub struct UpdateRequest {
    account: String,
    change: String,
    password: Option<String>,
    role: Option<String>,
    scope: Option<String>,
}

#[tauri::command]
pub async fn account_update(shell: State<'_, Shell>, request: UpdateRequest) -> Reply<AccountDto> {
    let (ready, actor) = shell.acting().await?;
    let station = ready.station();
    let id = request.account.as_str();
    let view = match request.change.as_str() {
        "disable" => station.set_account_active(&actor, id, false).await?,
        "enable" => station.set_account_active(&actor, id, true).await?,
        "reset" => {
            let password = request.password.as_deref().ok_or_else(|| UiError::invalid("请填写新密码"))?;
            station.reset_password(&actor, id, password).await?
        }
        "role" => {
            let role = parse_role(request.role.as_deref().unwrap_or_default())?;
            station.set_account_role(&actor, id, role).await?
        }
        "scope" => {
            let text = request.scope.as_deref().unwrap_or_default();
            let scope = DataScope::parse(text)
                .ok_or_else(|| UiError::invalid(format!("数据范围“{text}”无法解读")))?;
            station.set_account_scope(&actor, id, scope).await?
        }
        other => return Err(UiError::invalid(format!("未知的账号操作“{other}”"))),
    };
    Ok(account(view))
}

/// The person at the seat used it: the station's idle lock runs from now (`Seat::touch`). The window sends
/// it on input, at most every half minute.
#[tauri::command]
pub async fn seat_touch(shell: State<'_, Shell>, request: Empty) -> Reply<()> {
    let _ = request;
    shell.ready().await?.seat.touch();
    Ok(())
}
