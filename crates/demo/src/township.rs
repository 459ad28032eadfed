//! The demo township: a real township of Guigang with its real villages and codes, generated grids below
//! them, registers, the grid force, cameras, and a year of events that went through the closed loop.
//!
//! Everything is deterministic for a seed and the station's clock. The history is produced by the core's
//! own state machine, step by step with sampled timings, so that its audit trail and statistics are those
//! a real centre would have.

use chrono::{DateTime, Duration, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use redgrid_core::camera::Camera;
use redgrid_core::closed_loop::{self, Actor, Command, Event, LoopContext, NewEvent, Role, Transition};
use redgrid_core::event::{Category, DisputeKind, Evaluation, Outcome, Severity, Source};
use redgrid_core::grid::{DedicatedKind, Grid, GridCode, GridKind, LevelScheme};
use redgrid_core::register::{id_number_check_char, CareTag, Household, KeyPlace, KeyPlaceKind, Resident};
use redgrid_core::time_limit::{Mode, TimeLimitPolicy, WorkCalendar};
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, ForceRole, NKind, ThreeKind, Worker};
use redgrid_store::FeedEntity;
use redgrid_store::{Account, AuditEntry, GridRecord, WorkerRecord};

use crate::names;
use redgrid_api::divisions::{short_village_name, Divisions, GUIGANG};
use redgrid_api::{audit_entry, stable_hash, ApiError, Result, Station};

/// The password of every demo account; printed by `redgrid demo seed`.
pub use redgrid_api::DEMO_PASSWORD;

#[derive(Clone)]
pub struct DemoConfig {
    /// 9-digit township code; 港北区大圩镇 by default.
    pub township_code: String,
    pub seed: u64,
    pub history_days: i64,
    /// Mean events reported per day (Guigang: about 192,000 a year over 74 townships).
    pub events_per_day: f64,
    /// Share of events left stalled part-way through the loop (open and, in time, overdue).
    pub stall_fraction: f64,
    /// Only events reported within this many days may stall: a centre clears older work.
    pub stall_window_days: i64,
    /// Events simulated and written per transaction.
    pub chunk_events: usize,
    /// Called after each chunk with (events written, events in all).
    pub progress: Option<std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>>,
}

impl std::fmt::Debug for DemoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoConfig")
            .field("township_code", &self.township_code)
            .field("seed", &self.seed)
            .field("history_days", &self.history_days)
            .field("events_per_day", &self.events_per_day)
            .field("stall_fraction", &self.stall_fraction)
            .finish_non_exhaustive()
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            township_code: "450802101".into(),
            seed: 1,
            history_days: 365,
            events_per_day: 7.0,
            stall_fraction: 0.1,
            stall_window_days: 12,
            chunk_events: 20_000,
            progress: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub id: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub township_code: String,
    pub township_name: String,
    pub county_name: String,
    pub villages: usize,
    pub grids: usize,
    pub households: usize,
    pub residents: usize,
    pub key_places: usize,
    pub workers: usize,
    pub full_time_workers: usize,
    pub cameras: usize,
    pub events: usize,
    pub open_events: usize,
    pub drill_events: usize,
    pub accounts: Vec<DemoAccount>,
}

pub(crate) type Point = (f64, f64);

/// A convex quadrilateral: corners in order (south-west, south-east, north-east, north-west).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quad(pub(crate) [Point; 4]);

impl Quad {
    /// The point at (u, v) in the unit square mapped bilinearly onto the quad.
    pub(crate) fn at(&self, u: f64, v: f64) -> Point {
        let [sw, se, ne, nw] = self.0;
        let south = (sw.0 + (se.0 - sw.0) * u, sw.1 + (se.1 - sw.1) * u);
        let north = (nw.0 + (ne.0 - nw.0) * u, nw.1 + (ne.1 - nw.1) * u);
        (south.0 + (north.0 - south.0) * v, south.1 + (north.1 - south.1) * v)
    }

    fn sub(&self, u0: f64, u1: f64, v0: f64, v1: f64) -> Quad {
        Quad([self.at(u0, v0), self.at(u1, v0), self.at(u1, v1), self.at(u0, v1)])
    }

    pub(crate) fn centre(&self) -> Point {
        self.at(0.5, 0.5)
    }

    /// Splits into `n` quads that tile this one: rows of nearly equal counts.
    pub(crate) fn split(&self, n: usize) -> Vec<Quad> {
        let rows = ((n as f64).sqrt().round() as usize).max(1);
        let mut out = Vec::with_capacity(n);
        for r in 0..rows {
            let in_row = n / rows + usize::from(r < n % rows);
            let (v0, v1) = (r as f64 / rows as f64, (r + 1) as f64 / rows as f64);
            for c in 0..in_row {
                out.push(self.sub(c as f64 / in_row as f64, (c + 1) as f64 / in_row as f64, v0, v1));
            }
        }
        out
    }

    pub(crate) fn geojson(&self) -> String {
        polygon_geojson(&self.0)
    }
}

/// A GeoJSON polygon from an open ring (the first point is repeated at the end to close it).
pub(crate) fn polygon_geojson(ring: &[Point]) -> String {
    let points: Vec<String> =
        ring.iter().chain(ring.first()).map(|(x, y)| format!("[{x:.6},{y:.6}]")).collect();
    format!("{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}", points.join(","))
}

/// Metres to degrees near Guigang's latitude.
pub(crate) fn offset(from: Point, east_km: f64, north_km: f64) -> Point {
    let lat = from.1 + north_km / 111.0;
    let lon = from.0 + east_km / (111.0 * from.1.to_radians().cos());
    (lon, lat)
}

