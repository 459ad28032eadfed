//! Grids, the four registers, workers, cameras, accounts, and the settings of time limits and calendar.

use chrono::NaiveDate;
use redgrid_core::camera::Camera;
use redgrid_core::event::{Category, Severity, Step};
use redgrid_core::grid::{Grid, GridCode, LevelDef, LevelScheme};
use redgrid_core::register::{CareTag, Household, KeyPlace, KeyPlaceKind, Resident};
use redgrid_core::time_limit::{Basis, Limit, LimitRule, TimeLimitPolicy, WorkCalendar};
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, ForceRole, Worker};
use sqlx::Row;

use crate::sql::Where;
use crate::{Result, Store, StoreError, WriteTx};

/// A value bound into a bulk insert.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Real(f64),
    NullableText(Option<String>),
    NullableInt(Option<i64>),
    NullableReal(Option<f64>),
}

impl WriteTx {
    /// Inserts rows in chunks that stay under both backends' limits on bound parameters.
    pub async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Cell>],
        on_conflict: &str,
    ) -> Result<()> {
        let width = columns.len();
        let per_insert = (16_000 / width.max(1)).max(1);
        for chunk in rows.chunks(per_insert) {
            let mut sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                crate::values_rows(self.backend, chunk.len(), width)
            );
            sql.push(' ');
            sql.push_str(on_conflict);
            let mut query = sqlx::query(&sql);
            for row in chunk {
                debug_assert_eq!(row.len(), width);
                for cell in row {
                    query = match cell {
                        Cell::Text(v) => query.bind(v.clone()),
                        Cell::Int(v) => query.bind(*v),
                        Cell::Real(v) => query.bind(*v),
                        Cell::NullableText(v) => query.bind(v.clone()),
                        Cell::NullableInt(v) => query.bind(*v),
                        Cell::NullableReal(v) => query.bind(*v),
                    };
                }
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub async fn save_level_scheme(&mut self, scheme: &LevelScheme) -> Result<()> {
        sqlx::query("DELETE FROM grid_levels").execute(&mut *self.tx).await?;
        let rows: Vec<Vec<Cell>> = scheme
            .levels()
            .iter()
            .enumerate()
            .map(|(depth, l)| {
                vec![
                    Cell::Int(depth as i64),
                    Cell::Text(l.key.clone()),
                    Cell::Text(l.name.clone()),
                    Cell::Int(l.code_len as i64),
                ]
            })
            .collect();
        self.insert_rows("grid_levels", &["depth", "key", "name", "code_len"], &rows, "").await
    }

    /// Inserts or replaces grids; parents must come before their children.
    pub async fn upsert_grids(&mut self, grids: &[GridRecord], scheme: &LevelScheme) -> Result<()> {
        let village_len = scheme.level(scheme.village_depth()).map(|l| l.code_len).unwrap_or(12);
        let rows: Vec<Vec<Cell>> = grids
            .iter()
            .map(|g| {
                let code = g.grid.code.as_str();
                vec![
                    Cell::Text(code.to_string()),
                    Cell::NullableText(g.grid.code.parent(scheme).map(|p| p.to_string())),
                    Cell::Int(g.grid.code.depth() as i64),
                    Cell::Text(g.grid.kind.key().to_string()),
                    Cell::Text(g.grid.name.clone()),
                    Cell::NullableText(code.get(..village_len).map(str::to_string)),
                    Cell::NullableReal(g.lon),
                    Cell::NullableReal(g.lat),
                    Cell::NullableText(g.boundary.clone()),
                ]
            })
            .collect();
        self.insert_rows(
            "grids",
            &["code", "parent_code", "depth", "kind", "name", "village_code", "lon", "lat", "boundary"],
            &rows,
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, lon = excluded.lon, \
             lat = excluded.lat, boundary = COALESCE(excluded.boundary, grids.boundary)",
        )
        .await
    }

    /// Replaces the boundary of an existing grid; returns whether it existed.
    pub async fn set_grid_boundary(
        &mut self,
        code: &str,
        boundary: &str,
        lon: f64,
        lat: f64,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE grids SET boundary = $1, lon = $2, lat = $3 WHERE code = $4")
            .bind(boundary)
            .bind(lon)
            .bind(lat)
            .bind(code)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn upsert_households(&mut self, households: &[Household]) -> Result<()> {
        let rows: Vec<Vec<Cell>> = households
            .iter()
            .map(|h| {
                vec![
                    Cell::Text(h.id.clone()),
                    Cell::Text(h.grid.to_string()),
                    Cell::Text(h.address.clone()),
                    Cell::Text(h.head_name.clone()),
                ]
            })
            .collect();
        self.insert_rows(
            "households",
            &["id", "grid_code", "address", "head_name"],
            &rows,
            "ON CONFLICT (id) DO UPDATE SET grid_code = excluded.grid_code, address = excluded.address, \
             head_name = excluded.head_name",
        )
        .await
    }

    pub async fn upsert_residents(&mut self, residents: &[Resident]) -> Result<()> {
        let rows: Vec<Vec<Cell>> = residents
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.id_number.clone()),
                    Cell::Text(r.name.clone()),
                    Cell::Text(r.household_id.clone()),
                    Cell::Text(r.grid.to_string()),
                    Cell::Text(r.phone.clone()),
                    Cell::Text(r.care_tags.iter().map(|t| t.key()).collect::<Vec<_>>().join(",")),
                ]
            })
            .collect();
        self.insert_rows(
            "residents",
            &["id_number", "name", "household_id", "grid_code", "phone", "care_tags"],
            &rows,
            "ON CONFLICT (id_number) DO UPDATE SET name = excluded.name, household_id = excluded.household_id, \
             grid_code = excluded.grid_code, phone = excluded.phone, care_tags = excluded.care_tags",
        )
        .await
    }

    pub async fn upsert_key_places(&mut self, places: &[KeyPlace]) -> Result<()> {
        let rows: Vec<Vec<Cell>> = places
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.id.clone()),
                    Cell::Text(p.name.clone()),
                    Cell::Text(p.kind.key().to_string()),
                    Cell::Text(p.grid.to_string()),
                    Cell::Text(p.address.clone()),
                    Cell::Text(p.contact_phone.clone()),
                    Cell::Real(p.lon),
                    Cell::Real(p.lat),
                ]
            })
            .collect();
        self.insert_rows(
            "key_places",
            &["id", "name", "kind", "grid_code", "address", "contact_phone", "lon", "lat"],
            &rows,
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, grid_code = excluded.grid_code, \
             address = excluded.address, contact_phone = excluded.contact_phone, lon = excluded.lon, lat = excluded.lat",
        )
        .await
    }

    pub async fn upsert_workers(&mut self, workers: &[WorkerRecord]) -> Result<()> {
        let join = |items: Vec<&str>| items.join(",");
        let rows: Vec<Vec<Cell>> = workers
            .iter()
            .map(|r| {
                let w = &r.worker;
                vec![
                    Cell::Text(w.id.clone()),
                    Cell::Text(w.name.clone()),
                    Cell::Text(w.phone.clone()),
                    Cell::Text(w.employment.key().to_string()),
                    Cell::Text(w.group.key().to_string()),
                    Cell::Text(join(w.roles.iter().map(|x| x.key()).collect())),
                    Cell::Text(join(w.skills.iter().map(|x| x.key()).collect())),
                    Cell::Text(join(w.grids.iter().map(|g| g.as_str()).collect())),
                    Cell::Text(w.grids.first().map(|g| g.to_string()).unwrap_or_default()),
                    Cell::Int(i64::from(w.party_member)),
                    Cell::NullableText(w.owntracks_user.clone()),
                    Cell::Int(i64::from(r.on_duty)),
                    Cell::NullableReal(r.lon),
                    Cell::NullableReal(r.lat),
                ]
            })
            .collect();
        self.insert_rows(
            "workers",
            &[
                "id",
                "name",
                "phone",
                "employment",
                "force_group",
                "roles",
                "skills",
                "grids",
                "home_grid",
                "party_member",
                "owntracks_user",
                "on_duty",
                "lon",
                "lat",
            ],
            &rows,
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, employment = excluded.employment, \
             force_group = excluded.force_group, roles = excluded.roles, skills = excluded.skills, grids = excluded.grids, \
             home_grid = excluded.home_grid, party_member = excluded.party_member, owntracks_user = excluded.owntracks_user",
        )
        .await
    }

    pub async fn upsert_cameras(&mut self, cameras: &[Camera]) -> Result<()> {
        let rows: Vec<Vec<Cell>> = cameras
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.id.clone()),
                    Cell::Text(c.nvr_name.clone()),
                    Cell::Text(c.name.clone()),
                    Cell::Text(c.grid.to_string()),
                    Cell::Real(c.lon),
                    Cell::Real(c.lat),
                ]
            })
            .collect();
        self.insert_rows(
            "cameras",
            &["id", "nvr_name", "name", "grid_code", "lon", "lat"],
            &rows,
            "ON CONFLICT (id) DO UPDATE SET nvr_name = excluded.nvr_name, name = excluded.name, \
             grid_code = excluded.grid_code, lon = excluded.lon, lat = excluded.lat",
        )
        .await
    }

    pub async fn save_policy(&mut self, policy: &TimeLimitPolicy) -> Result<()> {
        sqlx::query("DELETE FROM time_limits").execute(&mut *self.tx).await?;
        let rows: Vec<Vec<Cell>> = policy
            .rules
            .iter()
            .map(|r| {
                vec![
                    Cell::NullableText(r.category.map(|c| c.key().to_string())),
                    Cell::NullableInt(r.severity.map(|s| s.level())),
                    Cell::Text(r.step.key().to_string()),
                    Cell::Int(r.limit.minutes),
                    Cell::Text(r.limit.basis.key().to_string()),
                ]
            })
            .collect();
        self.insert_rows("time_limits", &["category", "severity", "step", "minutes", "basis"], &rows, "")
            .await?;
        let value = policy.wartime_percent.to_string();
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('wartime_percent', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(value)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn save_calendar(&mut self, calendar: &WorkCalendar) -> Result<()> {
        sqlx::query("DELETE FROM calendar_days").execute(&mut *self.tx).await?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for day in &calendar.holidays {
            rows.push(vec![
                Cell::Text(day.to_string()),
                Cell::Text("holiday".into()),
                Cell::Text(String::new()),
            ]);
        }
        for day in &calendar.make_up_days {
            rows.push(vec![
                Cell::Text(day.to_string()),
                Cell::Text("make_up".into()),
                Cell::Text(String::new()),
            ]);
        }
        self.insert_rows("calendar_days", &["day", "kind", "name"], &rows, "").await
    }
}

/// A grid with its map data.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRecord {
    pub grid: Grid,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// A GeoJSON geometry.
    pub boundary: Option<String>,
}

