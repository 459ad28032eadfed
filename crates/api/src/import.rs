//! Imports: administrative divisions, grid boundaries from GeoJSON, and the registers (residents, key
//! places, the grid force) from CSV and XLSX.
//!
//! Every import is all-or-nothing. The whole file is read and every row checked — formats, codes, that
//! the grids it names exist, duplicates within the file — before anything is written. One bad row refuses
//! the whole file with [`ImportError::Rows`] (or [`ImportError::Features`] for GeoJSON), which lists every
//! problem by row and column in Chinese, so that the township office can fix the file in one pass. A file
//! that passes is written in ONE transaction together with one audit record and one change-feed entry.
//!
//! Imports upsert by natural key (identity number, household id, place id, worker id, grid code): importing
//! the same file twice leaves the same registers. The accepted columns of each register are documented on
//! [`import_residents`], [`import_places`] and [`import_workers`], and for people in `docs/import.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use redgrid_core::acts::{self, StationAct};
use redgrid_core::closed_loop::Actor;
use redgrid_core::grid::{check_parent, Grid, GridCode, GridCodeError, GridKind, LevelScheme};
use redgrid_core::register::{
    is_valid_id_number, is_valid_mobile, CareTag, Household, KeyPlace, KeyPlaceKind, Resident,
};
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, ForceRole, Worker};
use redgrid_store::FeedEntity;
use redgrid_store::{GridNode, GridRecord, WorkerRecord, WriteTx};
use serde_json::Value;

use crate::divisions::{short_village_name, DivisionError, DivisionFiles, Divisions};
use crate::{stable_hash, ApiError, Station};

// ---------------------------------------------------------------------------------------------------------
// What callers see
// ---------------------------------------------------------------------------------------------------------

/// What an import wrote, for the CLI and the console to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// What was imported: `divisions`, `grids`, `residents`, `places` or `workers`.
    pub kind: &'static str,
    /// Data rows in the file (features of a GeoJSON file; townships plus villages of division files).
    pub rows: usize,
    /// Records that did not exist before.
    pub created: usize,
    /// Records that existed and were overwritten with the file's values.
    pub updated: usize,
}

impl ImportSummary {
    /// The Chinese name of what was imported.
    pub fn kind_name_zh(&self) -> &'static str {
        match self.kind {
            "divisions" => "区划网格",
            "grids" => "网格边界",
            "residents" => "居民",
            "places" => "重点场所",
            "workers" => "网格力量",
            _ => "数据",
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "导入{}：共 {} 条，新增 {} 条，更新 {} 条",
            self.kind_name_zh(),
            self.rows,
            self.created,
            self.updated
        )
    }
}

/// One problem in one cell of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The spreadsheet row number, the header being row 1 (for GeoJSON: the feature number, from 1).
    pub row: usize,
    /// The column header as written in the file (for GeoJSON: the property, or `geometry`).
    pub column: String,
    /// What is wrong and what is expected, in Chinese.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_row_error(f, self, "行")
    }
}

fn write_row_error(f: &mut fmt::Formatter<'_>, error: &RowError, unit: &str) -> fmt::Result {
    if error.column.is_empty() {
        write!(f, "第 {} {unit}：{}", error.row, error.message)
    } else {
        write!(f, "第 {} {unit}「{}」：{}", error.row, error.column, error.message)
    }
}

/// A report of row errors, one line each, under a line saying that nothing was written.
struct RowReport<'a> {
    errors: &'a [RowError],
    unit: &'static str,
}

fn row_report<'a>(errors: &'a [RowError], unit: &'static str) -> RowReport<'a> {
    RowReport { errors, unit }
}

impl fmt::Display for RowReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "导入未执行：发现 {} 处错误，文件中的数据均未写入", self.errors.len())?;
        for error in self.errors {
            f.write_str("\n")?;
            write_row_error(f, error, self.unit)?;
        }
        Ok(())
    }
}

