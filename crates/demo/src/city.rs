//! A Guigang-sized station for measuring the console at the scale of the whole city
//! (`redgrid demo seed --scale city`): all 74 townships and 1,195 villages of the division files, generated
//! small and micro grids below them (about 32,000 grids in the four levels above the household), 65,000
//! grid workers of whom 1,314 full-time, 2,000 cameras and 10,000 open events part-way through the loop.
//!
//! No households, residents or history: at this scale they would be millions of rows that no benchmark of
//! the console reads. Deterministic for a seed and the station's clock, like the demo township.

use chrono::Duration;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use redgrid_core::camera::Camera;
use redgrid_core::closed_loop::Actor;
use redgrid_core::closed_loop::Role;
use redgrid_core::grid::{DedicatedKind, Grid, GridCode, GridKind, LevelScheme};
use redgrid_core::time_limit::TimeLimitPolicy;
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, ForceRole, NKind, ThreeKind, Worker};
use redgrid_store::FeedEntity;
use redgrid_store::{AuditEntry, GridRecord, WorkerRecord};

use crate::names;
use crate::township::{
    demo_accounts, load_calendar, offset, polygon_geojson, write_events, write_rules_and_accounts,
    DemoSummary, History, Point, Quad, SmallPlan, VillagePlan,
};
use redgrid_api::divisions::{short_village_name, Divisions, GUIGANG};
use redgrid_api::{audit_entry, ApiError, Result, Station};

/// Hears (what, done, of all) as the city is seeded.
pub type CityProgress = std::sync::Arc<dyn Fn(&str, usize, usize) + Send + Sync>;

/// What the city-scale station holds; the defaults are Guigang's figures.
#[derive(Clone)]
pub struct CityConfig {
    pub seed: u64,
    pub workers: usize,
    pub full_time_workers: usize,
    pub cameras: usize,
    pub open_events: usize,
    /// Called with (what, done, of all) as the seed goes.
    pub progress: Option<CityProgress>,
}

impl Default for CityConfig {
    fn default() -> Self {
        CityConfig {
            seed: 1,
            workers: 65_000,
            full_time_workers: 1_314,
            cameras: 2_000,
            open_events: 10_000,
            progress: None,
        }
    }
}

impl std::fmt::Debug for CityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CityConfig")
            .field("seed", &self.seed)
            .field("workers", &self.workers)
            .field("cameras", &self.cameras)
            .field("open_events", &self.open_events)
            .finish_non_exhaustive()
    }
}

/// Side of one township's square on the generated map, in kilometres (74 of them cover about Guigang's
/// 10,600 km²).
const TOWNSHIP_KM: f64 = 12.0;

fn invalid(e: impl std::fmt::Display) -> ApiError {
    ApiError::Invalid(e.to_string())
}