/// A worker with their live state.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRecord {
    pub worker: Worker,
    pub on_duty: bool,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// One row of the grid tree, without its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct GridNode {
    pub code: String,
    pub parent_code: Option<String>,
    pub depth: i64,
    pub kind: String,
    pub name: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// The four registers of one grid and everything under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Registers {
    pub grid: GridNode,
    pub children: Vec<GridNode>,
    pub workers: Vec<WorkerRecord>,
    pub households: Vec<Household>,
    pub residents: Vec<Resident>,
    pub key_places: Vec<KeyPlace>,
}

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn decode_node(row: &sqlx::any::AnyRow) -> Result<GridNode> {
    Ok(GridNode {
        code: row.try_get("code")?,
        parent_code: row.try_get("parent_code")?,
        depth: row.try_get("depth")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
    })
}

fn decode_worker(row: &sqlx::any::AnyRow, scheme: &LevelScheme) -> Result<WorkerRecord> {
    let id: String = row.try_get("id")?;
    let bad = |what: &str| StoreError::Corrupt(format!("网格员 {id} 的{what}无法解读"));
    let employment: String = row.try_get("employment")?;
    let group: String = row.try_get("force_group")?;
    let roles: String = row.try_get("roles")?;
    let skills: String = row.try_get("skills")?;
    let grids: String = row.try_get("grids")?;
    let worker = Worker {
        id: id.clone(),
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        employment: Employment::parse(&employment).ok_or_else(|| bad("用工类型"))?,
        group: ForceGroup::parse(&group).ok_or_else(|| bad("力量类别"))?,
        roles: split_list(&roles)
            .map(|r| ForceRole::parse(r).ok_or_else(|| bad("角色")))
            .collect::<Result<_>>()?,
        skills: split_list(&skills)
            .map(|s| BusinessLine::parse(s).ok_or_else(|| bad("技能")))
            .collect::<Result<_>>()?,
        grids: split_list(&grids)
            .map(|g| GridCode::parse(g, scheme).map_err(|_| bad("网格")))
            .collect::<Result<_>>()?,
        party_member: row.try_get::<i64, _>("party_member")? != 0,
        owntracks_user: row.try_get("owntracks_user")?,
    };
    Ok(WorkerRecord {
        worker,
        on_duty: row.try_get::<i64, _>("on_duty")? != 0,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
    })
}