/// An import that was refused. Nothing of the file was written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("无法读取 {path}：{message}")]
    Unreadable { path: String, message: String },
    #[error("不支持的文件格式：{path}，应为 .csv、.xlsx、.xls 或 .ods")]
    UnknownFormat { path: String },
    #[error("{path} 的文字编码无法识别，应为 UTF-8 或 GB18030（GBK）")]
    Encoding { path: String },
    #[error("{path} 没有数据")]
    Empty { path: String },
    #[error("{path} 缺少必填列：{}", .columns.join("、"))]
    MissingColumns { path: String, columns: Vec<String> },
    #[error("{path} 中「{first}」和「{second}」是同一列，请只保留一列")]
    DuplicateColumn { path: String, first: String, second: String },
    #[error("目录 {dir} 中没有 {pattern} 文件")]
    MissingFile { dir: String, pattern: &'static str },
    #[error("目录 {dir} 中有多个 {pattern} 文件：{}，请只保留一个", .files.join("、"))]
    AmbiguousFile { dir: String, pattern: &'static str, files: Vec<String> },
    #[error("区划文件有误：{0}")]
    Divisions(#[from] DivisionError),
    #[error("当前的网格层级方案没有 {len} 位编码的{what}层级，无法导入区划")]
    SchemeMismatch { len: usize, what: &'static str },
    #[error("{path} 不是有效的 GeoJSON：{message}")]
    BadGeoJson { path: String, message: String },
    /// Bad rows of a CSV or XLSX file, in row order.
    #[error("{}", row_report(.0, "行"))]
    Rows(Vec<RowError>),
    /// Bad features of a GeoJSON file, in feature order.
    #[error("{}", row_report(.0, "个要素"))]
    Features(Vec<RowError>),
}

impl ImportError {
    /// The row (or feature) errors, empty for a file-level problem.
    pub fn row_errors(&self) -> &[RowError] {
        match self {
            ImportError::Rows(errors) | ImportError::Features(errors) => errors,
            _ => &[],
        }
    }
}

/// Only the administrator (who manages the station's data) and the station itself (demo seeding) import.
fn check_may_import(actor: &Actor) -> Result<(), ApiError> {
    acts::check(actor.role, StationAct::Import)
        .map_err(|refusal| ApiError::Forbidden(format!("{refusal}，请由管理员导入")))
}

fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Appends the import's audit record and feed entry and commits: one transaction per import.
async fn finish(
    station: &Station,
    mut tx: WriteTx,
    actor: &Actor,
    command: &str,
    feed: (FeedEntity, &str),
    reason: String,
) -> Result<(), ApiError> {
    let now = station.now();
    tx.append_audit(&crate::station_audit(actor, now, command, None, reason)).await?;
    tx.append_feed(now, feed.0, feed.1, "imported", 0).await?;
    tx.commit().await?;
    Ok(())
}

fn refuse(kind: &'static str, file: &str, error: ImportError) -> ApiError {
    tracing::warn!(kind, file, errors = error.row_errors().len(), %error, "import refused");
    ApiError::Import(error)
}

// ---------------------------------------------------------------------------------------------------------
// Divisions
// ---------------------------------------------------------------------------------------------------------

/// Imports the township and village/community grids of division files (`redgrid import divisions DIR`).
///
/// `dir` holds `*-counties.csv`, `*-townships.csv` and `*-villages.csv` with the columns of
/// `assets/divisions/guigang-*.csv` (`code,name,…`), and optionally `*centres*.csv`
/// (`code,name,longitude,latitude` of county, prefecture and province centres). Every township becomes a
/// comprehensive grid at the top level (9-digit code) and every village/community one under it (12 digits),
/// named from the files (village committees shortened: `大圩村委会` → `大圩村`). Without real boundaries,
/// each is placed at a deterministic spot near its county centre (see [`township_position`]); a grid that
/// already has a position keeps it, so boundaries imported later are not undone by importing again.
pub async fn import_divisions(
    station: &Station,
    actor: &Actor,
    dir: &Path,
) -> Result<ImportSummary, ApiError> {
    check_may_import(actor)?;
    let dir_name = dir.display().to_string();
    let (divisions, centres) = read_division_dir(dir).await?;
    let existing: HashMap<String, GridNode> =
        station.store().grid_tree(1).await?.into_iter().map(|n| (n.code.clone(), n)).collect();
    let records = division_grids(station, &divisions, &centres, None, &existing)
        .map_err(|e| refuse("divisions", &dir_name, e))?;
    let updated = records.iter().filter(|r| existing.contains_key(r.grid.code.as_str())).count();
    let summary =
        ImportSummary { kind: "divisions", rows: records.len(), created: records.len() - updated, updated };

    let scheme = station.scheme();
    let mut tx = station.store().begin_write().await?;
    tx.upsert_grids(&records, &scheme).await?;
    let reason = format!(
        "导入区划：乡镇 {} 个、村（社区）{} 个（目录 {}）",
        divisions.townships.len(),
        divisions.villages.len(),
        dir_name
    );
    finish(station, tx, actor, "import_divisions", (FeedEntity::Grid, "divisions"), reason).await?;
    tracing::info!(dir = %dir_name, townships = divisions.townships.len(), villages = divisions.villages.len(),
        created = summary.created, updated = summary.updated, "divisions imported");
    Ok(summary)
}

/// Reads a folder of division files (see [`import_divisions`]): the divisions and the centres' text.
pub async fn read_division_dir(dir: &Path) -> Result<(Divisions, String), ApiError> {
    let dir_name = dir.display().to_string();
    let refuse = |e| refuse("divisions", &dir_name, e);
    let files = find_division_files(dir).await.map_err(refuse)?;
    let read = |path: &PathBuf| {
        let path = path.clone();
        async move {
            let bytes = tokio::fs::read(&path).await.map_err(|e| ImportError::Unreadable {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            decode_text(&path, &bytes)
        }
    };
    let counties = read(&files.counties).await.map_err(refuse)?;
    let townships = read(&files.townships).await.map_err(refuse)?;
    let villages = read(&files.villages).await.map_err(refuse)?;
    let centres = match &files.centres {
        Some(path) => read(path).await.map_err(refuse)?,
        None => "code,name,longitude,latitude\n".to_string(),
    };
    let divisions = Divisions::parse(DivisionFiles {
        counties: &counties,
        townships: &townships,
        villages: &villages,
        centres: &centres,
    })
    .map_err(|e| refuse(e.into()))?;
    if divisions.townships.is_empty() {
        return Err(refuse(ImportError::Empty { path: files.townships.display().to_string() }));
    }
    Ok((divisions, centres))
}

/// The township and village grids of `divisions` (only `township`'s when given), placed near their county
/// centres unless `existing` already has a position for them.
pub fn division_grids(
    station: &Station,
    divisions: &Divisions,
    centres: &str,
    township: Option<&str>,
    existing: &HashMap<String, GridNode>,
) -> Result<Vec<GridRecord>, ImportError> {
    let centre_of = centre_lookup(centres);
    let scheme = station.scheme();
    let village_depth = scheme.village_depth();
    if scheme.depth_of_len(9) != Some(0) {
        return Err(ImportError::SchemeMismatch { len: 9, what: "乡镇" });
    }
    if scheme.depth_of_len(12) != Some(village_depth) || village_depth != 1 {
        return Err(ImportError::SchemeMismatch { len: 12, what: "村（社区）" });
    }
    // The division parser already checked the codes' digits and lengths; this only fails for a scheme
    // whose serial rules the statistical codes break.
    let parse = |code: &str| {
        GridCode::parse(code, &scheme)
            .map_err(|_| ImportError::SchemeMismatch { len: code.len(), what: "区划代码" })
    };
    let wanted = |code: &str| township.is_none_or(|t| t == code);
    let known_position = |code: &str| existing.get(code).and_then(|n| Some((n.lon?, n.lat?)));
    let mut records = Vec::with_capacity(divisions.townships.len() + divisions.villages.len());
    let mut township_positions: HashMap<&str, Option<(f64, f64)>> = HashMap::new();
    for township in divisions.townships.values().filter(|t| wanted(&t.code)) {
        let centre = centre_of(&township.county_code).or_else(|| divisions.county_centre(&township.code));
        let position = known_position(&township.code)
            .or_else(|| centre.map(|c| township_position(c, &township.code, &township.name)));
        township_positions.insert(&township.code, position);
        records.push(GridRecord {
            grid: Grid {
                code: parse(&township.code)?,
                name: township.name.clone(),
                kind: GridKind::Comprehensive,
            },
            lon: position.map(|p| p.0),
            lat: position.map(|p| p.1),
            boundary: None,
        });
    }
    for village in divisions.villages.iter().filter(|v| wanted(&v.township_code)) {
        let urban = divisions.townships.get(&village.township_code).is_some_and(|t| t.name.ends_with("街道"));
        let position = known_position(&village.code).or_else(|| {
            township_positions
                .get(village.township_code.as_str())
                .copied()
                .flatten()
                .map(|t| village_position(t, &village.code, urban))
        });
        records.push(GridRecord {
            grid: Grid {
                code: parse(&village.code)?,
                name: short_village_name(&village.name),
                kind: GridKind::Comprehensive,
            },
            lon: position.map(|p| p.0),
            lat: position.map(|p| p.1),
            boundary: None,
        });
    }
    Ok(records)
}

struct DivisionPaths {
    counties: PathBuf,
    townships: PathBuf,
    villages: PathBuf,
    centres: Option<PathBuf>,
}

async fn find_division_files(dir: &Path) -> Result<DivisionPaths, ImportError> {
    let dir_name = dir.display().to_string();
    let unreadable =
        |e: std::io::Error| ImportError::Unreadable { path: dir_name.clone(), message: e.to_string() };
    let mut entries = tokio::fs::read_dir(dir).await.map_err(unreadable)?;
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(unreadable)? {
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let find =
        |pattern: &'static str, matches: &dyn Fn(&str) -> bool| -> Result<Option<PathBuf>, ImportError> {
            let found: Vec<&String> = names.iter().filter(|n| matches(&n.to_lowercase())).collect();
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(dir.join(one))),
                many => Err(ImportError::AmbiguousFile {
                    dir: dir_name.clone(),
                    pattern,
                    files: many.iter().map(|n| n.to_string()).collect(),
                }),
            }
        };
    let required = |pattern: &'static str, suffix: &'static str| -> Result<PathBuf, ImportError> {
        find(pattern, &|n: &str| n.ends_with(suffix))?
            .ok_or_else(|| ImportError::MissingFile { dir: dir_name.clone(), pattern })
    };
    Ok(DivisionPaths {
        counties: required("*-counties.csv", "counties.csv")?,
        townships: required("*-townships.csv", "townships.csv")?,
        villages: required("*-villages.csv", "villages.csv")?,
        centres: find("*centres*.csv", &|n: &str| n.contains("centres") && n.ends_with(".csv"))?,
    })
}

/// Centres by code with a fallback to the prefecture and the province, for counties the centres file
/// lacks. Lines that do not parse were already reported by [`Divisions::parse`].
fn centre_lookup(centres: &str) -> impl Fn(&str) -> Option<(f64, f64)> {
    let mut map = HashMap::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(centres.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect())
        .unwrap_or_default();
    let column = |name: &str| headers.iter().position(|h| h == name);
    if let (Some(code), Some(lon), Some(lat)) = (column("code"), column("longitude"), column("latitude")) {
        for record in reader.records().flatten() {
            let value = |i: usize| record.get(i).map(str::trim).unwrap_or_default();
            if let (Ok(x), Ok(y)) = (value(lon).parse::<f64>(), value(lat).parse::<f64>()) {
                map.insert(value(code).to_string(), (x, y));
            }
        }
    }
    move |county: &str| {
        let prefecture = county.get(..4).map(|p| format!("{p}00"));
        let province = county.get(..2).map(|p| format!("{p}0000"));
        map.get(county)
            .or_else(|| prefecture.and_then(|p| map.get(&p)))
            .or_else(|| province.and_then(|p| map.get(&p)))
            .copied()
    }
}

/// A point at a deterministic bearing and distance (in degrees of latitude) from `centre`.
fn offset_from(centre: (f64, f64), key: &str, min_deg: f64, max_deg: f64) -> (f64, f64) {
    let hash = stable_hash(key);
    let bearing = (hash >> 32) as f64 / f64::from(u32::MAX) * std::f64::consts::TAU;
    // The square root spreads points evenly over the ring's area rather than bunching them at its inside.
    let spread = ((hash & 0xffff_ffff) as f64 / f64::from(u32::MAX)).sqrt();
    let distance = min_deg + (max_deg - min_deg) * spread;
    let lat = centre.1 + distance * bearing.sin();
    let lon = centre.0 + distance * bearing.cos() / centre.1.to_radians().cos().max(0.2);
    (lon, lat)
}

/// A plausible, deterministic position for a township with no boundary: urban sub-districts (街道) within
/// about 4 km of the county centre, towns (镇) and rural townships (乡) 6–30 km out.
pub fn township_position(county_centre: (f64, f64), code: &str, name: &str) -> (f64, f64) {
    if name.ends_with("街道") {
        offset_from(county_centre, code, 0.005, 0.04)
    } else {
        offset_from(county_centre, code, 0.06, 0.28)
    }
}

/// A plausible, deterministic position for a village/community with no boundary, near its township.
pub fn village_position(township: (f64, f64), code: &str, urban: bool) -> (f64, f64) {
    if urban {
        offset_from(township, code, 0.002, 0.02)
    } else {
        offset_from(township, code, 0.005, 0.045)
    }
}

// ---------------------------------------------------------------------------------------------------------
// GeoJSON grid boundaries
// ---------------------------------------------------------------------------------------------------------

const CODE_PROPERTIES: [&str; 3] = ["code", "grid_code", "网格编码"];
const NAME_PROPERTIES: [&str; 2] = ["name", "名称"];
const KIND_PROPERTIES: [&str; 2] = ["kind", "类型"];

/// Imports grid boundaries from a GeoJSON FeatureCollection (`redgrid import grids FILE.geojson`).
///
/// Each feature carries the grid code in its properties (`code`, `grid_code` or `网格编码`; text or a
/// number), optionally `name`/`名称` and `kind`/`类型` (`comprehensive`/`综合网格`, or a dedicated kind:
/// `school`/`学校`, `hospital`/`医院`, `market`/`市场`, `enterprise`/`企业`, `park`/`园区`), and a
/// Polygon or MultiPolygon geometry in WGS-84 (rings closed, at least 4 positions, longitude in
/// [-180, 180], latitude in [-90, 90]). An existing grid gets the boundary, its position moves to the
/// boundary's centre, and a given name or kind replaces the stored one. A grid that does not exist yet is
/// created when its parent exists in the store or in the same file. Feature numbers (from 1) are the rows
/// of the error report.
pub async fn import_grids_geojson(
    station: &Station,
    actor: &Actor,
    path: &Path,
) -> Result<ImportSummary, ApiError> {
    check_may_import(actor)?;
    let file = display_name(path);
    let refuse_file = |e| refuse("grids", &file, e);
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| refuse_file(ImportError::Unreadable { path: file.clone(), message: e.to_string() }))?;
    let text = decode_text(path, &bytes).map_err(refuse_file)?;
    let bad =
        |message: String| refuse("grids", &file, ImportError::BadGeoJson { path: file.clone(), message });
    let root: Value = serde_json::from_str(&text).map_err(|e| bad(format!("JSON 语法错误（{e}）")))?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad("顶层应为 FeatureCollection".into()));
    }
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err(bad("FeatureCollection 缺少 features 数组".into()));
    };
    if features.is_empty() {
        return Err(refuse_file(ImportError::Empty { path: file.clone() }));
    }

    let scheme = station.scheme();
    let mut problems = Problems::default();
    let mut drafts = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (index, feature) in features.iter().enumerate() {
        let number = index + 1;
        if let Some(draft) = parse_feature(feature, number, &scheme, &mut problems) {
            if let Some(first) = first_seen.get(draft.code.as_str()) {
                problems.add_raw(
                    number,
                    0,
                    &draft.code_property,
                    format!("网格 {} 与第 {first} 个要素重复，同一网格只能出现一次", draft.code),
                );
                continue;
            }
            first_seen.insert(draft.code.to_string(), number);
            drafts.push(draft);
        }
    }

    // Parents before children, as the store requires and so that a parent in the file is known first.
    drafts.sort_by_key(|d| (d.code.depth(), d.number));
    let codes_in_file: HashMap<String, GridKind> =
        drafts.iter().map(|d| (d.code.to_string(), d.kind.unwrap_or(GridKind::Comprehensive))).collect();
    let mut records = Vec::new();
    let mut updated = 0;
    for draft in &drafts {
        let stored = station.store().grid_node(draft.code.as_str()).await?;
        let stored_kind = stored.as_ref().and_then(|n| GridKind::from_key(&n.kind));
        let name = match (&draft.name, &stored) {
            (Some(name), _) => name.clone(),
            (None, Some(node)) => node.name.clone(),
            (None, None) => {
                problems.add_raw(draft.number, 1, "name", "新建网格必须填写名称（name 或 名称）");
                continue;
            }
        };
        let grid = Grid {
            code: draft.code.clone(),
            name,
            kind: draft.kind.or(stored_kind).unwrap_or(GridKind::Comprehensive),
        };
        match grid.code.parent(&scheme) {
            Some(parent_code) => {
                let parent_kind = match codes_in_file.get(parent_code.as_str()) {
                    Some(kind) => Some(*kind),
                    None => station
                        .store()
                        .grid_node(parent_code.as_str())
                        .await?
                        .map(|n| GridKind::from_key(&n.kind).unwrap_or(GridKind::Comprehensive)),
                };
                match parent_kind {
                    Some(parent_kind) => {
                        let parent = Grid { code: parent_code, name: String::new(), kind: parent_kind };
                        if let Err(e) = check_parent(&parent, &grid, &scheme) {
                            problems.add_raw(draft.number, 2, &draft.kind_property, e.to_string());
                            continue;
                        }
                    }
                    // A stored grid whose parent is gone still takes its boundary; only creating needs one.
                    None if stored.is_some() => {}
                    None => {
                        problems.add_raw(
                            draft.number,
                            0,
                            &draft.code_property,
                            format!(
                                "上级网格 {parent_code} 不存在，请先导入上级网格（可放在同一文件中）或区划"
                            ),
                        );
                        continue;
                    }
                }
            }
            None if matches!(grid.kind, GridKind::Dedicated(_)) => {
                problems.add_raw(
                    draft.number,
                    2,
                    &draft.kind_property,
                    GridCodeError::DedicatedOutsideVillage(grid.code.to_string()).to_string(),
                );
                continue;
            }
            None => {}
        }
        if stored.is_some() {
            updated += 1;
        }
        let (lon, lat) = draft.centre;
        records.push(GridRecord {
            grid,
            lon: Some(lon),
            lat: Some(lat),
            boundary: Some(draft.boundary.clone()),
        });
    }
    if !problems.is_empty() {
        return Err(refuse_file(ImportError::Features(problems.into_sorted())));
    }

    let summary =
        ImportSummary { kind: "grids", rows: features.len(), created: records.len() - updated, updated };
    let mut tx = station.store().begin_write().await?;
    tx.upsert_grids(&records, &scheme).await?;
    let reason = format!("导入网格边界 {} 个（文件 {file}）", records.len());
    finish(station, tx, actor, "import_grids", (FeedEntity::Grid, "boundaries"), reason).await?;
    tracing::info!(file = %file, features = summary.rows, created = summary.created, updated = summary.updated, "grid boundaries imported");
    Ok(summary)
}

