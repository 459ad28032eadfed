//! Phase two: the references of a scenario file checked against the township it will run in.

use std::collections::BTreeMap;
use std::time::Duration;

use redgrid_core::event::{Category, Severity};

use crate::error::{RowError, ScenarioErrors};
use crate::file::ScenarioFile;
use crate::vocabulary::{Column, ExpectedAction, InjectKind};

/// What a scenario may refer to in the township: the caller builds it from the station's registers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalogue {
    pub villages: Vec<CatalogueVillage>,
    pub grids: Vec<CatalogueGrid>,
    pub cameras: Vec<CatalogueCamera>,
    pub workers: Vec<CatalogueWorker>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueVillage {
    /// The 12-digit division code.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueGrid {
    pub code: String,
    /// The village the grid lies in.
    pub village_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueCamera {
    pub id: String,
    pub name: String,
    /// The village the camera's grid lies in, when it is known.
    pub village_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueWorker {
    pub id: String,
    pub name: String,
}

/// A scenario ready to run: every reference is a code or id the station has.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub title: String,
    pub description: String,
    pub author: String,
    /// Sorted by (offset, seq).
    pub injects: Vec<Inject>,
}

/// One inject of a resolved scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Inject {
    pub seq: u32,
    /// From the start of the drill, in whole seconds.
    pub offset: Duration,
    pub kind: InjectKind,
    pub village_code: String,
    pub grid: Option<String>,
    pub camera_id: Option<String>,
    pub worker_id: Option<String>,
    /// `None` only for 叫应 and 失联.
    pub category: Option<Category>,
    pub severity: Severity,
    pub content: String,
    pub expected: Vec<ExpectedAction>,
    pub objective: String,
    /// The row in the file it came from (the header being row 1), for the scorecard to point back to.
    pub row: u32,
}

/// What a reference found among entries that have an id and a name.
enum Lookup<'a, T> {
    Found(&'a T),
    Ambiguous(Vec<&'a T>),
    Missing,
}

/// An exact id wins over a name, so that a name that is ambiguous can always be replaced by the id.
fn lookup<'a, T>(
    items: &'a [T],
    text: &str,
    id: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &str,
) -> Lookup<'a, T> {
    let text = text.trim();
    if let Some(item) = items.iter().find(|i| id(i).trim() == text) {
        return Lookup::Found(item);
    }
    let named: Vec<&T> = items.iter().filter(|i| name(i).trim() == text).collect();
    match named.len() {
        0 => Lookup::Missing,
        1 => Lookup::Found(named[0]),
        _ => Lookup::Ambiguous(named),
    }
}

/// Whether `text` finds the entry with `expected_id`: a name is written out only if it reads back.
pub(crate) fn lookup_is<T>(
    items: &[T],
    text: &str,
    id: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &str,
    expected_id: &str,
) -> bool {
    matches!(lookup(items, text, &id, name), Lookup::Found(item) if id(item) == expected_id)
}