const WORKER_COLUMNS: &str =
    "id, name, phone, employment, force_group, roles, skills, grids, party_member, owntracks_user, on_duty, lon, lat";

impl Store {
    /// The level scheme stored with the data, or Guigang's when none is stored yet.
    pub async fn level_scheme(&self) -> Result<LevelScheme> {
        let rows = sqlx::query("SELECT key, name, code_len FROM grid_levels ORDER BY depth")
            .fetch_all(self.read_pool())
            .await?;
        if rows.is_empty() {
            return Ok(LevelScheme::guigang());
        }
        let levels = rows
            .iter()
            .map(|r| {
                Ok(LevelDef {
                    key: r.try_get("key")?,
                    name: r.try_get("name")?,
                    code_len: r.try_get::<i64, _>("code_len")? as usize,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        LevelScheme::new(levels).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    pub async fn grid_node(&self, code: &str) -> Result<Option<GridNode>> {
        let row =
            sqlx::query("SELECT code, parent_code, depth, kind, name, lon, lat FROM grids WHERE code = $1")
                .bind(code)
                .fetch_optional(self.read_pool())
                .await?;
        row.as_ref().map(decode_node).transpose()
    }

    /// Every grid down to `max_depth`, in code order (parents before children).
    pub async fn grid_tree(&self, max_depth: i64) -> Result<Vec<GridNode>> {
        let rows = sqlx::query(
            "SELECT code, parent_code, depth, kind, name, lon, lat FROM grids WHERE depth <= $1 ORDER BY code",
        )
        .bind(max_depth)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(decode_node).collect()
    }

    /// A grid and its descendants down to `max_depth`, parents before children (code order).
    pub async fn grid_subtree(&self, root: &str, max_depth: i64) -> Result<Vec<GridNode>> {
        let rows = sqlx::query(
            "WITH RECURSIVE sub(code) AS (SELECT code FROM grids WHERE code = $1 \
               UNION ALL SELECT g.code FROM grids g JOIN sub ON g.parent_code = sub.code WHERE g.depth <= $2) \
             SELECT g.code, g.parent_code, g.depth, g.kind, g.name, g.lon, g.lat FROM grids g JOIN sub ON sub.code = g.code \
             ORDER BY g.code",
        )
        .bind(root)
        .bind(max_depth)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(decode_node).collect()
    }

    /// Grids with boundaries down to `max_depth`: `(code, depth, kind, name, boundary)`.
    pub async fn grid_boundaries(
        &self,
        max_depth: i64,
    ) -> Result<Vec<(String, i64, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT code, depth, kind, name, boundary FROM grids WHERE depth <= $1 AND boundary IS NOT NULL ORDER BY code",
        )
        .bind(max_depth)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("code")?,
                    r.try_get("depth")?,
                    r.try_get("kind")?,
                    r.try_get("name")?,
                    r.try_get("boundary")?,
                ))
            })
            .collect()
    }