struct FeatureDraft {
    number: usize,
    code: GridCode,
    /// The property the code was read from, for error reports.
    code_property: String,
    kind_property: String,
    name: Option<String>,
    kind: Option<GridKind>,
    boundary: String,
    centre: (f64, f64),
}

/// Reads one feature, recording every problem; `None` when it cannot be imported.
fn parse_feature(
    feature: &Value,
    number: usize,
    scheme: &LevelScheme,
    problems: &mut Problems,
) -> Option<FeatureDraft> {
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        problems.add_raw(number, 0, "type", "要素的 type 应为 Feature");
        return None;
    }
    let empty = serde_json::Map::new();
    let properties = feature.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let property = |names: &[&str]| {
        names.iter().find_map(|n| properties.get(*n).filter(|v| !v.is_null()).map(|v| (n.to_string(), v)))
    };

    let code = match property(&CODE_PROPERTIES) {
        None => {
            problems.add_raw(
                number,
                0,
                "code",
                "缺少网格编码，应在 properties 中填写 code、grid_code 或 网格编码",
            );
            None
        }
        Some((name, value)) => {
            let text = match value {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => n.as_u64().map(|n| n.to_string()),
                _ => None,
            };
            match text.map(|t| GridCode::parse(&t, scheme)) {
                Some(Ok(code)) => Some((name, code)),
                Some(Err(e)) => {
                    problems.add_raw(number, 0, &name, format!("{e}；{}", code_expectation(scheme)));
                    None
                }
                None => {
                    problems.add_raw(
                        number,
                        0,
                        &name,
                        format!("应为文字或整数形式的网格编码；{}", code_expectation(scheme)),
                    );
                    None
                }
            }
        }
    };
    let name = match property(&NAME_PROPERTIES) {
        Some((_, Value::String(s))) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some((_, Value::String(_))) | None => None,
        Some((property, _)) => {
            problems.add_raw(number, 1, &property, "名称应为文字");
            None
        }
    };
    let kind_property = property(&KIND_PROPERTIES).map(|(n, _)| n).unwrap_or_else(|| "kind".into());
    let kind = match property(&KIND_PROPERTIES) {
        None => Ok(None),
        Some((property, value)) => match value.as_str().and_then(parse_grid_kind) {
            Some(kind) => Ok(Some(kind)),
            None => {
                problems.add_raw(
                    number,
                    2,
                    &property,
                    format!("未知网格类型，应为：{}", grid_kind_choices()),
                );
                Err(())
            }
        },
    };
    let geometry = match feature.get("geometry").filter(|g| !g.is_null()) {
        None => {
            problems.add_raw(number, 3, "geometry", "缺少几何（geometry），应为 Polygon 或 MultiPolygon");
            None
        }
        Some(geometry) => match parse_boundary(geometry) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                problems.add_raw(number, 3, "geometry", message);
                None
            }
        },
    };
    let (code_property, code) = code?;
    let (boundary, centre) = geometry?;
    let kind = kind.ok()?;
    Some(FeatureDraft { number, code, code_property, kind_property, name, kind, boundary, centre })
}