/// The townships laid on one jittered lattice, so that neighbours share their edges and none overlap: each
/// township takes the free cell nearest to where [`crate::township::township_centre`] puts it, which keeps a
/// county's townships together around the county's real centre.
fn township_cells(
    divisions: &Divisions,
    rng: &mut ChaCha8Rng,
    city_centre: Point,
) -> Vec<(redgrid_api::divisions::Township, Quad)> {
    let townships: Vec<_> = divisions.townships.values().cloned().collect();
    let targets: Vec<Point> = townships
        .iter()
        .map(|t| {
            crate::township::township_centre(divisions.county_centre(&t.code).unwrap_or(city_centre), &t.code)
        })
        .collect();
    // Cell coordinates (kilometres east and north of the city centre, in units of a cell).
    let km = |p: Point| {
        let east = (p.0 - city_centre.0) * 111.0 * city_centre.1.to_radians().cos();
        let north = (p.1 - city_centre.1) * 111.0;
        (east / TOWNSHIP_KM, north / TOWNSHIP_KM)
    };
    let cells: Vec<(f64, f64)> = targets.iter().map(|&p| km(p)).collect();
    let margin = 3.0;
    let min_c = cells.iter().map(|c| c.0).fold(f64::INFINITY, f64::min).floor() - margin;
    let max_c = cells.iter().map(|c| c.0).fold(f64::NEG_INFINITY, f64::max).ceil() + margin;
    let min_r = cells.iter().map(|c| c.1).fold(f64::INFINITY, f64::min).floor() - margin;
    let max_r = cells.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max).ceil() + margin;
    let cols = (max_c - min_c) as usize;
    let rows = (max_r - min_r) as usize;
    let mut corners = vec![vec![(0.0, 0.0); cols + 1]; rows + 1];
    for (r, row) in corners.iter_mut().enumerate() {
        for (c, point) in row.iter_mut().enumerate() {
            let jitter = TOWNSHIP_KM * 0.22;
            let east = (min_c + c as f64) * TOWNSHIP_KM + rng.gen_range(-jitter..=jitter);
            let north = (min_r + r as f64) * TOWNSHIP_KM + rng.gen_range(-jitter..=jitter);
            *point = offset(city_centre, east, north);
        }
    }
    let mut taken = vec![vec![false; cols]; rows];
    let mut out = Vec::with_capacity(townships.len());
    for (township, target) in townships.into_iter().zip(cells) {
        let (tc, tr) = (target.0 - min_c - 0.5, target.1 - min_r - 0.5);
        let mut best: Option<(f64, usize, usize)> = None;
        for (r, row) in taken.iter().enumerate() {
            for (c, &used) in row.iter().enumerate() {
                if used {
                    continue;
                }
                let d = (c as f64 - tc).powi(2) + (r as f64 - tr).powi(2);
                if best.is_none_or(|(b, _, _)| d < b) {
                    best = Some((d, r, c));
                }
            }
        }
        let (_, r, c) = best.expect("the lattice has a cell per township and a margin");
        taken[r][c] = true;
        let quad = Quad([corners[r][c], corners[r][c + 1], corners[r + 1][c + 1], corners[r + 1][c]]);
        out.push((township, quad));
    }
    out
}