impl Catalogue {
    fn village(&self, text: &str) -> Result<&CatalogueVillage, String> {
        match lookup(&self.villages, text, |v| &v.code, |v| &v.name) {
            Lookup::Found(village) => Ok(village),
            Lookup::Ambiguous(villages) => {
                let list: Vec<String> =
                    villages.iter().map(|v| format!("{}（{}）", v.name, v.code)).collect();
                Err(format!(
                    "“{text}”对应多个村（社区）：{}，名称有歧义，请改填 12 位区划代码",
                    list.join("、")
                ))
            }
            Lookup::Missing if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) => {
                Err(format!("区划代码 {text} 不是本乡镇的村（社区）"))
            }
            Lookup::Missing => {
                Err(format!("本乡镇没有名为“{text}”的村（社区），请填写村（社区）名称或 12 位区划代码"))
            }
        }
    }

    fn village_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.villages.iter().find(|v| v.code == code).map_or(code, |v| v.name.as_str())
    }

    fn camera(&self, text: &str) -> Result<&CatalogueCamera, String> {
        match lookup(&self.cameras, text, |c| &c.id, |c| &c.name) {
            Lookup::Found(camera) => Ok(camera),
            Lookup::Ambiguous(cameras) => {
                let ids: Vec<&str> = cameras.iter().map(|c| c.id.as_str()).collect();
                Err(format!("名为“{text}”的摄像头有多个（编号 {}），请改填摄像头编号", ids.join("、")))
            }
            Lookup::Missing => Err(format!("本乡镇没有名称或编号为“{text}”的摄像头")),
        }
    }

    fn worker(&self, text: &str) -> Result<&CatalogueWorker, String> {
        match lookup(&self.workers, text, |w| &w.id, |w| &w.name) {
            Lookup::Found(worker) => Ok(worker),
            Lookup::Ambiguous(workers) => {
                let ids: Vec<&str> = workers.iter().map(|w| w.id.as_str()).collect();
                Err(format!(
                    "名为“{text}”的人员有 {} 位（编号 {}），请改填人员编号",
                    workers.len(),
                    ids.join("、")
                ))
            }
            Lookup::Missing => Err(format!("本乡镇没有编号或姓名为“{text}”的网格员")),
        }
    }

    /// A grid, checked to lie in the village.
    fn grid_in(&self, text: &str, village: &CatalogueVillage) -> Result<String, String> {
        let text = text.trim();
        let Some(grid) = self.grids.iter().find(|g| g.code.trim() == text) else {
            return Err(format!("本乡镇没有网格代码“{text}”"));
        };
        if grid.village_code != village.code {
            return Err(format!(
                "网格 {text} 属于{}，不在本行的村社区「{}」内",
                self.village_name(&grid.village_code),
                village.name
            ));
        }
        Ok(grid.code.clone())
    }

    /// A camera, checked to lie in the village when the catalogue knows where it is: an alert from one
    /// village's camera reported in another would send the officers to the wrong place.
    fn camera_in(&self, text: &str, village: &CatalogueVillage) -> Result<String, String> {
        let camera = self.camera(text)?;
        match &camera.village_code {
            Some(code) if *code != village.code => Err(format!(
                "摄像头“{}”（{}）在{}，不在本行的村社区「{}」内",
                camera.name,
                camera.id,
                self.village_name(code),
                village.name
            )),
            _ => Ok(camera.id.clone()),
        }
    }
}

impl ScenarioFile {
    /// Checks every village, grid, camera and worker the file names against the township; every
    /// reference that does not resolve is reported, or none.
    pub fn resolve(&self, catalogue: &Catalogue) -> Result<Scenario, ScenarioErrors> {
        let mut errors = Vec::new();
        let mut injects = Vec::new();
        for raw in &self.injects {
            let before = errors.len();
            let mut error = |column: Column, detail: String| {
                errors.push(RowError::cell(raw.row, self.header(column), detail));
            };
            let village = catalogue.village(&raw.village).map_err(|d| error(Column::Village, d)).ok();
            let grid = match (&raw.grid, village) {
                (Some(grid), Some(village)) => {
                    catalogue.grid_in(grid, village).map_err(|d| error(Column::Grid, d)).ok()
                }
                _ => None,
            };
            let camera = match (&raw.camera, village) {
                (Some(camera), Some(village)) => {
                    catalogue.camera_in(camera, village).map_err(|d| error(Column::Camera, d)).ok()
                }
                (Some(camera), None) => {
                    catalogue.camera(camera).map(|c| c.id.clone()).map_err(|d| error(Column::Camera, d)).ok()
                }
                (None, _) => None,
            };
            let worker = raw.worker.as_ref().and_then(|w| {
                catalogue.worker(w).map(|w| w.id.clone()).map_err(|d| error(Column::Worker, d)).ok()
            });
            if errors.len() > before {
                continue;
            }
            let Some(village) = village else { continue };
            injects.push(Inject {
                seq: raw.seq,
                offset: raw.offset,
                kind: raw.kind,
                village_code: village.code.clone(),
                grid,
                camera_id: camera,
                worker_id: worker,
                category: raw.category,
                severity: raw.severity,
                content: raw.content.clone(),
                expected: raw.expected.clone(),
                objective: raw.objective.clone(),
                row: raw.row,
            });
        }
        if !errors.is_empty() {
            return Err(ScenarioErrors::from_unsorted(errors));
        }
        Ok(Scenario {
            title: self.title.clone(),
            description: self.description.clone(),
            author: self.author.clone(),
            injects,
        })
    }
}