fn parse_grid_kind(text: &str) -> Option<GridKind> {
    let text = text.trim();
    if matches!(text, "comprehensive" | "综合网格" | "综合") {
        return Some(GridKind::Comprehensive);
    }
    if let Some(kind) = GridKind::from_key(text) {
        return Some(kind);
    }
    let stem = text.strip_prefix("专属网格（").and_then(|t| t.strip_suffix('）')).unwrap_or(text);
    redgrid_core::grid::DedicatedKind::ALL.into_iter().find(|k| k.name_zh() == stem).map(GridKind::Dedicated)
}

fn grid_kind_choices() -> String {
    let mut choices = vec!["comprehensive（综合网格）".to_string()];
    choices.extend(
        redgrid_core::grid::DedicatedKind::ALL.iter().map(|k| format!("{}（{}）", k.key(), k.name_zh())),
    );
    choices.join("、")
}

/// Validates a Polygon or MultiPolygon; returns the geometry to store and the centre of its outer rings.
fn parse_boundary(geometry: &Value) -> Result<(String, (f64, f64)), String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coordinates = geometry.get("coordinates").ok_or("几何缺少 coordinates")?;
    let polygons: Vec<&Value> = match kind {
        "Polygon" => vec![coordinates],
        "MultiPolygon" => {
            let list = coordinates.as_array().ok_or("MultiPolygon 的 coordinates 应为面的数组")?;
            if list.is_empty() {
                return Err("MultiPolygon 至少要有一个面".into());
            }
            list.iter().collect()
        }
        "" => return Err("几何缺少 type，应为 Polygon 或 MultiPolygon".into()),
        other => return Err(format!("几何类型为 {other}，应为 Polygon 或 MultiPolygon")),
    };
    let mut sum = (0.0, 0.0);
    let mut count = 0usize;
    for (p, polygon) in polygons.iter().enumerate() {
        let at = if polygons.len() > 1 { format!("第 {} 个面的", p + 1) } else { String::new() };
        let rings = polygon.as_array().ok_or_else(|| format!("{at}坐标应为环的数组"))?;
        if rings.is_empty() {
            return Err(format!("{at}面至少要有一个外环"));
        }
        for (r, ring) in rings.iter().enumerate() {
            let which = if r == 0 { format!("{at}外环") } else { format!("{at}第 {r} 个内环") };
            let positions = ring.as_array().ok_or_else(|| format!("{which}应为坐标数组"))?;
            if positions.len() < 4 {
                return Err(format!("{which}只有 {} 个坐标，至少应有 4 个（首尾相同）", positions.len()));
            }
            let mut points = Vec::with_capacity(positions.len());
            for position in positions {
                let numbers = position.as_array().filter(|a| a.len() >= 2);
                let point = numbers.and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
                let Some((lon, lat)) = point.filter(|(x, y)| x.is_finite() && y.is_finite()) else {
                    return Err(format!("{which}中的坐标 {position} 应为 [经度, 纬度] 两个数"));
                };
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(format!("{which}中的经度 {lon} 超出 -180～180"));
                }
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(format!(
                        "{which}中的纬度 {lat} 超出 -90～90（经纬度是否写反？应为 [经度, 纬度]）"
                    ));
                }
                points.push((lon, lat));
            }
            if points.first() != points.last() {
                return Err(format!("{which}没有闭合，首尾坐标应相同"));
            }
            if r == 0 {
                for (lon, lat) in &points[..points.len() - 1] {
                    sum.0 += lon;
                    sum.1 += lat;
                    count += 1;
                }
            }
        }
    }
    let stored = serde_json::json!({ "type": kind, "coordinates": coordinates }).to_string();
    Ok((stored, (sum.0 / count as f64, sum.1 / count as f64)))
}

// ---------------------------------------------------------------------------------------------------------
// Tables: CSV and spreadsheets
// ---------------------------------------------------------------------------------------------------------

/// A cell as text, remembering whether a spreadsheet stored it as a number too long to be exact.
#[derive(Debug, Clone, Default)]
struct SheetCell {
    text: String,
    /// Excel keeps 15 significant digits: an identity number typed as a number is already corrupted.
    lossy_number: bool,
}

#[derive(Debug)]
struct SourceRow {
    /// The spreadsheet row number (1-based) or the CSV line the record starts on.
    number: usize,
    cells: Vec<SheetCell>,
}

impl SourceRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.is_empty())
    }
}

/// Every non-blank row of a file's first sheet, header candidates included.
#[derive(Debug)]
struct Table {
    rows: Vec<SourceRow>,
}

fn decode_text(path: &Path, bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        // Files saved by Excel on Chinese Windows are GBK; GB18030 is its superset.
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
            .ok_or_else(|| ImportError::Encoding { path: display_name(path) }),
    }
}

fn read_table(path: &Path) -> Result<Table, ImportError> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let table = match extension.as_str() {
        "csv" | "txt" => {
            let bytes = std::fs::read(path)
                .map_err(|e| ImportError::Unreadable { path: display_name(path), message: e.to_string() })?;
            read_csv_table(path, &bytes)?
        }
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => read_sheet_table(path)?,
        _ => return Err(ImportError::UnknownFormat { path: display_name(path) }),
    };
    if table.rows.is_empty() {
        return Err(ImportError::Empty { path: display_name(path) });
    }
    Ok(table)
}

fn read_csv_table(path: &Path, bytes: &[u8]) -> Result<Table, ImportError> {
    let text = decode_text(path, bytes)?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| ImportError::Unreadable { path: display_name(path), message: e.to_string() })?;
        let number = record.position().map(|p| p.line() as usize).unwrap_or(rows.len() + 1);
        let cells =
            record.iter().map(|v| SheetCell { text: v.trim().to_string(), lossy_number: false }).collect();
        let row = SourceRow { number, cells };
        if !row.is_blank() {
            rows.push(row);
        }
    }
    Ok(Table { rows })
}

fn read_sheet_table(path: &Path) -> Result<Table, ImportError> {
    use calamine::Reader;
    let unreadable = |message: String| ImportError::Unreadable { path: display_name(path), message };
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::Empty { path: display_name(path) })?
        .map_err(|e| unreadable(e.to_string()))?;
    let Some((first_row, _)) = range.start() else {
        return Ok(Table { rows: Vec::new() });
    };
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| SourceRow {
            number: first_row as usize + i + 1,
            cells: cells.iter().map(sheet_cell).collect(),
        })
        .filter(|row| !row.is_blank())
        .collect();
    Ok(Table { rows })
}