/// Builds the city-scale station into an empty database.
pub async fn seed_city(station: &Station, config: &CityConfig) -> Result<DemoSummary> {
    let store = station.store();
    let (existing_events, _) = store.count_events().await?;
    if existing_events > 0 || store.grid_count().await? > 0 {
        return Err(ApiError::Invalid("该数据库已有数据：演示数据只能写入新的数据库".into()));
    }
    let progress = |what: &str, done: usize, all: usize| {
        if let Some(p) = &config.progress {
            p(what, done, all);
        }
    };
    let divisions = Divisions::parse(GUIGANG).map_err(invalid)?;
    let scheme = LevelScheme::guigang();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x4508);
    let city_centre = (109.598926, 23.11153);

    let mut grids: Vec<GridRecord> = Vec::new();
    let mut plans: Vec<VillagePlan> = Vec::new();
    // Per township: its code, and the range of `plans` that are its villages.
    let mut township_spans: Vec<(GridCode, std::ops::Range<usize>)> = Vec::new();
    // Dedicated grids hang under villages, so they are stored after them.
    let mut dedicated: Vec<GridRecord> = Vec::new();
    let grid_record = |code: GridCode, name: String, kind: GridKind, at: Point, boundary: Option<String>| {
        GridRecord { grid: Grid { code, name, kind }, lon: Some(at.0), lat: Some(at.1), boundary }
    };
    for (township, quad) in township_cells(&divisions, &mut rng, city_centre) {
        let code = GridCode::parse(&township.code, &scheme).map_err(invalid)?;
        grids.push(grid_record(
            code.clone(),
            township.name.clone(),
            GridKind::Comprehensive,
            quad.centre(),
            Some(quad.geojson()),
        ));
        let villages: Vec<_> = divisions.villages_of(&township.code).cloned().collect();
        let first = plans.len();
        for (village, village_quad) in villages.iter().zip(quad.split(villages.len().max(1))) {
            let village_code = GridCode::parse(&village.code, &scheme).map_err(invalid)?;
            let name = short_village_name(&village.name);
            let community = name.ends_with("社区");
            let small_count = rng.gen_range(if community { 4..=7 } else { 4..=9 });
            let mut small = Vec::with_capacity(small_count);
            for (s, small_quad) in village_quad.split(small_count).into_iter().enumerate() {
                let small_code = village_code.child(s as u32 + 1, &scheme).map_err(invalid)?;
                let micro = small_quad
                    .split(rng.gen_range(2..=4))
                    .into_iter()
                    .enumerate()
                    .map(|(m, q)| Ok((small_code.child(m as u32 + 1, &scheme).map_err(invalid)?, q)))
                    .collect::<Result<Vec<_>>>()?;
                let small_name = if community {
                    format!("{name}第{}网格", s + 1)
                } else {
                    format!("{name}第{}村民小组", s + 1)
                };
                small.push(SmallPlan { code: small_code, name: small_name, quad: small_quad, micro });
            }
            plans.push(VillagePlan { code: village_code, name, quad: village_quad, small });
        }
        // Each township's market and central school, as dedicated grids under its first village.
        if let Some(seat) = plans.get(first) {
            for (d, (kind, label)) in
                [(DedicatedKind::Market, "集贸市场"), (DedicatedKind::School, "中心学校")]
                    .into_iter()
                    .enumerate()
            {
                let spot = seat.quad.at(0.35 + 0.3 * d as f64, 0.5);
                let square = Quad([
                    offset(spot, -0.2, -0.15),
                    offset(spot, 0.2, -0.15),
                    offset(spot, 0.2, 0.15),
                    offset(spot, -0.2, 0.15),
                ]);
                dedicated.push(grid_record(
                    seat.code.child(901 + d as u32, &scheme).map_err(invalid)?,
                    format!("{}{label}", township.name),
                    GridKind::Dedicated(kind),
                    spot,
                    Some(polygon_geojson(&square.0)),
                ));
            }
        }
        township_spans.push((code, first..plans.len()));
    }
    for village in &plans {
        grids.push(grid_record(
            village.code.clone(),
            village.name.clone(),
            GridKind::Comprehensive,
            village.quad.centre(),
            Some(village.quad.geojson()),
        ));
        for small in &village.small {
            grids.push(grid_record(
                small.code.clone(),
                small.name.clone(),
                GridKind::Comprehensive,
                small.quad.centre(),
                Some(small.quad.geojson()),
            ));
            for (m, (micro_code, micro_quad)) in small.micro.iter().enumerate() {
                grids.push(grid_record(
                    micro_code.clone(),
                    format!("{}第{}微网格", small.name, m + 1),
                    GridKind::Comprehensive,
                    micro_quad.centre(),
                    Some(micro_quad.geojson()),
                ));
            }
        }
    }

    grids.append(&mut dedicated);
    let workers = city_workers(&mut rng, config, &plans, &township_spans)?;
    let cameras = city_cameras(&mut rng, config, &plans);
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
    progress("网格", 0, grids.len());
    let mut tx = store.begin_write().await?;
    tx.save_level_scheme(&scheme).await?;
    tx.upsert_grids(&grids, &scheme).await?;
    progress("网格", grids.len(), grids.len());
    tx.upsert_workers(&workers).await?;
    progress("网格员", workers.len(), workers.len());
    tx.upsert_cameras(&cameras).await?;
    write_rules_and_accounts(&mut tx, &accounts, &policy, &calendar, now).await?;
    // Reports that name no grid land on the city seat's first sub-district.
    if let Some((code, _)) = township_spans.first() {
        tx.set_setting("township", code.as_str(), now).await?;
    }
    tx.set_setting("centre_name", "贵港市社会治理综合指挥中心", now).await?;
    tx.append_audit(&redgrid_api::station_audit(
        &admin,
        now,
        "demo_seed",
        None,
        format!(
            "生成全市规模演示数据：乡镇 {} 个，村（社区）{} 个，网格 {} 个，网格员 {} 人，摄像头 {} 路",
            township_spans.len(),
            plans.len(),
            grids.len(),
            workers.len(),
            cameras.len()
        ),
    ))
    .await?;
    tx.append_feed(now, FeedEntity::Register, "all", "seeded", 0).await?;
    tx.commit().await?;
    station.reload_rules().await?;

    // Open events: reported over the last five days and stopped part-way through the loop, some overdue.
    let mut history =
        History::new(&plans, &workers, &accounts, &policy, &calendar, station.station_id(), now);
    history.stall_fraction = 1.0;
    history.stall_window_days = 5;
    let (mut events_written, mut open_written) = (0usize, 0usize);
    let mut index = 0usize;
    while open_written < config.open_events {
        let want = (config.open_events - open_written).min(5_000);
        let mut events = Vec::with_capacity(want);
        let mut entries: Vec<(chrono::DateTime<chrono::Utc>, usize, AuditEntry)> = Vec::new();
        while events.len() < want {
            let reported_at = now - Duration::minutes(rng.gen_range(1..5 * 24 * 60));
            let (event, steps) = history.one_event(&mut rng, index, reported_at, false);
            index += 1;
            // Only open events count; the few the loop rejects or voids at once are not kept.
            if !event.is_open() {
                continue;
            }
            let offset = events.len();
            for (actor, transition, at) in steps {
                entries.push((at, offset, audit_entry(&actor, &transition, at)));
            }
            events.push(event);
        }
        write_events(station, &scheme, now, &events, entries).await?;
        events_written += events.len();
        open_written += events.len();
        progress("待办事件", open_written, config.open_events);
    }
    store.maintain().await?;
    tracing::info!(grids = grids.len(), workers = workers.len(), "city-scale station seeded");
    Ok(DemoSummary {
        township_code: "4508".into(),
        township_name: "全市".into(),
        county_name: "贵港市".into(),
        villages: plans.len(),
        grids: grids.len(),
        households: 0,
        residents: 0,
        key_places: 0,
        workers: workers.len(),
        full_time_workers: workers.iter().filter(|w| w.worker.employment == Employment::FullTime).count(),
        cameras: cameras.len(),
        events: events_written,
        open_events: open_written,
        drill_events: 0,
        accounts,
    })
}