/// Where a township's centre lies: a stable direction and distance from its county centre.
pub fn township_centre(county_centre: Point, township_code: &str) -> Point {
    let h = stable_hash(township_code);
    let angle = (h % 3600) as f64 / 3600.0 * std::f64::consts::TAU;
    let distance = 6.0 + ((h / 3600) % 1400) as f64 / 100.0;
    offset(county_centre, distance * angle.cos(), distance * angle.sin())
}

/// A village in the generated layout.
pub(crate) struct VillagePlan {
    pub(crate) code: GridCode,
    pub(crate) name: String,
    pub(crate) quad: Quad,
    pub(crate) small: Vec<SmallPlan>,
}

pub(crate) struct SmallPlan {
    pub(crate) code: GridCode,
    pub(crate) name: String,
    pub(crate) quad: Quad,
    pub(crate) micro: Vec<(GridCode, Quad)>,
}

pub(crate) fn load_calendar() -> WorkCalendar {
    redgrid_api::calendar::shipped_calendar()
}

fn exp_minutes(rng: &mut impl Rng, mean: f64) -> i64 {
    let u: f64 = rng.gen_range(0.0..1.0);
    (-(1.0 - u).ln() * mean).round().max(1.0) as i64
}

fn pick_weighted<T: Copy>(rng: &mut impl Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

const CATEGORY_WEIGHTS: &[(Category, u32)] = &[
    (Category::Dispute(DisputeKind::LandForestWater), 9),
    (Category::Dispute(DisputeKind::Neighbours), 10),
    (Category::Dispute(DisputeKind::Family), 6),
    (Category::Dispute(DisputeKind::LabourWages), 4),
    (Category::Dispute(DisputeKind::Other), 2),
    (Category::PublicOrder, 11),
    (Category::Safety, 10),
    (Category::Fire, 3),
    (Category::Livelihood, 15),
    (Category::Environment, 6),
    (Category::MedicalInsurance, 5),
    (Category::Weather, 3),
    (Category::Petition, 4),
    (Category::AntiFraud, 4),
    (Category::AntiDrug, 1),
    (Category::AntiCult, 1),
];

fn title_for(rng: &mut impl Rng, category: Category, place: &str) -> String {
    let options: &[&str] = match category {
        Category::Dispute(DisputeKind::LandForestWater) => &[
            "{p}两户村民因宅基地界址发生争执",
            "{p}村民因林地边界问题产生纠纷",
            "{p}农田灌溉用水分配引发纠纷",
        ],
        Category::Dispute(DisputeKind::Neighbours) => {
            &["{p}邻里因排水沟堵塞发生口角", "{p}村民因建房遮挡采光起纠纷", "{p}邻里因饲养家禽扰民产生矛盾"]
        }
        Category::Dispute(DisputeKind::Family) => {
            &["{p}一户家庭因赡养老人问题发生纠纷", "{p}夫妻因家庭琐事争吵需调解"]
        }
        Category::Dispute(DisputeKind::LabourWages) => {
            &["{p}务工人员反映工地拖欠工资", "{p}村民反映农机作业款未结清"]
        }
        Category::Dispute(DisputeKind::Other) => &["{p}村民因车辆刮擦发生纠纷", "{p}商户因摊位占道发生争执"],
        Category::PublicOrder => {
            &["{p}夜间有人聚集饮酒喧哗", "{p}发现可疑人员在村道徘徊", "{p}集市有人群聚集争吵"]
        }
        Category::Safety => &["{p}危房外墙出现裂缝存在隐患", "{p}村道旁电线杆倾斜", "{p}山塘堤坝出现渗水"],
        Category::Fire => &["{p}田间焚烧秸秆冒烟", "{p}一处杂物堆起火", "{p}民房厨房起火已扑灭需核查"],
        Category::Livelihood => {
            &["{p}独居老人反映生活困难需帮扶", "{p}路灯损坏影响夜间出行", "{p}自来水管爆裂停水"]
        }
        Category::Environment => &["{p}河道漂浮垃圾较多", "{p}养殖场污水外排", "{p}垃圾收集点清运不及时"],
        Category::MedicalInsurance => &["{p}村民咨询城乡居民医保缴费", "{p}老人异地就医备案需协助办理"],
        Category::Weather => &["{p}强降雨导致村道积水", "{p}大风吹倒树木阻断道路"],
        Category::Petition => &["{p}村民反映征地补偿问题", "{p}群众反映道路硬化工程质量问题"],
        Category::AntiFraud => &["{p}老人接到冒充公检法电话", "{p}村民疑似遭遇刷单诈骗"],
        Category::AntiDrug => &["{p}群众举报疑似吸毒人员"],
        Category::AntiCult => &["{p}发现散发邪教宣传品"],
    };
    options[rng.gen_range(0..options.len())].replace("{p}", place)
}

/// The demo's sign-in accounts, one per role and three duty officers; all use [`DEMO_PASSWORD`].
pub(crate) fn demo_accounts() -> Vec<DemoAccount> {
    vec![
        DemoAccount { id: "duty1".into(), name: "黄志明".into(), role: Role::DutyOfficer },
        DemoAccount { id: "duty2".into(), name: "韦丽娟".into(), role: Role::DutyOfficer },
        DemoAccount { id: "duty3".into(), name: "覃建国".into(), role: Role::DutyOfficer },
        DemoAccount { id: "commissioner".into(), name: "梁文华".into(), role: Role::Commissioner },
        DemoAccount { id: "leader".into(), name: "陈永福".into(), role: Role::Leader },
        DemoAccount { id: "admin".into(), name: "系统管理员".into(), role: Role::Administrator },
    ]
}

/// Builds the demo township into an empty station and returns what it made.
pub async fn seed(station: &Station, config: &DemoConfig) -> Result<DemoSummary> {
    let store = station.store();
    let (existing_events, _) = store.count_events().await?;
    if existing_events > 0 || store.grid_count().await? > 0 {
        return Err(ApiError::Invalid("该数据库已有数据：演示数据只能写入新的数据库".into()));
    }
    let divisions = Divisions::parse(GUIGANG).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let township = divisions
        .townships
        .get(&config.township_code)
        .ok_or_else(|| ApiError::Invalid(format!("区划文件中没有乡镇代码 {}", config.township_code)))?
        .clone();
    let county = divisions.counties.get(&township.county_code).cloned();
    let villages: Vec<_> = divisions.villages_of(&township.code).cloned().collect();
    if villages.is_empty() {
        return Err(ApiError::Invalid(format!("乡镇 {} 没有村（社区）", township.name)));
    }
    let scheme = LevelScheme::guigang();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&township.code));
    let centre = township_centre(
        divisions.county_centre(&township.code).unwrap_or((109.598926, 23.11153)),
        &township.code,
    );

    // Villages tile a jittered lattice around the township centre.
    let cols = ((villages.len() as f64 * 1.3).sqrt().ceil() as usize).max(1);
    let rows = villages.len().div_ceil(cols);
    let cell_km = 3.2;
    let mut lattice = vec![vec![(0.0, 0.0); cols + 1]; rows + 1];
    for (r, row) in lattice.iter_mut().enumerate() {
        for (c, point) in row.iter_mut().enumerate() {
            let interior = r > 0 && r < rows && c > 0 && c < cols;
            let jitter = if interior { cell_km * 0.28 } else { cell_km * 0.12 };
            let east = (c as f64 - cols as f64 / 2.0) * cell_km + rng.gen_range(-jitter..=jitter);
            let north = (r as f64 - rows as f64 / 2.0) * cell_km + rng.gen_range(-jitter..=jitter);
            *point = offset(centre, east, north);
        }
    }
    let township_code =
        GridCode::parse(&township.code, &scheme).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let mut outline: Vec<Point> = Vec::new();
    outline.extend((0..=cols).map(|c| lattice[0][c]));
    outline.extend((1..=rows).map(|r| lattice[r][cols]));
    outline.extend((0..cols).rev().map(|c| lattice[rows][c]));
    outline.extend((1..rows).rev().map(|r| lattice[r][0]));
    let mut grids = vec![GridRecord {
        grid: Grid {
            code: township_code.clone(),
            name: township.name.clone(),
            kind: GridKind::Comprehensive,
        },
        lon: Some(centre.0),
        lat: Some(centre.1),
        boundary: Some(polygon_geojson(&outline)),
    }];

    let mut plans = Vec::new();
    for (i, village) in villages.iter().enumerate() {
        let (r, c) = (i / cols, i % cols);
        let quad = Quad([lattice[r][c], lattice[r][c + 1], lattice[r + 1][c + 1], lattice[r + 1][c]]);
        let code = GridCode::parse(&village.code, &scheme).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let name = short_village_name(&village.name);
        let community = name.ends_with("社区");
        let small_count = rng.gen_range(if community { 4..=7 } else { 6..=10 });
        let mut small = Vec::new();
        for (s, small_quad) in quad.split(small_count).into_iter().enumerate() {
            let small_code =
                code.child(s as u32 + 1, &scheme).map_err(|e| ApiError::Invalid(e.to_string()))?;
            let micro_count = rng.gen_range(3..=5);
            let micro = small_quad
                .split(micro_count)
                .into_iter()
                .enumerate()
                .map(|(m, q)| {
                    Ok((
                        small_code
                            .child(m as u32 + 1, &scheme)
                            .map_err(|e| ApiError::Invalid(e.to_string()))?,
                        q,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let small_name = if community {
                format!("{name}第{}网格", s + 1)
            } else {
                format!("{name}第{}村民小组", s + 1)
            };
            small.push(SmallPlan { code: small_code, name: small_name, quad: small_quad, micro });
        }
        plans.push(VillagePlan { code, name, quad, small });
    }

    let mut households = Vec::new();
    let mut residents = Vec::new();
    let mut key_places = Vec::new();
    let mut household_grid_count = 0usize;
    let mut used_ids = std::collections::HashSet::new();
    let county_prefix = &township.code[..6];
    for village in &plans {
        grids.push(GridRecord {
            grid: Grid {
                code: village.code.clone(),
                name: village.name.clone(),
                kind: GridKind::Comprehensive,
            },
            lon: Some(village.quad.centre().0),
            lat: Some(village.quad.centre().1),
            boundary: Some(village.quad.geojson()),
        });
        for small in &village.small {
            grids.push(GridRecord {
                grid: Grid {
                    code: small.code.clone(),
                    name: small.name.clone(),
                    kind: GridKind::Comprehensive,
                },
                lon: Some(small.quad.centre().0),
                lat: Some(small.quad.centre().1),
                boundary: Some(small.quad.geojson()),
            });
            for (m, (micro_code, micro_quad)) in small.micro.iter().enumerate() {
                grids.push(GridRecord {
                    grid: Grid {
                        code: micro_code.clone(),
                        name: format!("{}第{}微网格", small.name, m + 1),
                        kind: GridKind::Comprehensive,
                    },
                    lon: Some(micro_quad.centre().0),
                    lat: Some(micro_quad.centre().1),
                    boundary: Some(micro_quad.geojson()),
                });
                for h in 0..rng.gen_range(8..=18u32) {
                    let household_code =
                        micro_code.child(h + 1, &scheme).map_err(|e| ApiError::Invalid(e.to_string()))?;
                    let spot = micro_quad.at(rng.gen_range(0.1..0.9), rng.gen_range(0.1..0.9));
                    let male = rng.gen_bool(0.8);
                    let head = names::person_name(&mut rng, male);
                    let surname = names::surname_of(&head).to_string();
                    let address = format!(
                        "{}{}{}号",
                        village.name,
                        small.name.trim_start_matches(&village.name),
                        h + 1
                    );
                    grids.push(GridRecord {
                        grid: Grid {
                            code: household_code.clone(),
                            name: format!("{head}户"),
                            kind: GridKind::Comprehensive,
                        },
                        lon: Some(spot.0),
                        lat: Some(spot.1),
                        boundary: None,
                    });
                    household_grid_count += 1;
                    let household_id = format!("H{household_code}");
                    households.push(Household {
                        id: household_id.clone(),
                        grid: household_code.clone(),
                        address,
                        head_name: head.clone(),
                    });
                    let members = rng.gen_range(1..=5);
                    for p in 0..members {
                        let (name, age) = match p {
                            0 => (head.clone(), rng.gen_range(30..85)),
                            1 => (names::with_surname(&mut rng, &surname, false), rng.gen_range(28..80)),
                            _ => {
                                let male = rng.gen_bool(0.5);
                                (names::with_surname(&mut rng, &surname, male), rng.gen_range(1..40))
                            }
                        };
                        let birth_year = 2026 - age;
                        let mut first17 = format!(
                            "{county_prefix}{birth_year}{:02}{:02}{:03}",
                            rng.gen_range(1..=12),
                            rng.gen_range(1..=28),
                            rng.gen_range(0..1000)
                        );
                        // Identity numbers are unique; draw again on the rare collision.
                        while !used_ids.insert(first17.clone()) {
                            first17 = format!("{}{:03}", &first17[..14], rng.gen_range(0..1000));
                        }
                        let check = id_number_check_char(&first17).expect("17 digits");
                        let mut care_tags = Vec::new();
                        if members == 1 && age >= 70 {
                            care_tags.push(CareTag::ElderlyAlone);
                        }
                        if age < 16 && rng.gen_bool(0.35) {
                            care_tags.push(CareTag::LeftBehindChild);
                        }
                        if rng.gen_bool(0.02) {
                            care_tags.push(CareTag::Disabled);
                        }
                        if rng.gen_bool(0.03) {
                            care_tags.push(CareTag::LowIncome);
                        }
                        if age >= 18 && rng.gen_bool(0.003) {
                            care_tags.push(CareTag::CommunityCorrection);
                        }
                        if age >= 18 && rng.gen_bool(0.003) {
                            care_tags.push(CareTag::SevereMentalIllness);
                        }
                        residents.push(Resident {
                            id_number: format!("{first17}{check}"),
                            name,
                            household_id: household_id.clone(),
                            grid: household_code.clone(),
                            phone: names::mobile(&mut rng),
                            care_tags,
                        });
                    }
                }
            }
        }
        for (k, kind) in [
            KeyPlaceKind::School,
            KeyPlaceKind::RentalHousing,
            KeyPlaceKind::Reservoir,
            KeyPlaceKind::HazardousSite,
        ]
        .into_iter()
        .enumerate()
        {
            if k > 0 && !rng.gen_bool(0.5) {
                continue;
            }
            let small = &village.small[rng.gen_range(0..village.small.len())];
            let spot = small.quad.at(rng.gen_range(0.2..0.8), rng.gen_range(0.2..0.8));
            let name = match kind {
                KeyPlaceKind::School => format!("{}小学", village.name.trim_end_matches(['村', '社', '区'])),
                KeyPlaceKind::RentalHousing => format!("{}出租屋", small.name),
                KeyPlaceKind::Reservoir => format!("{}山塘", village.name),
                _ => format!("{}加油站", village.name),
            };
            key_places.push(KeyPlace {
                id: format!("P{}{:02}", village.code, k + 1),
                name,
                kind,
                grid: small.code.clone(),
                address: format!("{}{}", township.name, village.name),
                contact_phone: names::mobile(&mut rng),
                lon: spot.0,
                lat: spot.1,
            });
        }
    }

    // Dedicated grids: the township's market, central school, health centre and an enterprise, under the
    // township-seat village (the first community, or the first village).
    let seat = plans.iter().find(|v| v.name.ends_with("社区")).unwrap_or(&plans[0]);
    let mut market_code = None;
    for (d, (kind, name)) in [
        (DedicatedKind::Market, format!("{}集贸市场", township.name)),
        (DedicatedKind::School, format!("{}中心学校", township.name)),
        (DedicatedKind::Hospital, format!("{}卫生院", township.name)),
        (DedicatedKind::Enterprise, format!("{}工业园企业", township.name)),
    ]
    .into_iter()
    .enumerate()
    {
        let code = seat.code.child(901 + d as u32, &scheme).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let spot = seat.quad.at(0.3 + 0.15 * d as f64, 0.45);
        let square = Quad([
            offset(spot, -0.15, -0.1),
            offset(spot, 0.15, -0.1),
            offset(spot, 0.15, 0.1),
            offset(spot, -0.15, 0.1),
        ]);
        if kind == DedicatedKind::Market {
            market_code = Some(code.clone());
        }
        grids.push(GridRecord {
            grid: Grid { code, name, kind: GridKind::Dedicated(kind) },
            lon: Some(spot.0),
            lat: Some(spot.1),
            boundary: Some(square.geojson()),
        });
    }

    // The grid force: per village one full-time worker and a police officer; per small grid a village
    // cadre as grid leader and a patrol member; a few of the "N" per village.
    let mut workers = Vec::new();
    let mut serial = 0;
    let mut add_worker = |rng: &mut ChaCha8Rng,
                          employment: Employment,
                          group: ForceGroup,
                          roles: Vec<ForceRole>,
                          skills: Vec<BusinessLine>,
                          grids: Vec<GridCode>,
                          at: Point| {
        serial += 1;
        let id = format!("W{}{:04}", &township.code[6..], serial);
        let male = rng.gen_bool(0.6);
        workers.push(WorkerRecord {
            worker: Worker {
                name: names::person_name(rng, male),
                phone: names::mobile(rng),
                employment,
                group,
                roles,
                skills,
                grids,
                party_member: rng.gen_bool(if employment == Employment::FullTime { 0.7 } else { 0.35 }),
                // Some part-time workers use the OwnTracks app on their own phones instead of the
                // station's terminal app; their OwnTracks user name is not their worker id.
                owntracks_user: (employment == Employment::PartTime && serial % 3 == 0)
                    .then(|| format!("gw{serial:04}")),
                id,
            },
            on_duty: employment == Employment::FullTime || rng.gen_bool(0.5),
            lon: Some(offset(at, rng.gen_range(-0.3..0.3), rng.gen_range(-0.3..0.3)).0),
            lat: Some(offset(at, rng.gen_range(-0.3..0.3), rng.gen_range(-0.3..0.3)).1),
        });
    };
    use BusinessLine::*;
    for village in &plans {
        let all_small: Vec<GridCode> = village.small.iter().map(|s| s.code.clone()).collect();
        let mut village_grids = vec![village.code.clone()];
        village_grids.extend(all_small.iter().cloned());
        let mut skills =
            vec![Mediation, PublicOrder, Livelihood, FireSafety, Emergency, AntiFraud, MedicalInsurance];
        skills.shuffle(&mut rng);
        skills.truncate(5);
        skills.sort();
        add_worker(
            &mut rng,
            Employment::FullTime,
            ForceGroup::One,
            vec![ForceRole::GridWorker, ForceRole::Mediator],
            skills,
            village_grids.clone(),
            village.quad.centre(),
        );
        add_worker(
            &mut rng,
            Employment::PartTime,
            ForceGroup::Three(ThreeKind::Police),
            vec![ForceRole::GridWorker],
            vec![PublicOrder, AntiDrug, AntiFraud, AntiCult, Petition],
            village_grids.clone(),
            village.quad.centre(),
        );
        for small in &village.small {
            add_worker(
                &mut rng,
                Employment::PartTime,
                ForceGroup::Three(ThreeKind::VillageCadre),
                vec![ForceRole::GridLeader, ForceRole::VillagerGroupLeader],
                vec![Mediation, Petition, Livelihood, MedicalInsurance, Environment],
                vec![small.code.clone()],
                small.quad.centre(),
            );
            add_worker(
                &mut rng,
                Employment::PartTime,
                ForceGroup::Three(ThreeKind::Patrol),
                vec![ForceRole::GridWorker, ForceRole::SecurityHouseholdHead],
                vec![PublicOrder, FireSafety, Emergency, WorkSafety],
                vec![small.code.clone()],
                small.quad.centre(),
            );
        }
        for (kind, skills) in [
            (NKind::Volunteer, vec![Livelihood, Environment, Emergency]),
            (NKind::SocialWorker, vec![Livelihood, Mediation, MedicalInsurance]),
            (NKind::VillageElite, vec![Mediation]),
            (NKind::Courier, vec![PublicOrder]),
        ] {
            if rng.gen_bool(0.7) {
                let small = &village.small[rng.gen_range(0..village.small.len())];
                add_worker(
                    &mut rng,
                    Employment::PartTime,
                    ForceGroup::N(kind),
                    vec![ForceRole::GridWorker],
                    skills,
                    vec![small.code.clone()],
                    small.quad.centre(),
                );
            }
        }
    }

    let mut cameras = Vec::new();
    let pinyin_stub = format!("t{}", &township.code[6..]);
    for (v, village) in plans.iter().enumerate() {
        for k in 0..rng.gen_range(2..=3) {
            let small = &village.small[rng.gen_range(0..village.small.len())];
            let spot = small.quad.at(rng.gen_range(0.2..0.8), rng.gen_range(0.2..0.8));
            let label = ["村口", "村委会门前", "文化广场", "河边路段"][k % 4];
            cameras.push(Camera {
                id: format!("C{}{:02}", village.code, k + 1),
                nvr_name: format!("{pinyin_stub}_v{:02}_cam{}", v + 1, k + 1),
                name: format!("{}{}", village.name, label),
                grid: small.code.clone(),
                lon: spot.0,
                lat: spot.1,
            });
        }
    }
    if let Some(market) = &market_code {
        let at = grids
            .iter()
            .find(|g| &g.grid.code == market)
            .and_then(|g| Some((g.lon?, g.lat?)))
            .unwrap_or(centre);
        for (k, label) in ["集贸市场东门", "集贸市场西门", "集贸市场中心"].into_iter().enumerate()
        {
            cameras.push(Camera {
                id: format!("C{}M{}", market, k + 1),
                nvr_name: format!("{pinyin_stub}_market_{}", k + 1),
                name: format!("{}{}", township.name, label),
                grid: market.clone(),
                lon: at.0 + 0.0008 * k as f64,
                lat: at.1,
            });
        }
    }

    let accounts = demo_accounts();
    let policy = TimeLimitPolicy::standard();
    let calendar = load_calendar();
    let now = station.now();
    let admin = Actor {
        id: "admin".into(),
        name: "系统管理员".into(),
        role: Role::Administrator,
        station: station.station_id().into(),
    };

    let mut tx = store.begin_write().await?;
    tx.save_level_scheme(&scheme).await?;
    tx.upsert_grids(&grids, &scheme).await?;
    tx.upsert_households(&households).await?;
    tx.upsert_residents(&residents).await?;
    tx.upsert_key_places(&key_places).await?;
    tx.upsert_workers(&workers).await?;
    tx.upsert_cameras(&cameras).await?;
    write_rules_and_accounts(&mut tx, &accounts, &policy, &calendar, now).await?;
    tx.set_setting("township", &township.code, now).await?;
    tx.append_audit(&redgrid_api::station_audit(
        &admin,
        now,
        "demo_seed",
        None,
        format!(
            "生成演示数据：{}，村（社区）{} 个，网格 {} 个，居民 {} 人，网格员 {} 人",
            township.name,
            plans.len(),
            grids.len(),
            residents.len(),
            workers.len()
        ),
    ))
    .await?;
    tx.append_feed(now, FeedEntity::Register, "all", "seeded", 0).await?;
    tx.commit().await?;
    station.reload_rules().await?;

    let history = History {
        stall_fraction: config.stall_fraction,
        stall_window_days: config.stall_window_days,
        market: market_code.clone(),
        ..History::new(&plans, &workers, &accounts, &policy, &calendar, station.station_id(), now)
    };
    let reports = history.report_times(&mut rng, now, config);
    let mut counts = (0usize, 0usize, 0usize);
    // In chunks, so that a city-scale history never has to sit in memory whole; within a chunk the audit
    // records are appended in the order things happened.
    for (chunk_index, chunk) in reports.chunks(config.chunk_events.max(1)).enumerate() {
        let base = chunk_index * config.chunk_events.max(1);
        let mut events = Vec::with_capacity(chunk.len());
        let mut entries: Vec<(DateTime<Utc>, usize, AuditEntry)> = Vec::new();
        for (offset, &(reported_at, drill)) in chunk.iter().enumerate() {
            let (event, steps) = history.one_event(&mut rng, base + offset, reported_at, drill);
            for (actor, transition, at) in steps {
                entries.push((at, offset, audit_entry(&actor, &transition, at)));
            }
            events.push(event);
        }
        write_events(station, &scheme, now, &events, entries).await?;
        counts.0 += events.len();
        counts.1 += events.iter().filter(|e| e.is_open() && !e.drill).count();
        counts.2 += events.iter().filter(|e| e.drill).count();
        if let Some(progress) = &config.progress {
            progress(counts.0, reports.len());
        }
    }

    store.maintain().await?;
    Ok(DemoSummary {
        township_code: township.code.clone(),
        township_name: township.name.clone(),
        county_name: county.map(|c| c.name).unwrap_or_default(),
        villages: plans.len(),
        grids: grids.len(),
        households: households.len(),
        residents: residents.len(),
        key_places: key_places.len(),
        workers: workers.len(),
        full_time_workers: workers.iter().filter(|w| w.worker.employment == Employment::FullTime).count(),
        cameras: cameras.len(),
        events: counts.0,
        open_events: counts.1,
        drill_events: counts.2,
        accounts,
    })
    .inspect(|_| tracing::info!(households = household_grid_count, "demo township seeded"))
}

/// The demo accounts (each with [`DEMO_PASSWORD`]), the time-limit policy, the calendar and peacetime.
pub(crate) async fn write_rules_and_accounts(
    tx: &mut redgrid_store::WriteTx,
    accounts: &[DemoAccount],
    policy: &TimeLimitPolicy,
    calendar: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<()> {
    for account in accounts {
        let hash = redgrid_api::hash_password(DEMO_PASSWORD)?;
        tx.upsert_account(&Account::new(&account.id, &account.name, account.role.key(), hash)).await?;
    }
    tx.save_policy(policy).await?;
    tx.save_calendar(calendar).await?;
    tx.set_setting("mode", Mode::Peacetime.key(), now).await?;
    // The marker `--demo`, the simulator and the demo password look for: they refuse a database without it.
    tx.set_setting(redgrid_api::DEMO_MARKER, "1", now).await?;
    Ok(())
}

/// Writes simulated events with their audit trail and feed entries in one transaction. `entries` carry the
/// index of their event in `events`; they are appended in the order things happened.
pub(crate) async fn write_events(
    station: &Station,
    scheme: &LevelScheme,
    now: DateTime<Utc>,
    events: &[Event],
    mut entries: Vec<(DateTime<Utc>, usize, AuditEntry)>,
) -> Result<()> {
    let mut tx = station.store().begin_write().await?;
    let ids = tx.insert_events(events, scheme, "演示数据", now).await?;
    entries.sort_by_key(|(at, offset, _)| (*at, *offset));
    let entries: Vec<AuditEntry> = entries
        .into_iter()
        .map(|(_, offset, mut entry)| {
            entry.event_id = Some(ids[offset]);
            entry
        })
        .collect();
    tx.append_audit_batch(&entries).await?;
    let changes: Vec<(String, i64)> =
        ids.iter().zip(events).map(|(id, e)| (id.to_string(), e.version)).collect();
    tx.append_feed_batch(now, FeedEntity::Event, &changes, "seeded").await?;
    tx.commit().await?;
    Ok(())
}

/// Replays a year of the closed loop through the core state machine.
pub(crate) struct History<'a> {
    pub(crate) now: DateTime<Utc>,
    pub(crate) stall_fraction: f64,
    pub(crate) stall_window_days: i64,
    pub(crate) market: Option<GridCode>,
    places: Vec<(GridCode, String, Quad)>,
    workers: &'a [WorkerRecord],
    /// Workers by each grid they are responsible for: a city has 65,000 of them, too many to scan per event.
    by_grid: std::collections::HashMap<String, Vec<usize>>,
    officers: Vec<Actor>,
    leader: Actor,
    commissioner: Actor,
    policy: &'a TimeLimitPolicy,
    calendar: &'a WorkCalendar,
}

impl<'a> History<'a> {
    pub(crate) fn new(
        plans: &[VillagePlan],
        workers: &'a [WorkerRecord],
        accounts: &[DemoAccount],
        policy: &'a TimeLimitPolicy,
        calendar: &'a WorkCalendar,
        station: &str,
        now: DateTime<Utc>,
    ) -> History<'a> {
        let actor = |a: &DemoAccount| Actor {
            id: a.id.clone(),
            name: a.name.clone(),
            role: a.role,
            station: station.to_string(),
        };
        let places = plans
            .iter()
            .flat_map(|v| v.small.iter().map(|s| (s.code.clone(), s.name.clone(), s.quad)))
            .collect();
        let mut by_grid: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        for (i, w) in workers.iter().enumerate() {
            for g in &w.worker.grids {
                by_grid.entry(g.as_str().to_string()).or_default().push(i);
            }
        }
        History {
            by_grid,
            now,
            stall_fraction: 0.0,
            stall_window_days: 0,
            market: None,
            places,
            workers,
            officers: accounts.iter().filter(|a| a.role == Role::DutyOfficer).map(actor).collect(),
            leader: accounts.iter().find(|a| a.role == Role::Leader).map(actor).expect("demo has a leader"),
            commissioner: accounts
                .iter()
                .find(|a| a.role == Role::Commissioner)
                .map(actor)
                .expect("demo has a commissioner"),
            policy,
            calendar,
        }
    }

    fn worker_for(&self, rng: &mut impl Rng, grid: &GridCode, category: Category) -> Actor {
        let skill = category.required_skill();
        // Everyone responsible for the grid or a grid above it, in the order of the worker list.
        let code = grid.as_str();
        let mut indices: Vec<usize> =
            (1..=code.len()).filter_map(|len| self.by_grid.get(&code[..len])).flatten().copied().collect();
        indices.sort_unstable();
        indices.dedup();
        let local: Vec<&WorkerRecord> = indices.iter().map(|&i| &self.workers[i]).collect();
        let skilled: Vec<&&WorkerRecord> =
            local.iter().filter(|w| w.worker.skills.contains(&skill)).collect();
        let chosen = if !skilled.is_empty() {
            *skilled[rng.gen_range(0..skilled.len())]
        } else if !local.is_empty() {
            local[rng.gen_range(0..local.len())]
        } else {
            &self.workers[rng.gen_range(0..self.workers.len())]
        };
        let role = if chosen.worker.is_grid_leader() { Role::GridLeader } else { Role::GridWorker };
        Actor {
            id: chosen.worker.id.clone(),
            name: chosen.worker.name.clone(),
            role,
            station: format!("terminal-{}", chosen.worker.id),
        }
    }

    /// When events were reported, in order, and whether each belongs to the drill.
    fn report_times(
        &self,
        rng: &mut ChaCha8Rng,
        now: DateTime<Utc>,
        config: &DemoConfig,
    ) -> Vec<(DateTime<Utc>, bool)> {
        let start = now - Duration::days(config.history_days);
        let mut reports: Vec<(DateTime<Utc>, bool)> = Vec::new();
        let count = (config.events_per_day * config.history_days as f64).round() as usize;
        const HOURS: &[(i64, u32)] = &[
            (7, 3),
            (8, 6),
            (9, 9),
            (10, 10),
            (11, 8),
            (14, 8),
            (15, 9),
            (16, 8),
            (17, 6),
            (19, 4),
            (20, 4),
            (21, 3),
            (22, 2),
            (23, 1),
            (2, 1),
        ];
        for _ in 0..count {
            // More reports by day than at night: the local hour comes from a daytime-weighted table.
            let day = rng.gen_range(0..config.history_days.max(1));
            let hour = pick_weighted(rng, HOURS);
            let midnight = local_midnight(start) + Duration::days(day);
            let at = midnight + Duration::hours(hour) + Duration::minutes(rng.gen_range(0..60));
            if at < now && at >= start {
                reports.push((at, false));
            }
        }
        if config.history_days > 92 {
            // One flood drill about three months ago: injected items, never counted in real statistics.
            let drill_at = now - Duration::days(92);
            for k in 0..8 {
                reports.push((drill_at + Duration::minutes(4 * k), true));
            }
        }
        reports.sort();
        reports
    }

    #[allow(clippy::too_many_lines)]
    pub(crate) fn one_event(
        &self,
        rng: &mut ChaCha8Rng,
        index: usize,
        reported_at: DateTime<Utc>,
        drill: bool,
    ) -> (Event, Vec<(Actor, Transition, DateTime<Utc>)>) {
        let now = self.now;
        let market = self.market.as_ref();
        let ctx = LoopContext {
            policy: self.policy,
            calendar: self.calendar,
            pace: redgrid_core::time_limit::Pace::PEACETIME,
            worker_names: &[],
        };
        let (grid, place_name, quad) = self.places[rng.gen_range(0..self.places.len())].clone();
        let mut category = if drill { Category::Weather } else { pick_weighted(rng, CATEGORY_WEIGHTS) };
        let mut grid = grid;
        if category == Category::PublicOrder && rng.gen_bool(0.25) {
            if let Some(market) = market {
                grid = market.clone();
            }
        }
        if drill && rng.gen_bool(0.3) {
            category = Category::Safety;
        }
        let severity = if drill {
            Severity::Serious
        } else {
            pick_weighted(
                rng,
                &[
                    (Severity::General, 80),
                    (Severity::Serious, 15),
                    (Severity::Major, 4),
                    (Severity::Extreme, 1),
                ],
            )
        };
        let source = if drill {
            Source::Drill
        } else {
            pick_weighted(
                rng,
                &[
                    (Source::GridWorker, 50),
                    (Source::Resident, 15),
                    (Source::CameraAlert, 12),
                    (Source::Hotline, 12),
                    (Source::ByHand, 11),
                ],
            )
        };
        let spot = quad.at(rng.gen_range(0.1..0.9), rng.gen_range(0.1..0.9));
        let worker = self.worker_for(rng, &grid, category);
        let officer = self.officers[rng.gen_range(0..self.officers.len())].clone();
        // The history names the worker it dispatches, as a live dispatch does.
        let named = [(worker.id.clone(), worker.name.clone())];
        let ctx = LoopContext { worker_names: &named, ..ctx };
        let reporter = match source {
            Source::GridWorker => worker.clone(),
            Source::Drill => self.commissioner.clone(),
            Source::CameraAlert => officer.clone(),
            Source::ByHand | Source::Hotline => officer.clone(),
            Source::Resident => Actor {
                id: "resident".into(),
                name: "群众".into(),
                role: Role::Resident,
                station: "public".into(),
            },
        };
        let title = if drill {
            format!("【演练】{}", title_for(rng, category, &place_name))
        } else {
            title_for(rng, category, &place_name)
        };
        let new = NewEvent {
            title,
            description: String::new(),
            category,
            severity,
            source,
            grid,
            lon: Some(spot.0),
            lat: Some(spot.1),
            address: place_name.clone(),
            reporter: reporter.name.clone(),
            drill,
        };
        let mut steps: Vec<(Actor, Transition, DateTime<Utc>)> = Vec::new();
        let first = closed_loop::report(new, &reporter, reported_at, &ctx).expect("demo reports are valid");
        let mut event = first.event.clone();
        event.id = index as i64 + 1;
        let mut first = first;
        first.event.id = event.id;
        steps.push((reporter, first, reported_at));
        let mut at = reported_at;
        let slow = |rng: &mut ChaCha8Rng| if rng.gen_bool(0.05) { 6.0 } else { 1.0 };
        let urgent = severity >= Severity::Major || category == Category::Fire;

        // A stalled event stops after one of its steps and stays open, overdue: the work a centre has
        // left over. Which step is drawn once.
        let recent = reported_at > now - Duration::days(self.stall_window_days);
        let stall_after =
            (!drill && recent && rng.gen_bool(self.stall_fraction)).then(|| rng.gen_range(1..=6usize));
        // Each step: advance the clock, stop if that is in the future (the event stays open there).
        macro_rules! step {
            ($actor:expr, $command:expr, $mean:expr) => {{
                if stall_after.is_some_and(|n| steps.len() > n) {
                    return (event, steps);
                }
                let factor = slow(rng);
                at += Duration::minutes(exp_minutes(rng, $mean * factor));
                if at > now {
                    return (event, steps);
                }
                let actor: Actor = $actor;
                match closed_loop::apply(&event, $command, &actor, at, &ctx) {
                    Ok(t) => {
                        event = t.event.clone();
                        steps.push((actor, t, at));
                    }
                    Err(rejection) => {
                        tracing::warn!(%rejection, "demo history step refused");
                        return (event, steps);
                    }
                }
            }};
        }

        if !drill && rng.gen_bool(0.012) {
            step!(
                officer.clone(),
                Command::Reject { reason: "经核实不属于受理范围，已告知来电人".into() },
                10.0
            );
            return (event, steps);
        }
        step!(
            officer.clone(),
            Command::Accept { category: None, severity: None, grid: None },
            if urgent { 3.0 } else { 9.0 }
        );
        if !drill && rng.gen_bool(0.001) {
            step!(self.leader.clone(), Command::Void { reason: "重复登记，作废".into() }, 30.0);
            return (event, steps);
        }
        if !drill && rng.gen_bool(0.003) {
            step!(
                officer.clone(),
                Command::RequestEscalation { reason: "涉及多个乡镇，需县级协调".into() },
                20.0
            );
            step!(self.leader.clone(), Command::Approve { note: "同意提级".into() }, 30.0);
            return (event, steps);
        }
        let mut rounds = 0;
        loop {
            rounds += 1;
            step!(
                officer.clone(),
                Command::Dispatch { workers: vec![worker.id.clone()], note: String::new() },
                if urgent { 5.0 } else { 15.0 }
            );
            step!(worker.clone(), Command::Acknowledge, 4.0);
            step!(worker.clone(), Command::Arrive, if urgent { 12.0 } else { 30.0 });
            if !drill && rng.gen_bool(0.02) {
                step!(
                    worker.clone(),
                    Command::RequestExtension {
                        minutes: 24 * 60,
                        reason: "当事人外出务工，需等待返乡".into()
                    },
                    120.0
                );
                step!(self.leader.clone(), Command::Approve { note: String::new() }, 60.0);
            }
            if !drill && rng.gen_bool(0.05) {
                step!(officer.clone(), Command::Remind { note: "请抓紧处置并反馈".into() }, 240.0);
            }
            let handle_mean = match (urgent, category) {
                (true, _) => 60.0,
                (false, Category::Dispute(_)) => 1200.0,
                (false, Category::PublicOrder | Category::Weather) => 240.0,
                _ => 600.0,
            };
            step!(
                worker.clone(),
                Command::Feedback {
                    notes: "已到场处置，情况已稳定".into(),
                    photos: vec![format!("photo-{index}-{rounds}.jpg")],
                    on_behalf_of: None
                },
                handle_mean
            );
            if rounds == 1 && !drill && rng.gen_bool(0.02) {
                step!(
                    officer.clone(),
                    Command::SendBack { reason: "反馈材料不完整，请补充现场照片".into() },
                    90.0
                );
                continue;
            }
            break;
        }
        step!(officer.clone(), Command::Verify { note: "电话回访核实".into() }, 120.0);
        let outcome = if category.is_dispute() {
            if rng.gen_bool(0.9844) {
                Outcome::MediatedSuccessfully
            } else {
                Outcome::MediationFailed
            }
        } else {
            Outcome::Resolved
        };
        let evaluation = pick_weighted(
            rng,
            &[(Evaluation::Satisfied, 92), (Evaluation::Acceptable, 7), (Evaluation::Unsatisfied, 1)],
        );
        step!(officer.clone(), Command::Close { outcome, evaluation, note: String::new() }, 60.0);
        (event, steps)
    }
}

/// Midnight (Asia/Shanghai) of the local day an instant falls in.
fn local_midnight(at: DateTime<Utc>) -> DateTime<Utc> {
    redgrid_core::time::start_of_local_day(redgrid_core::time::local_date(at))
}