fn sheet_cell(data: &calamine::Data) -> SheetCell {
    use calamine::Data;
    let text = |text: String| SheetCell { text, lossy_number: false };
    match data {
        Data::Empty => SheetCell::default(),
        Data::String(s) => text(s.trim().to_string()),
        Data::Int(i) => text(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => text(format!("{f:.0}")),
        Data::Float(f) if f.abs() >= 1e15 => SheetCell { text: format!("{f:.0}"), lossy_number: true },
        Data::Float(f) => text(f.to_string()),
        Data::Bool(b) => text(if *b { "是" } else { "否" }.to_string()),
        other => text(other.to_string().trim().to_string()),
    }
}

/// A column a register accepts: its English key, its Chinese header, other Chinese headers seen in
/// township files, and whether a file must have it.
struct ColumnSpec {
    key: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const fn column(
    key: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    required: bool,
) -> ColumnSpec {
    ColumnSpec { key, label, aliases, required }
}

/// How a header is compared: without spaces, required-markers (`*`) and case.
fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
        .collect::<String>()
        .to_lowercase()
}

fn spec_matches(spec: &ColumnSpec, header: &str) -> bool {
    let header = normalise_header(header);
    !header.is_empty()
        && (header == spec.key
            || header == normalise_header(spec.label)
            || spec.aliases.iter().any(|a| normalise_header(a) == header))
}

/// A table's header bound to a register's columns.
struct Bound {
    specs: &'static [ColumnSpec],
    /// key → (position in the row, the header as written).
    columns: HashMap<&'static str, (usize, String)>,
    /// Data rows, after the header.
    rows: Vec<SourceRow>,
    /// How many cells the header has, to catch rows with stray extra cells.
    width: usize,
}

static EMPTY_CELL: SheetCell = SheetCell { text: String::new(), lossy_number: false };

impl Bound {
    fn cell<'r>(&self, row: &'r SourceRow, key: &str) -> &'r SheetCell {
        self.columns.get(key).and_then(|(i, _)| row.cells.get(*i)).unwrap_or(&EMPTY_CELL)
    }

    /// The header as written in the file, or the Chinese header when the file lacks the column.
    fn header(&self, key: &str) -> String {
        match self.columns.get(key) {
            Some((_, header)) => header.clone(),
            None => self
                .specs
                .iter()
                .find(|s| s.key == key)
                .map(|s| s.label.to_string())
                .unwrap_or_else(|| key.to_string()),
        }
    }

    fn position(&self, key: &str) -> usize {
        self.columns.get(key).map(|(i, _)| *i).unwrap_or(usize::MAX)
    }
}

/// Finds the header row (the first of the first ten rows that names most of the register's columns, so
/// that a title row above it is skipped) and binds it.
fn bind(table: Table, specs: &'static [ColumnSpec], path: &Path) -> Result<Bound, ImportError> {
    let matches =
        |row: &SourceRow| row.cells.iter().filter(|c| specs.iter().any(|s| spec_matches(s, &c.text))).count();
    let header_index = table
        .rows
        .iter()
        .take(10)
        .enumerate()
        .max_by_key(|(i, row)| (matches(row), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let mut rows = table.rows;
    let data = rows.split_off(header_index + 1);
    let header = rows.pop().ok_or_else(|| ImportError::Empty { path: display_name(path) })?;
    let mut columns: HashMap<&'static str, (usize, String)> = HashMap::new();
    for (position, cell) in header.cells.iter().enumerate() {
        let Some(spec) = specs.iter().find(|s| spec_matches(s, &cell.text)) else { continue };
        if let Some((_, first)) = columns.get(spec.key) {
            return Err(ImportError::DuplicateColumn {
                path: display_name(path),
                first: first.clone(),
                second: cell.text.clone(),
            });
        }
        columns.insert(spec.key, (position, cell.text.clone()));
    }
    let missing: Vec<String> = specs
        .iter()
        .filter(|s| s.required && !columns.contains_key(s.key))
        .map(|s| format!("{}（{}）", s.label, s.key))
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns { path: display_name(path), columns: missing });
    }
    if data.is_empty() {
        return Err(ImportError::Empty { path: display_name(path) });
    }
    Ok(Bound { specs, columns, rows: data, width: header.cells.len() })
}

/// Reads and binds a register file off the async runtime: spreadsheets can take a moment to unpack.
async fn load(path: &Path, specs: &'static [ColumnSpec]) -> Result<Bound, ImportError> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || read_table(&owned).and_then(|table| bind(table, specs, &owned)))
        .await
        .map_err(|e| ImportError::Unreadable { path: display_name(path), message: e.to_string() })?
}

/// Row errors collected while checking a file, reported sorted by row and then by column.
#[derive(Default)]
struct Problems {
    list: Vec<(usize, usize, RowError)>,
}

impl Problems {
    fn add(&mut self, bound: &Bound, row: usize, key: &str, message: impl Into<String>) {
        self.add_raw(row, bound.position(key), &bound.header(key), message);
    }

    fn add_raw(&mut self, row: usize, position: usize, column: &str, message: impl Into<String>) {
        self.list.push((
            row,
            position,
            RowError { row, column: column.to_string(), message: message.into() },
        ));
    }