impl Scenario {
    /// Moves injects from one village to another (`--villages 原=新,…`), so that one scenario can be run
    /// in different villages year after year. Each original and each new village must be in the
    /// catalogue and each original must be used by the scenario; the pairs apply at once, so `甲=乙,乙=甲`
    /// swaps. A grid or camera of the original village moves to the one at the same place in the new
    /// village (the same code or id under the new village's code, or the name with the new village's
    /// name); a grid with no counterpart is dropped, leaving the inject at village level, while a camera
    /// with no counterpart is an error, since an alert cannot come from nowhere. All or nothing.
    pub fn remap_villages(
        &mut self,
        mapping: &[(String, String)],
        catalogue: &Catalogue,
    ) -> Result<(), ScenarioErrors> {
        let mut errors = Vec::new();
        let mut codes: BTreeMap<String, &CatalogueVillage> = BTreeMap::new();
        for (original, new) in mapping {
            let from = catalogue
                .village(original)
                .map_err(|d| RowError::file(format!("--villages 的原村“{original}”：{d}")));
            let to =
                catalogue.village(new).map_err(|d| RowError::file(format!("--villages 的新村“{new}”：{d}")));
            match (from, to) {
                (Ok(from), Ok(to)) => {
                    if !self.injects.iter().any(|i| i.village_code == from.code) {
                        errors.push(RowError::file(format!(
                            "演练脚本中没有用到村（社区）“{original}”，无法替换"
                        )));
                    } else if codes.insert(from.code.clone(), to).is_some() {
                        errors.push(RowError::file(format!("--villages 中“{original}”出现了不止一次")));
                    }
                }
                (from, to) => errors.extend(from.err().into_iter().chain(to.err())),
            }
        }
        if !errors.is_empty() {
            return Err(ScenarioErrors::from_unsorted(errors));
        }

        let mut injects = self.injects.clone();
        for inject in &mut injects {
            let Some(&to) = codes.get(&inject.village_code) else { continue };
            let from_code = std::mem::replace(&mut inject.village_code, to.code.clone());
            let from_name = catalogue.village_name(&from_code).to_string();
            inject.grid = inject.grid.take().and_then(|grid| {
                let moved = grid.strip_prefix(&from_code).map(|rest| format!("{}{rest}", to.code))?;
                catalogue.grids.iter().any(|g| g.code == moved && g.village_code == to.code).then_some(moved)
            });
            let Some(camera_id) = inject.camera_id.clone() else { continue };
            let Some(camera) = catalogue.cameras.iter().find(|c| c.id == camera_id) else { continue };
            if camera.village_code.as_deref() != Some(from_code.as_str()) {
                continue;
            }
            let by_id = camera.id.replacen(&from_code, &to.code, 1);
            let by_name = camera.name.strip_prefix(&from_name).map(|rest| format!("{}{rest}", to.name));
            let counterpart = catalogue.cameras.iter().find(|c| {
                c.village_code.as_deref() == Some(to.code.as_str())
                    && (c.id == by_id || by_name.as_deref() == Some(c.name.as_str()))
            });
            match counterpart {
                Some(moved) => inject.camera_id = Some(moved.id.clone()),
                None => errors.push(RowError::cell(
                    inject.row,
                    Column::Camera.header_zh(),
                    format!(
                        "换到{}后找不到与“{}”对应的摄像头，请在脚本中为该村指定摄像头",
                        to.name, camera.name
                    ),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(ScenarioErrors::from_unsorted(errors));
        }
        self.injects = injects;
        Ok(())
    }
}

/// Reads `原=新,原2=新2` (the argument of `--villages`), with ASCII or full-width commas and equals signs.
pub fn parse_village_mapping(text: &str) -> Result<Vec<(String, String)>, ScenarioErrors> {
    let mut pairs = Vec::new();
    let mut errors = Vec::new();
    for part in text.split([',', '，']).map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once(['=', '＝']) {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                pairs.push((from.trim().to_string(), to.trim().to_string()));
            }
            _ => errors.push(RowError::file(format!(
                "无法解读“{part}”，村（社区）替换应写成 原村=新村，多对用逗号分隔"
            ))),
        }
    }
    if pairs.is_empty() && errors.is_empty() {
        errors.push(RowError::file("村（社区）替换为空，应写成 原村=新村，多对用逗号分隔"));
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors::from_unsorted(errors));
    }
    Ok(pairs)
}