    /// Grids with boundaries at exactly `depth`: `(code, kind, name, boundary)`. The map asks level by
    /// level; at city scale the levels above a deep one would be thousands of rows read for nothing.
    pub async fn grid_boundaries_at(&self, depth: i64) -> Result<Vec<(String, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT code, kind, name, boundary FROM grids WHERE depth = $1 AND boundary IS NOT NULL ORDER BY code",
        )
        .bind(depth)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("kind")?, r.try_get("name")?, r.try_get("boundary")?)))
            .collect()
    }

    /// The names of the grids with these codes (codes not found are left out), in batches of a few
    /// hundred: the queue's first page at city scale names thousands of grids, one query each was seconds.
    pub async fn grid_names(&self, codes: &[String]) -> Result<Vec<(String, String)>> {
        let mut out = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|n| crate::param(self.backend(), n)).collect();
            let sql = format!("SELECT code, name FROM grids WHERE code IN ({})", params.join(", "));
            let mut query = sqlx::query(&sql);
            for code in chunk {
                query = query.bind(code.clone());
            }
            for row in query.fetch_all(self.read_pool()).await? {
                out.push((row.try_get("code")?, row.try_get("name")?));
            }
        }
        Ok(out)
    }

    pub async fn grid_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM grids").fetch_one(self.read_pool()).await?)
    }

    /// The four registers of a grid, taking in everything below it.
    pub async fn registers(&self, code: &str, scheme: &LevelScheme) -> Result<Option<Registers>> {
        self.registers_under(code, &[code.to_string()], scheme).await
    }

    /// The registers of a grid taking in only the records at or below `parts` (grid-code prefixes at or
    /// under the grid: an account's data scope within it). The grid's children are all of them; the
    /// caller keeps those it may show.
    pub async fn registers_under(
        &self,
        code: &str,
        parts: &[String],
        scheme: &LevelScheme,
    ) -> Result<Option<Registers>> {
        let Some(grid) = self.grid_node(code).await? else {
            return Ok(None);
        };
        let under = |column: &str| {
            let mut w = Where::default();
            w.push_under_any(column, parts);
            w
        };
        let children = sqlx::query(
            "SELECT code, parent_code, depth, kind, name, lon, lat FROM grids WHERE parent_code = $1 ORDER BY code",
        )
        .bind(code)
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(decode_node)
        .collect::<Result<Vec<_>>>()?;
        let w = under("home_grid");
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers WHERE {} ORDER BY id", w.sql());
        let workers = w
            .bind(sqlx::query(&sql))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| decode_worker(r, scheme))
            .collect::<Result<Vec<_>>>()?;
        let bad = |what: &str, key: &str| StoreError::Corrupt(format!("{what} {key} 无法解读"));
        let w = under("grid_code");
        let sql =
            format!("SELECT id, grid_code, address, head_name FROM households WHERE {} ORDER BY id", w.sql());
        let households = w
            .bind(sqlx::query(&sql))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let grid: String = r.try_get("grid_code")?;
                Ok(Household {
                    grid: GridCode::parse(&grid, scheme).map_err(|_| bad("户", &id))?,
                    id,
                    address: r.try_get("address")?,
                    head_name: r.try_get("head_name")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let sql = format!(
            "SELECT id_number, name, household_id, grid_code, phone, care_tags FROM residents \
             WHERE {} ORDER BY household_id, id_number",
            w.sql()
        );
        let residents = w
            .bind(sqlx::query(&sql))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| {
                let id: String = r.try_get("id_number")?;
                let grid: String = r.try_get("grid_code")?;
                let tags: String = r.try_get("care_tags")?;
                Ok(Resident {
                    grid: GridCode::parse(&grid, scheme).map_err(|_| bad("居民", &id))?,
                    care_tags: split_list(&tags)
                        .map(|t| CareTag::parse(t).ok_or_else(|| bad("居民", &id)))
                        .collect::<Result<_>>()?,
                    id_number: id,
                    name: r.try_get("name")?,
                    household_id: r.try_get("household_id")?,
                    phone: r.try_get("phone")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let sql = format!(
            "SELECT id, name, kind, grid_code, address, contact_phone, lon, lat FROM key_places \
             WHERE {} ORDER BY id",
            w.sql()
        );
        let key_places = w
            .bind(sqlx::query(&sql))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let grid: String = r.try_get("grid_code")?;
                let kind: String = r.try_get("kind")?;
                Ok(KeyPlace {
                    grid: GridCode::parse(&grid, scheme).map_err(|_| bad("场所", &id))?,
                    kind: KeyPlaceKind::parse(&kind).ok_or_else(|| bad("场所", &id))?,
                    id,
                    name: r.try_get("name")?,
                    address: r.try_get("address")?,
                    contact_phone: r.try_get("contact_phone")?,
                    lon: r.try_get("lon")?,
                    lat: r.try_get("lat")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Registers { grid, children, workers, households, residents, key_places }))
    }

    pub async fn workers(&self, scheme: &LevelScheme) -> Result<Vec<WorkerRecord>> {
        sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers ORDER BY id"))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| decode_worker(r, scheme))
            .collect()
    }

    pub async fn worker(&self, id: &str, scheme: &LevelScheme) -> Result<Option<WorkerRecord>> {
        sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.read_pool())
            .await?
            .as_ref()
            .map(|r| decode_worker(r, scheme))
            .transpose()
    }

    pub async fn cameras(&self, scheme: &LevelScheme) -> Result<Vec<Camera>> {
        sqlx::query("SELECT id, nvr_name, name, grid_code, lon, lat FROM cameras ORDER BY id")
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let grid: String = r.try_get("grid_code")?;
                Ok(Camera {
                    grid: GridCode::parse(&grid, scheme)
                        .map_err(|_| StoreError::Corrupt(format!("摄像头 {id} 的网格无法解读")))?,
                    id,
                    nvr_name: r.try_get("nvr_name")?,
                    name: r.try_get("name")?,
                    lon: r.try_get("lon")?,
                    lat: r.try_get("lat")?,
                })
            })
            .collect()
    }

    /// The time-limit policy stored with the data, or the standard one when none is stored.
    pub async fn time_limit_policy(&self) -> Result<TimeLimitPolicy> {
        let rows =
            sqlx::query("SELECT category, severity, step, minutes, basis FROM time_limits ORDER BY id")
                .fetch_all(self.read_pool())
                .await?;
        if rows.is_empty() {
            return Ok(TimeLimitPolicy::standard());
        }
        let bad = |what: &str| StoreError::Corrupt(format!("时限规则的{what}无法解读"));
        let rules = rows
            .iter()
            .map(|r| {
                let category: Option<String> = r.try_get("category")?;
                let severity: Option<i64> = r.try_get("severity")?;
                let step: String = r.try_get("step")?;
                let basis: String = r.try_get("basis")?;
                Ok(LimitRule {
                    category: category.map(|c| Category::parse(&c).ok_or_else(|| bad("类别"))).transpose()?,
                    severity: severity
                        .map(|s| Severity::from_level(s).ok_or_else(|| bad("等级")))
                        .transpose()?,
                    step: Step::from_key(&step).ok_or_else(|| bad("环节"))?,
                    limit: Limit {
                        minutes: r.try_get("minutes")?,
                        basis: Basis::from_key(&basis).ok_or_else(|| bad("计时方式"))?,
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let wartime_percent =
            self.setting("wartime_percent").await?.and_then(|v| v.parse().ok()).unwrap_or(50);
        Ok(TimeLimitPolicy { rules, wartime_percent })
    }

    pub async fn work_calendar(&self) -> Result<WorkCalendar> {
        let rows = sqlx::query("SELECT day, kind FROM calendar_days").fetch_all(self.read_pool()).await?;
        let mut calendar = WorkCalendar::default();
        for row in rows {
            let day: String = row.try_get("day")?;
            let kind: String = row.try_get("kind")?;
            let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("日历日期 {day} 无法解读")))?;
            if kind == "holiday" {
                calendar.holidays.insert(date);
            } else {
                calendar.make_up_days.insert(date);
            }
        }
        Ok(calendar)
    }
}