/// The grid force: a full-time worker per village (the rest of the full-time force where villages have
/// the most small grids), and the part-time 1+3+N spread evenly over the small grids.
fn city_workers(
    rng: &mut ChaCha8Rng,
    config: &CityConfig,
    plans: &[VillagePlan],
    township_spans: &[(GridCode, std::ops::Range<usize>)],
) -> Result<Vec<WorkerRecord>> {
    use BusinessLine::*;
    let full_time = config.full_time_workers.min(config.workers);
    let part_time = config.workers - full_time;
    // Which village each full-time worker belongs to: one each, then the biggest villages again.
    let mut by_size: Vec<usize> = (0..plans.len()).collect();
    by_size.sort_by_key(|&v| (std::cmp::Reverse(plans[v].small.len()), v));
    let full_time_villages: Vec<usize> =
        (0..plans.len()).chain(by_size.iter().copied().cycle()).take(full_time).collect();
    let smalls: Vec<(usize, &SmallPlan)> =
        plans.iter().enumerate().flat_map(|(v, p)| p.small.iter().map(move |s| (v, s))).collect();
    let township_of = |v: usize| {
        township_spans
            .iter()
            .find(|(_, span)| span.contains(&v))
            .map(|(code, _)| code.as_str())
            .unwrap_or("450800000")
    };
    let mut serials: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut next_id = |township: &str| {
        let serial = serials.entry(township.to_string()).or_default();
        *serial += 1;
        format!("W{}{:04}", &township[4..9], serial)
    };
    let mut workers = Vec::with_capacity(config.workers);
    let mut person = |rng: &mut ChaCha8Rng,
                      id: String,
                      employment: Employment,
                      group: ForceGroup,
                      roles: Vec<ForceRole>,
                      skills: Vec<BusinessLine>,
                      grids: Vec<GridCode>,
                      at: Point| {
        let male = rng.gen_bool(0.6);
        workers.push(WorkerRecord {
            worker: Worker {
                id,
                name: names::person_name(rng, male),
                phone: names::mobile(rng),
                employment,
                group,
                roles,
                skills,
                grids,
                party_member: rng.gen_bool(if employment == Employment::FullTime { 0.7 } else { 0.35 }),
                owntracks_user: None,
            },
            on_duty: employment == Employment::FullTime || rng.gen_bool(0.5),
            lon: Some(at.0),
            lat: Some(at.1),
        });
    };
    for &v in &full_time_villages {
        let village = &plans[v];
        let mut grids = vec![village.code.clone()];
        grids.extend(village.small.iter().map(|s| s.code.clone()));
        let at = village.quad.at(rng.gen_range(0.3..0.7), rng.gen_range(0.3..0.7));
        let id = next_id(township_of(v));
        person(
            rng,
            id,
            Employment::FullTime,
            ForceGroup::One,
            vec![ForceRole::GridWorker, ForceRole::Mediator],
            vec![Mediation, PublicOrder, Livelihood, FireSafety, Emergency],
            grids,
            at,
        );
    }
    // The part-time force in the order a small grid fills it: the grid leader, the patrol, a police
    // officer, then the N (volunteers, social workers, village elites, couriers) in turn.
    let kinds: [(ForceGroup, Vec<ForceRole>, Vec<BusinessLine>); 7] = [
        (
            ForceGroup::Three(ThreeKind::VillageCadre),
            vec![ForceRole::GridLeader, ForceRole::VillagerGroupLeader],
            vec![Mediation, Petition, Livelihood, MedicalInsurance, Environment],
        ),
        (
            ForceGroup::Three(ThreeKind::Patrol),
            vec![ForceRole::GridWorker, ForceRole::SecurityHouseholdHead],
            vec![PublicOrder, FireSafety, Emergency, WorkSafety],
        ),
        (
            ForceGroup::Three(ThreeKind::Police),
            vec![ForceRole::GridWorker],
            vec![PublicOrder, AntiDrug, AntiFraud, AntiCult, Petition],
        ),
        (
            ForceGroup::N(NKind::Volunteer),
            vec![ForceRole::GridWorker],
            vec![Livelihood, Environment, Emergency],
        ),
        (ForceGroup::N(NKind::SocialWorker), vec![ForceRole::GridWorker], vec![Livelihood, Mediation]),
        (ForceGroup::N(NKind::VillageElite), vec![ForceRole::GridWorker], vec![Mediation]),
        (ForceGroup::N(NKind::Courier), vec![ForceRole::GridWorker], vec![PublicOrder]),
    ];
    if smalls.is_empty() {
        return Err(ApiError::Invalid("区划文件中没有村（社区）".into()));
    }
    for k in 0..part_time {
        let (v, small) = smalls[k % smalls.len()];
        let (group, roles, skills) = kinds[(k / smalls.len()) % kinds.len()].clone();
        let at = small.quad.at(rng.gen_range(0.1..0.9), rng.gen_range(0.1..0.9));
        let id = next_id(township_of(v));
        person(rng, id, Employment::PartTime, group, roles, skills, vec![small.code.clone()], at);
    }
    Ok(workers)
}

/// Cameras spread over the villages, one or two each, at the places a village puts them.
fn city_cameras(rng: &mut ChaCha8Rng, config: &CityConfig, plans: &[VillagePlan]) -> Vec<Camera> {
    let labels = ["村口", "村委会门前", "文化广场", "河边路段"];
    (0..config.cameras)
        .filter(|_| !plans.is_empty())
        .map(|i| {
            let (v, k) = (i % plans.len(), i / plans.len());
            let village = &plans[v];
            let small = &village.small[rng.gen_range(0..village.small.len())];
            let spot = small.quad.at(rng.gen_range(0.2..0.8), rng.gen_range(0.2..0.8));
            Camera {
                id: format!("C{}{:02}", village.code, k + 1),
                nvr_name: format!("t{}_v{:04}_cam{}", &village.code.as_str()[4..9], v + 1, k + 1),
                name: format!("{}{}", village.name, labels[k % labels.len()]),
                grid: small.code.clone(),
                lon: spot.0,
                lat: spot.1,
            }
        })
        .collect()
}