    /// Parses one cell, recording a problem when it does not parse.
    fn check<T>(
        &mut self,
        bound: &Bound,
        row: &SourceRow,
        key: &str,
        parse: impl FnOnce(&SheetCell) -> Result<T, String>,
    ) -> Option<T> {
        match parse(bound.cell(row, key)) {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(bound, row.number, key, message);
                None
            }
        }
    }

    /// Flags a row with non-empty cells beyond the header: usually an address with an unquoted comma.
    fn check_width(&mut self, bound: &Bound, row: &SourceRow) {
        if row.cells.iter().skip(bound.width).any(|c| !c.text.is_empty()) {
            self.add_raw(
                row.number,
                usize::MAX,
                "",
                format!(
                    "本行有 {} 列，多于表头的 {} 列；含逗号的内容（如地址）应放在英文双引号中",
                    row.cells.len(),
                    bound.width
                ),
            );
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn into_sorted(mut self) -> Vec<RowError> {
        self.list.sort_by_key(|(row, position, _)| (*row, *position));
        self.list.into_iter().map(|(_, _, e)| e).collect()
    }
}

// --- cell parsers: each says what is wrong and what is expected -------------------------------------------

fn required_text(max_chars: usize) -> impl Fn(&SheetCell) -> Result<String, String> {
    move |cell| {
        let text = cell.text.trim();
        if text.is_empty() {
            Err("不能为空".into())
        } else if text.chars().count() > max_chars {
            Err(format!("过长（{} 个字），应不超过 {max_chars} 个字", text.chars().count()))
        } else {
            Ok(text.to_string())
        }
    }
}

fn optional_text(max_chars: usize) -> impl Fn(&SheetCell) -> Result<String, String> {
    move |cell| {
        let text = cell.text.trim();
        if text.chars().count() > max_chars {
            Err(format!("过长（{} 个字），应不超过 {max_chars} 个字", text.chars().count()))
        } else {
            Ok(text.to_string())
        }
    }
}

fn parse_id_number(cell: &SheetCell) -> Result<String, String> {
    let text = cell.text.trim().to_ascii_uppercase();
    if text.is_empty() {
        return Err("不能为空，应为 18 位身份证号".into());
    }
    if cell.lossy_number || text.contains("E+") {
        return Err("单元格是数字格式，超过 15 位的数字已被表格软件改写；请把该列设为文本格式后重新填写 18 位身份证号".into());
    }
    let shape_ok = text.len() == 18
        && text.bytes().take(17).all(|b| b.is_ascii_digit())
        && text.bytes().last().is_some_and(|b| b.is_ascii_digit() || b == b'X');
    if !shape_ok {
        return Err(format!(
            "格式错误（{} 个字符），应为 18 位身份证号：17 位数字加 1 位校验码（数字或 X）",
            text.chars().count()
        ));
    }
    if !is_valid_id_number(&text) {
        return Err("校验位错误，应为 18 位有效身份证号".into());
    }
    Ok(text)
}

/// Strips the separators people type into phone numbers.
fn phone_digits(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

fn parse_mobile(required: bool) -> impl Fn(&SheetCell) -> Result<String, String> {
    move |cell| {
        let phone = phone_digits(&cell.text);
        let phone = phone.strip_prefix("+86").unwrap_or(&phone).to_string();
        if phone.is_empty() {
            return if required {
                Err("不能为空，应为 1 开头的 11 位手机号".into())
            } else {
                Ok(phone)
            };
        }
        if is_valid_mobile(&phone) {
            Ok(phone)
        } else {
            Err(format!("「{}」不是有效手机号，应为 1 开头的 11 位数字", cell.text.trim()))
        }
    }
}

/// A mobile or a landline (`0775-1234567`); stored as written, without spaces.
fn parse_contact_phone(cell: &SheetCell) -> Result<String, String> {
    let text: String = cell.text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Ok(text);
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let shape_ok = text.chars().all(|c| c.is_ascii_digit() || c == '-') && (7..=13).contains(&digits);
    let mobile_ok = !text.starts_with('1') || is_valid_mobile(&phone_digits(&text));
    if shape_ok && mobile_ok {
        Ok(text)
    } else {
        Err(format!(
            "「{}」不是有效电话，应为 11 位手机号或带区号的固定电话（如 0775-4561234）",
            cell.text.trim()
        ))
    }
}

fn code_expectation(scheme: &LevelScheme) -> String {
    let lengths: Vec<String> = scheme.levels().iter().map(|l| l.code_len.to_string()).collect();
    format!("应为 {} 位数字的网格编码", lengths.join("、"))
}

fn parse_grid_code(scheme: &LevelScheme) -> impl Fn(&SheetCell) -> Result<GridCode, String> + '_ {
    move |cell| {
        let text = cell.text.trim();
        if text.is_empty() {
            return Err(format!("不能为空，{}", code_expectation(scheme)));
        }
        GridCode::parse(text, scheme).map_err(|e| format!("{e}；{}", code_expectation(scheme)))
    }
}

/// Splits a list cell: items separated by 、 , ， ; ； | or spaces.
fn split_items(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；' | '|') || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Parses a list of named values; unknown items are reported together with the accepted names.
fn parse_list<T: PartialEq>(
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
    choices: impl Fn() -> String,
) -> Result<Vec<T>, String> {
    let mut values = Vec::new();
    let mut unknown = Vec::new();
    for item in split_items(text) {
        match parse(item) {
            Some(value) if !values.contains(&value) => values.push(value),
            Some(_) => {}
            None => unknown.push(format!("「{item}」")),
        }
    }
    if unknown.is_empty() {
        Ok(values)
    } else {
        Err(format!("未知{what}{}，应为：{}（多个用顿号分隔）", unknown.join(""), choices()))
    }
}

fn names<T: Copy>(all: &[T], key: impl Fn(T) -> &'static str, name: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| format!("{}（{}）", name(*v), key(*v))).collect::<Vec<_>>().join("、")
}

fn parse_coordinate(
    cell: &SheetCell,
    what: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Option<f64>, String> {
    let text = cell.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value: f64 =
        text.parse().map_err(|_| format!("「{text}」不是数字，应为十进制度数（WGS-84），如 109.6"))?;
    if !value.is_finite() || !range.contains(&value) {
        return Err(format!("{value} 超出{what}范围 {}～{}（经纬度是否写反？）", range.start(), range.end()));
    }
    Ok(Some(value))
}

fn parse_yes_no(cell: &SheetCell) -> Result<bool, String> {
    match cell.text.trim().to_lowercase().as_str() {
        "" | "否" | "不是" | "非党员" | "群众" | "n" | "no" | "false" | "0" => Ok(false),
        "是" | "党员" | "中共党员" | "y" | "yes" | "true" | "1" => Ok(true),
        other => Err(format!("「{other}」无法识别，应为 是 或 否")),
    }
}

/// Which of `codes` exist in the store, with their nodes.
async fn stored_grids(
    station: &Station,
    codes: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, GridNode>, ApiError> {
    let mut found = HashMap::new();
    for code in codes.into_iter().collect::<BTreeSet<_>>() {
        if let Some(node) = station.store().grid_node(&code).await? {
            found.insert(code, node);
        }
    }
    Ok(found)
}

fn unknown_grid_message(code: &GridCode) -> String {
    format!("网格 {code} 不存在，请先导入区划（redgrid import divisions）或网格（redgrid import grids）")
}

/// The registers of the townships `codes` lie in: the existing records an import may overwrite.
async fn registers_around(
    station: &Station,
    codes: impl IntoIterator<Item = GridCode>,
    scheme: &LevelScheme,
) -> Result<Vec<redgrid_store::Registers>, ApiError> {
    let tops: BTreeSet<String> =
        codes.into_iter().filter_map(|c| c.ancestor_at(0, scheme)).map(|c| c.to_string()).collect();
    let mut registers = Vec::new();
    for top in tops {
        if let Some(r) = station.store().registers(&top, scheme).await? {
            registers.push(r);
        }
    }
    Ok(registers)
}

/// Records a duplicate key within the file; returns whether the key was new.
fn first_occurrence(
    seen: &mut HashMap<String, usize>,
    key: &str,
    row: usize,
    problems: &mut Problems,
    bound: &Bound,
    column: &str,
    what: &str,
) -> bool {
    if let Some(first) = seen.get(key) {
        problems.add(bound, row, column, format!("与第 {first} 行重复，同一{what}只能出现一次"));
        false
    } else {
        seen.insert(key.to_string(), row);
        true
    }
}

// ---------------------------------------------------------------------------------------------------------
// Residents
// ---------------------------------------------------------------------------------------------------------

const RESIDENT_COLUMNS: &[ColumnSpec] = &[
    column("id_number", "身份证号", &["身份证号码", "公民身份号码", "证件号码"], true),
    column("name", "姓名", &[], true),
    column("household_id", "户编号", &["户号"], true),
    column("head_name", "户主", &["户主姓名"], false),
    column("address", "地址", &["住址", "家庭住址", "现住址"], false),
    column("grid_code", "网格编码", &["网格", "所属网格"], true),
    column("phone", "电话", &["联系电话", "手机", "手机号", "手机号码"], false),
    column("care_tags", "关爱标签", &["标签", "人员类别"], false),
];

struct ResidentRow {
    row: usize,
    resident: Resident,
    head_name: String,
    address: String,
}

/// Imports residents and their households from CSV or XLSX (`redgrid import residents FILE`).
///
/// Columns (Chinese header or English key; order free; other columns ignored; a title row above the
/// header is skipped):
///
/// | header | key | required | content |
/// |---|---|---|---|
/// | 身份证号 | `id_number` | yes | 18-digit identity number with a valid check character; unique in the file |
/// | 姓名 | `name` | yes | |
/// | 户编号 | `household_id` | yes | the household; rows of one household share its grid, address and head |
/// | 户主 | `head_name` | no | the head's name (kept from the store, else the first member, when empty) |
/// | 地址 | `address` | no | the household's address |
/// | 网格编码 | `grid_code` | yes | a grid that exists |
/// | 电话 | `phone` | no | an 11-digit mobile |
/// | 关爱标签 | `care_tags` | no | 独居老人、留守儿童、残疾人、社区矫正对象、严重精神障碍患者、低保户 (or keys), separated by 、 , ; |
pub async fn import_residents(
    station: &Station,
    actor: &Actor,
    path: &Path,
) -> Result<ImportSummary, ApiError> {
    check_may_import(actor)?;
    let file = display_name(path);
    let bound = load(path, RESIDENT_COLUMNS).await.map_err(|e| refuse("residents", &file, e))?;
    let scheme = station.scheme();
    let mut problems = Problems::default();
    let mut parsed = Vec::new();
    let mut seen = HashMap::new();
    for row in &bound.rows {
        problems.check_width(&bound, row);
        let id_number = problems.check(&bound, row, "id_number", parse_id_number).filter(|id| {
            first_occurrence(&mut seen, id, row.number, &mut problems, &bound, "id_number", "身份证号")
        });
        let name = problems.check(&bound, row, "name", required_text(50));
        let household_id = problems.check(&bound, row, "household_id", required_text(64));
        let head_name = problems.check(&bound, row, "head_name", optional_text(50));
        let address = problems.check(&bound, row, "address", optional_text(200));
        let grid = problems.check(&bound, row, "grid_code", parse_grid_code(&scheme));
        let phone = problems.check(&bound, row, "phone", parse_mobile(false));
        let care_tags = problems.check(&bound, row, "care_tags", |cell| {
            parse_list(&cell.text, CareTag::parse, "关爱标签", || {
                names(&CareTag::ALL, CareTag::key, CareTag::name_zh)
            })
        });
        if let (
            Some(id_number),
            Some(name),
            Some(household_id),
            Some(head_name),
            Some(address),
            Some(grid),
            Some(phone),
            Some(care_tags),
        ) = (id_number, name, household_id, head_name, address, grid, phone, care_tags)
        {
            parsed.push(ResidentRow {
                row: row.number,
                resident: Resident { id_number, name, household_id, grid, phone, care_tags },
                head_name,
                address,
            });
        }
    }

    let grids = stored_grids(station, parsed.iter().map(|r| r.resident.grid.to_string())).await?;
    // Per household: the row it first appears on, the household, and its first member's name.
    let mut households: BTreeMap<String, (usize, Household, String)> = BTreeMap::new();
    let mut rows = Vec::with_capacity(parsed.len());
    for entry in parsed {
        let ResidentRow { row, resident, head_name, address } = entry;
        if !grids.contains_key(resident.grid.as_str()) {
            problems.add(&bound, row, "grid_code", unknown_grid_message(&resident.grid));
            continue;
        }
        match households.get_mut(&resident.household_id) {
            None => {
                let household = Household {
                    id: resident.household_id.clone(),
                    grid: resident.grid.clone(),
                    address,
                    head_name,
                };
                households.insert(resident.household_id.clone(), (row, household, resident.name.clone()));
            }
            Some((first_row, household, _)) => {
                let id = &household.id;
                if household.grid != resident.grid {
                    problems.add(
                        &bound,
                        row,
                        "grid_code",
                        format!(
                            "同一户（户编号 {id}）的成员应在同一网格：第 {first_row} 行为 {}，本行为 {}",
                            household.grid, resident.grid
                        ),
                    );
                }
                for (key, theirs, ours, what) in [
                    ("address", &mut household.address, address, "地址"),
                    ("head_name", &mut household.head_name, head_name, "户主"),
                ] {
                    if theirs.is_empty() {
                        *theirs = ours;
                    } else if !ours.is_empty() && *theirs != ours {
                        problems.add(&bound, row, key, format!("同一户（户编号 {id}）的{what}前后不一致：前面为「{theirs}」，本行为「{ours}」"));
                    }
                }
            }
        }
        rows.push(resident);
    }
    if !problems.is_empty() {
        return Err(refuse("residents", &file, ImportError::Rows(problems.into_sorted())));
    }

    let existing = registers_around(station, rows.iter().map(|r| r.grid.clone()), &scheme).await?;
    let existing_ids: BTreeSet<&str> =
        existing.iter().flat_map(|r| r.residents.iter().map(|p| p.id_number.as_str())).collect();
    let existing_households: HashMap<&str, &Household> =
        existing.iter().flat_map(|r| r.households.iter().map(|h| (h.id.as_str(), h))).collect();
    let households: Vec<Household> = households
        .into_values()
        .map(|(_, mut household, first_member)| {
            // A file without the head or address column keeps what the store has, rather than blanking it.
            if let Some(stored) = existing_households.get(household.id.as_str()) {
                if household.head_name.is_empty() {
                    household.head_name = stored.head_name.clone();
                }
                if household.address.is_empty() {
                    household.address = stored.address.clone();
                }
            }
            if household.head_name.is_empty() {
                household.head_name = first_member;
            }
            household
        })
        .collect();
    let updated = rows.iter().filter(|r| existing_ids.contains(r.id_number.as_str())).count();
    let summary =
        ImportSummary { kind: "residents", rows: rows.len(), created: rows.len() - updated, updated };

    let mut tx = station.store().begin_write().await?;
    tx.upsert_households(&households).await?;
    tx.upsert_residents(&rows).await?;
    let reason = format!("导入居民 {} 条（{} 户，文件 {file}）", rows.len(), households.len());
    finish(station, tx, actor, "import_residents", (FeedEntity::Register, "residents"), reason).await?;
    tracing::info!(file = %file, rows = summary.rows, households = households.len(), created = summary.created,
        updated = summary.updated, "residents imported");
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------------------
// Key places
// ---------------------------------------------------------------------------------------------------------

const PLACE_COLUMNS: &[ColumnSpec] = &[
    column("id", "编号", &["场所编号"], true),
    column("name", "名称", &["场所名称"], true),
    column("kind", "类型", &["场所类型"], true),
    column("grid_code", "网格编码", &["网格", "所属网格"], true),
    column("address", "地址", &["场所地址"], false),
    column("contact_phone", "联系电话", &["电话"], false),
    column("lon", "经度", &["longitude"], false),
    column("lat", "纬度", &["latitude"], false),
];

/// Imports key places from CSV or XLSX (`redgrid import places FILE`).
///
/// | header | key | required | content |
/// |---|---|---|---|
/// | 编号 | `id` | yes | unique in the file |
/// | 名称 | `name` | yes | |
/// | 类型 | `kind` | yes | 学校、集贸市场、出租屋、危化品场所、水库山塘、卫生院、宗教活动场所 (or keys) |
/// | 网格编码 | `grid_code` | yes | a grid that exists |
/// | 地址 | `address` | no | |
/// | 联系电话 | `contact_phone` | no | a mobile or a landline with area code |
/// | 经度, 纬度 | `lon`, `lat` | no | WGS-84 decimal degrees, both or neither; when empty, the grid's position |
pub async fn import_places(station: &Station, actor: &Actor, path: &Path) -> Result<ImportSummary, ApiError> {
    check_may_import(actor)?;
    let file = display_name(path);
    let bound = load(path, PLACE_COLUMNS).await.map_err(|e| refuse("places", &file, e))?;
    let scheme = station.scheme();
    let mut problems = Problems::default();
    let mut parsed = Vec::new();
    let kind_choices = || names(&KeyPlaceKind::ALL, KeyPlaceKind::key, KeyPlaceKind::name_zh);
    let mut seen = HashMap::new();
    for row in &bound.rows {
        problems.check_width(&bound, row);
        let id = problems
            .check(&bound, row, "id", required_text(64))
            .filter(|id| first_occurrence(&mut seen, id, row.number, &mut problems, &bound, "id", "编号"));
        let name = problems.check(&bound, row, "name", required_text(100));
        let kind = problems.check(&bound, row, "kind", |cell| match cell.text.trim() {
            "" => Err(format!("不能为空，应为：{}", kind_choices())),
            text => KeyPlaceKind::parse(text)
                .ok_or_else(|| format!("未知场所类型「{text}」，应为：{}", kind_choices())),
        });
        let grid = problems.check(&bound, row, "grid_code", parse_grid_code(&scheme));
        let address = problems.check(&bound, row, "address", optional_text(200));
        let contact_phone = problems.check(&bound, row, "contact_phone", parse_contact_phone);
        let lon = problems.check(&bound, row, "lon", |c| parse_coordinate(c, "经度", -180.0..=180.0));
        let lat = problems.check(&bound, row, "lat", |c| parse_coordinate(c, "纬度", -90.0..=90.0));
        let position = match (lon, lat) {
            (Some(Some(lon)), Some(Some(lat))) => Some(Some((lon, lat))),
            (Some(None), Some(None)) => Some(None),
            (Some(Some(_)), Some(None)) => {
                problems.add(&bound, row.number, "lat", "填写了经度时也应填写纬度");
                None
            }
            (Some(None), Some(Some(_))) => {
                problems.add(&bound, row.number, "lon", "填写了纬度时也应填写经度");
                None
            }
            _ => None,
        };
        if let (
            Some(id),
            Some(name),
            Some(kind),
            Some(grid),
            Some(address),
            Some(contact_phone),
            Some(position),
        ) = (id, name, kind, grid, address, contact_phone, position)
        {
            parsed.push((row.number, id, name, kind, grid, address, contact_phone, position));
        }
    }

    let grids = stored_grids(station, parsed.iter().map(|p| p.4.to_string())).await?;
    let mut places = Vec::with_capacity(parsed.len());
    for (row, id, name, kind, grid, address, contact_phone, position) in parsed {
        let Some(node) = grids.get(grid.as_str()) else {
            problems.add(&bound, row, "grid_code", unknown_grid_message(&grid));
            continue;
        };
        let Some((lon, lat)) = position.or_else(|| Some((node.lon?, node.lat?))) else {
            problems.add(
                &bound,
                row,
                "lon",
                format!("未填写经纬度，所在网格 {grid} 也没有位置，请填写经度、纬度"),
            );
            continue;
        };
        places.push(KeyPlace { id, name, kind, grid, address, contact_phone, lon, lat });
    }
    if !problems.is_empty() {
        return Err(refuse("places", &file, ImportError::Rows(problems.into_sorted())));
    }

    let existing = registers_around(station, places.iter().map(|p| p.grid.clone()), &scheme).await?;
    let existing_ids: BTreeSet<&str> =
        existing.iter().flat_map(|r| r.key_places.iter().map(|p| p.id.as_str())).collect();
    let updated = places.iter().filter(|p| existing_ids.contains(p.id.as_str())).count();
    let summary =
        ImportSummary { kind: "places", rows: places.len(), created: places.len() - updated, updated };

    let mut tx = station.store().begin_write().await?;
    tx.upsert_key_places(&places).await?;
    let reason = format!("导入重点场所 {} 条（文件 {file}）", places.len());
    finish(station, tx, actor, "import_places", (FeedEntity::Register, "key_places"), reason).await?;
    tracing::info!(file = %file, rows = summary.rows, created = summary.created, updated = summary.updated, "key places imported");
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------------------

const WORKER_COLUMNS: &[ColumnSpec] = &[
    column("id", "编号", &["工号", "人员编号"], true),
    column("name", "姓名", &[], true),
    column("phone", "电话", &["手机", "手机号", "手机号码", "联系电话"], true),
    column("employment", "用工类型", &["专兼职"], true),
    column("group", "力量类别", &["force_group", "类别"], true),
    column("roles", "角色", &["职务"], false),
    column("skills", "技能", &["业务条线", "专长"], false),
    column("grids", "网格", &["网格编码", "负责网格", "grid_codes"], true),
    column("party_member", "党员", &["是否党员", "政治面貌"], false),
    column("owntracks_user", "OwnTracks用户", &["owntracks", "定位账号"], false),
    column("backup", "备岗人员", &["backup_worker_id", "备岗", "B角"], false),
];

/// Imports the grid force from CSV or XLSX (`redgrid import workers FILE`).
///
/// | header | key | required | content |
/// |---|---|---|---|
/// | 编号 | `id` | yes | unique in the file |
/// | 姓名 | `name` | yes | |
/// | 电话 | `phone` | yes | an 11-digit mobile |
/// | 用工类型 | `employment` | yes | 专职 / 兼职 (`full_time` / `part_time`) |
/// | 力量类别 | `group` | yes | the "1+3+N" group: 专职网格员、村（社区）干部、民警/辅警、巡防队员、志愿者、快递外卖员、社工、乡贤 (or keys); 专职网格员 must be 专职 |
/// | 角色 | `roles` | no | "六长两员" roles: 网格长、党小组长、村民小组长、治安中心户长、妇女小组长、楼栋长、网格员、调解员 |
/// | 技能 | `skills` | no | business lines: 矛盾调解、治安巡防、消防安全、… (or keys) |
/// | 网格 | `grids` | yes | grid codes, the first being the home grid; all must exist |
/// | 党员 | `party_member` | no | 是 / 否 (empty: 否) |
/// | OwnTracks用户 | `owntracks_user` | no | the user name the worker's phone reports as; unique in the file |
/// | 备岗人员 | `backup` | no | the id of the worker called when this one stays silent in a call-up (A/B 角); in the file or already registered, not the worker themself |
pub async fn import_workers(
    station: &Station,
    actor: &Actor,
    path: &Path,
) -> Result<ImportSummary, ApiError> {
    check_may_import(actor)?;
    let file = display_name(path);
    let bound = load(path, WORKER_COLUMNS).await.map_err(|e| refuse("workers", &file, e))?;
    let scheme = station.scheme();
    let mut problems = Problems::default();
    let mut parsed = Vec::new();
    let mut seen_ids = HashMap::new();
    let mut seen_users = HashMap::new();
    for row in &bound.rows {
        problems.check_width(&bound, row);
        let id = problems.check(&bound, row, "id", required_text(64)).filter(|id| {
            first_occurrence(&mut seen_ids, id, row.number, &mut problems, &bound, "id", "编号")
        });
        let name = problems.check(&bound, row, "name", required_text(50));
        let phone = problems.check(&bound, row, "phone", parse_mobile(true));
        let employment = problems.check(&bound, row, "employment", |cell| {
            Employment::parse(&cell.text)
                .ok_or_else(|| format!("「{}」无法识别，应为 专职 或 兼职", cell.text.trim()))
        });
        let group = problems.check(&bound, row, "group", |cell| {
            ForceGroup::parse(&cell.text).ok_or_else(|| {
                format!(
                    "「{}」无法识别，应为：{}",
                    cell.text.trim(),
                    names(&ForceGroup::ALL, ForceGroup::key, ForceGroup::name_zh)
                )
            })
        });
        let roles = problems.check(&bound, row, "roles", |cell| {
            parse_list(&cell.text, ForceRole::parse, "角色", || {
                names(&ForceRole::ALL, ForceRole::key, ForceRole::name_zh)
            })
        });
        let skills = problems.check(&bound, row, "skills", |cell| {
            parse_list(&cell.text, BusinessLine::parse, "技能", || {
                names(&BusinessLine::ALL, BusinessLine::key, BusinessLine::name_zh)
            })
        });
        let grids = problems.check(&bound, row, "grids", |cell| {
            let mut codes: Vec<GridCode> = Vec::new();
            let mut bad = Vec::new();
            for item in split_items(&cell.text) {
                match GridCode::parse(item, &scheme) {
                    Ok(code) if !codes.contains(&code) => codes.push(code),
                    Ok(_) => {}
                    Err(_) => bad.push(format!("「{item}」")),
                }
            }
            if !bad.is_empty() {
                Err(format!("网格编码{}无效，{}", bad.join(""), code_expectation(&scheme)))
            } else if codes.is_empty() {
                Err(format!(
                    "不能为空，至少填写一个网格编码（第一个为所属网格），{}",
                    code_expectation(&scheme)
                ))
            } else {
                Ok(codes)
            }
        });
        let party_member = problems.check(&bound, row, "party_member", parse_yes_no);
        let owntracks_user =
            problems.check(&bound, row, "owntracks_user", optional_text(64)).filter(|user| {
                user.is_empty()
                    || first_occurrence(
                        &mut seen_users,
                        user,
                        row.number,
                        &mut problems,
                        &bound,
                        "owntracks_user",
                        "OwnTracks 用户",
                    )
            });
        let backup = problems.check(&bound, row, "backup", optional_text(64));
        if let (Some(backup), Some(id)) = (&backup, &id) {
            if !backup.is_empty() && backup == id {
                problems.add(&bound, row.number, "backup", "备岗人员不能是本人");
            }
        }
        if let (Some(ForceGroup::One), Some(Employment::PartTime)) = (group, employment) {
            problems.add(&bound, row.number, "employment", "力量类别为专职网格员时用工类型应为专职");
        }
        if let (
            Some(id),
            Some(name),
            Some(phone),
            Some(employment),
            Some(group),
            Some(roles),
            Some(skills),
            Some(grids),
            Some(party_member),
            Some(owntracks_user),
            Some(backup),
        ) =
            (id, name, phone, employment, group, roles, skills, grids, party_member, owntracks_user, backup)
        {
            let owntracks_user = (!owntracks_user.is_empty()).then_some(owntracks_user);
            let worker = Worker {
                id,
                name,
                phone,
                employment,
                group,
                roles,
                skills,
                grids,
                party_member,
                owntracks_user,
            };
            parsed.push((row.number, worker, backup));
        }
    }

    let known =
        stored_grids(station, parsed.iter().flat_map(|(_, w, _)| w.grids.iter().map(|g| g.to_string())))
            .await?;
    let existing: HashMap<String, WorkerRecord> =
        station.store().workers(&scheme).await?.into_iter().map(|w| (w.worker.id.clone(), w)).collect();
    let in_file: HashSet<String> = parsed.iter().map(|(_, w, _)| w.id.clone()).collect();
    let mut workers = Vec::with_capacity(parsed.len());
    let mut backups = Vec::new();
    for (row, worker, backup) in parsed {
        if !backup.is_empty() && !in_file.contains(&backup) && !existing.contains_key(&backup) {
            problems.add(&bound, row, "backup", format!("备岗人员 {backup} 不在本文件中，也未登记"));
            continue;
        }
        let unknown: Vec<&GridCode> =
            worker.grids.iter().filter(|g| !known.contains_key(g.as_str())).collect();
        if !unknown.is_empty() {
            let list: Vec<String> = unknown.iter().map(|g| g.to_string()).collect();
            problems.add(
                &bound,
                row,
                "grids",
                format!(
                    "网格 {} 不存在，请先导入区划（redgrid import divisions）或网格（redgrid import grids）",
                    list.join("、")
                ),
            );
            continue;
        }
        backups.push((worker.id.clone(), (!backup.is_empty()).then_some(backup)));
        workers.push(worker);
    }
    if !problems.is_empty() {
        return Err(refuse("workers", &file, ImportError::Rows(problems.into_sorted())));
    }

    let records: Vec<WorkerRecord> = workers
        .into_iter()
        .map(|worker| match existing.get(&worker.id) {
            // Live state (on duty, last position) belongs to the terminal, not to the register file.
            Some(stored) => {
                WorkerRecord { worker, on_duty: stored.on_duty, lon: stored.lon, lat: stored.lat }
            }
            None => WorkerRecord { worker, on_duty: false, lon: None, lat: None },
        })
        .collect();
    let updated = records.iter().filter(|r| existing.contains_key(&r.worker.id)).count();
    let summary =
        ImportSummary { kind: "workers", rows: records.len(), created: records.len() - updated, updated };

    let mut tx = station.store().begin_write().await?;
    tx.upsert_workers(&records).await?;
    for (worker, backup) in &backups {
        tx.set_worker_backup(worker, backup.as_deref()).await?;
    }
    let reason = format!("导入网格力量 {} 人（文件 {file}）", records.len());
    finish(station, tx, actor, "import_workers", (FeedEntity::Register, "workers"), reason).await?;
    tracing::info!(file = %file, rows = summary.rows, created = summary.created, updated = summary.updated, "workers imported");
    Ok(summary)
}
