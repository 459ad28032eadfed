//! Worker recommendation for dispatch: who should take an event, best first, with a reason in Chinese.
//!
//! Ranking is lexicographic: the responsibility [`Tier`] first (the event's own grid's full-time worker,
//! its part-time workers, the village's, the neighbours', anyone else), then a score within the
//! tier from great-circle distance, skill, current workload and recent load, then the worker id, so that
//! the same inputs always give the same list. Hard filters come before any of it: on shift, available,
//! under the maximum of concurrent tasks, holding the skill the category requires.
//!
//! A query never walks the whole force. The responsible tiers come from a hash of grid codes by village;
//! everyone else comes from an R-tree walked outwards from the event, which stops as soon as no farther
//! worker could still make the list. At city scale (Guigang's 65,000 workers) a query must stay well under a
//! millisecond; `redgrid bench dispatch` measures it.

use std::collections::HashMap;

use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::event::Category;
use crate::grid::{GridCode, LevelScheme};
use crate::worker::{BusinessLine, Employment, Worker};

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

// The score within a tier: 100 less deductions. Distance is charged per kilometre, without limit, because
// road-free distance stands for travel time and arriving fast is the point of proposing the nearest worker.
// A limitless charge is also what lets the R-tree walk stop: a worker farther than the best found so far by
// more than all other deductions together (35 points, 4.4 km) can never overtake them. A charge that
// flattened out with distance would leave load and skill deciding between far workers, and the walk would
// have to visit every one of them.
const DEDUCTION_PER_KM: f64 = 8.0;
/// Responsible workers whose terminal never reported a location are charged as if this far away: about
/// the far side of a village.
const UNKNOWN_DISTANCE_KM: f64 = 3.0;
/// For not holding the category's business line (the "N" of "grid + N") when it filters nobody.
const NO_SKILL_DEDUCTION: f64 = 10.0;
/// Scaled by the share of the worker's task slots already taken.
const LOAD_DEDUCTION: f64 = 15.0;
/// Rises towards its full value with tasks in the last 24 hours (half of it at `RECENT_HALF` tasks), so
/// that work is spread over the force.
const RECENT_DEDUCTION: f64 = 10.0;
const RECENT_HALF: f64 = 3.0;

/// The skill a worker must hold to be sent on an event of this category, if any.
///
/// Only lines that take training or a mandate are hard requirements: mediating a dispute (调解员) and acting
/// as petition agent (信访代办员). Every other category is first-response work any grid worker does; for
/// those the category's business line ([`Category::required_skill`]) earns points but filters nobody,
/// since in the field the nearest responsible worker goes first.
pub fn required_skill(category: Category) -> Option<BusinessLine> {
    match category {
        Category::Dispute(_) => Some(BusinessLine::Mediation),
        Category::Petition => Some(BusinessLine::Petition),
        Category::PublicOrder
        | Category::Fire
        | Category::Safety
        | Category::MedicalInsurance
        | Category::Weather
        | Category::AntiCult
        | Category::AntiDrug
        | Category::AntiFraud
        | Category::Livelihood
        | Category::Environment => None,
    }
}

/// A WGS-84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    fn is_valid(self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// The point on the unit sphere. Chord length between such points grows with great-circle distance, so
    /// an R-tree over them returns neighbours in true great-circle order, with no projection error even
    /// across a whole city.
    fn unit_vector(self) -> [f64; 3] {
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

/// Great-circle distance in km between two GeoPoints.
pub fn great_circle_km(a: GeoPoint, b: GeoPoint) -> f64 {
    chord_to_km(a.unit_vector(), b.unit_vector())
}

fn chord_to_km(a: [f64; 3], b: [f64; 3]) -> f64 {
    let chord = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin()
}

/// Whether a worker can be reached and is free to take work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    Available,
    /// The terminal has gone offline: a task sent now would not be seen.
    TerminalOffline,
    /// 请假.
    OnLeave,
}

/// A worker as dispatch sees them: the register entry plus the live state that changes during a shift.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateWorker {
    /// Its `grids` are the grids the worker answers for, the home grid first.
    pub worker: Worker,
    /// The last reported position; `None` until the terminal reports.
    pub location: Option<GeoPoint>,
    /// From the roster once rosters are in force, from a simple on-duty flag until then.
    pub on_shift: bool,
    pub availability: Availability,
    /// Tasks dispatched to the worker and not yet handled.
    pub active_tasks: u32,
    /// Tasks dispatched to the worker in the last 24 hours.
    pub recent_tasks: u32,
    /// Concurrent tasks the worker may hold.
    pub max_tasks: u32,
}

/// The event to staff.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchTarget {
    pub grid: GridCode,
    pub location: Option<GeoPoint>,
    pub category: Category,
    /// Grids bordering the event's grid, usually at its level; may be empty.
    pub neighbours: Vec<GridCode>,
    /// Workers not to propose: already on this event, or the one who let it time out unacknowledged.
    pub excluded_workers: Vec<String>,
}

/// Responsibility for the event's grid, most responsible first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// A full-time worker answering for the event's grid (or a grid containing it, or inside it, below
    /// the village level).
    OwnGridFullTime,
    OwnGridPartTime,
    /// A worker answering for some grid in the event's village or community.
    Village,
    /// A worker answering for one of the neighbouring grids.
    Neighbour,
    Other,
}

impl Tier {
    pub const ALL: [Tier; 5] =
        [Tier::OwnGridFullTime, Tier::OwnGridPartTime, Tier::Village, Tier::Neighbour, Tier::Other];

    pub fn key(self) -> &'static str {
        match self {
            Tier::OwnGridFullTime => "own_grid_full_time",
            Tier::OwnGridPartTime => "own_grid_part_time",
            Tier::Village => "village",
            Tier::Neighbour => "neighbour",
            Tier::Other => "other",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Tier::OwnGridFullTime => "本网格专职网格员",
            Tier::OwnGridPartTime => "本网格兼职网格员",
            Tier::Village => "本村（社区）网格员",
            Tier::Neighbour => "相邻网格网格员",
            Tier::Other => "其他网格员",
        }
    }
}

/// One proposed worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub worker_id: String,
    pub name: String,
    pub employment: Employment,
    pub tier: Tier,
    /// Within the tier, 100 for an idle, rested, skilled worker on the spot, less 8 a kilometre (so below
    /// zero far away) and up to 35 for load and a missing business line. The ranking compares tiers first.
    pub score: f64,
    pub distance_km: Option<f64>,
    pub active_tasks: u32,
    pub max_tasks: u32,
    pub recent_tasks: u32,
    /// Whether the worker holds the category's business line.
    pub skill_match: bool,
    /// E.g. `本网格专职网格员 · 距离 0.8 公里 · 在岗 · 当前任务 1 件 · 近24小时 2 件 · 专长：矛盾调解`; the
    /// last two parts only when they apply.
    pub explanation: String,
}

/// Why a worker cannot be proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ineligibility {
    OffShift,
    TerminalOffline,
    OnLeave,
    AtCapacity {
        active: u32,
        max: u32,
    },
    MissingSkill(BusinessLine),
    /// Named in the target's exclusions.
    Excluded,
    /// Answers for none of the event's grids and has no known location (or the event has none), so
    /// nothing says they are anywhere near.
    UnknownDistanceOutsideArea,
}

impl Ineligibility {
    pub fn reason_zh(self) -> String {
        match self {
            Ineligibility::OffShift => "不在班".into(),
            Ineligibility::TerminalOffline => "终端离线".into(),
            Ineligibility::OnLeave => "请假".into(),
            Ineligibility::AtCapacity { active, max } => format!("任务已满（{active}/{max}）"),
            Ineligibility::MissingSkill(line) => format!("缺少技能：{}", line.name_zh()),
            Ineligibility::Excluded => "已派过本事件".into(),
            Ineligibility::UnknownDistanceOutsideArea => "非本片区且位置未知".into(),
        }
    }
}

/// All the reasons, joined for display: `不在班；任务已满（3/3）`.
pub fn reasons_zh(reasons: &[Ineligibility]) -> String {
    reasons.iter().map(|r| r.reason_zh()).collect::<Vec<_>>().join("；")
}

/// The hard filters for one worker, whatever the event's place: every reason that rules them out of an
/// event of this category, empty when none does.
pub fn ineligibility(candidate: &CandidateWorker, category: Category) -> Vec<Ineligibility> {
    let mut reasons = Vec::new();
    if !candidate.on_shift {
        reasons.push(Ineligibility::OffShift);
    }
    match candidate.availability {
        Availability::Available => {}
        Availability::TerminalOffline => reasons.push(Ineligibility::TerminalOffline),
        Availability::OnLeave => reasons.push(Ineligibility::OnLeave),
    }
    if candidate.active_tasks >= candidate.max_tasks {
        reasons.push(Ineligibility::AtCapacity { active: candidate.active_tasks, max: candidate.max_tasks });
    }
    if let Some(line) = required_skill(category) {
        if !candidate.worker.skills.contains(&line) {
            reasons.push(Ineligibility::MissingSkill(line));
        }
    }
    reasons
}

/// What [`DispatchIndex::assess`] finds for one worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Assessment {
    /// The worker could be proposed, ranked as shown.
    Eligible(Recommendation),
    Ineligible(Vec<Ineligibility>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    #[error("未知网格员：{0}")]
    UnknownWorker(String),
    #[error("网格员编号重复：{0}")]
    DuplicateWorker(String),
    #[error("坐标无效：纬度 {lat}，经度 {lon}")]
    BadLocation { lat: f64, lon: f64 },
}

type Located = GeomWithData<[f64; 3], u32>;

struct Slot {
    candidate: CandidateWorker,
    /// `location` on the unit sphere, kept to avoid recomputing trigonometry per query.
    point: Option<[f64; 3]>,
}

/// Buckets for counting eligible located workers: one for "no skill required", one per business line.
const SKILL_BUCKETS: usize = 1 + BusinessLine::ALL.len();

fn bucket(required: Option<BusinessLine>) -> usize {
    required.map_or(0, |line| 1 + line as usize)
}

/// The grid force, indexed for recommendation. Updates for one worker are O(log n) at most.
pub struct DispatchIndex {
    village_depth: usize,
    village_len: usize,
    slots: Vec<Slot>,
    by_id: HashMap<String, u32>,
    /// Village code → workers answering for the village or any grid in it.
    by_village: HashMap<String, Vec<u32>>,
    /// Code of a grid above the village level → workers answering for exactly that grid.
    by_upper_grid: HashMap<String, Vec<u32>>,
    tree: RTree<Located>,
    /// Per skill bucket, located workers passing the shift, availability and capacity filters: lets a query
    /// stop walking the R-tree once every such worker has been seen, instead of visiting the whole city
    /// when fewer than k exist.
    eligible_located: [u32; SKILL_BUCKETS],
}

/// A candidate that passed every filter, before its explanation is written.
#[derive(Debug, Clone, Copy)]
struct Scored {
    slot: u32,
    tier: Tier,
    score: f64,
    distance_km: Option<f64>,
    skill_match: bool,
}

fn rank_order(a: &Scored, b: &Scored, slots: &[Slot]) -> std::cmp::Ordering {
    a.tier.cmp(&b.tier).then(b.score.total_cmp(&a.score)).then_with(|| {
        slots[a.slot as usize].candidate.worker.id.cmp(&slots[b.slot as usize].candidate.worker.id)
    })
}

/// The target, with what every candidate is compared against worked out once.
struct Query<'a> {
    target: &'a DispatchTarget,
    point: Option<[f64; 3]>,
    required: Option<BusinessLine>,
    line: BusinessLine,
}

/// The best score a worker this far away could have.
fn best_score_at(distance_km: f64) -> f64 {
    100.0 - DEDUCTION_PER_KM * distance_km
}

impl DispatchIndex {
    pub fn new(scheme: &LevelScheme, workers: Vec<CandidateWorker>) -> Result<DispatchIndex, DispatchError> {
        let village_depth = scheme.village_depth();
        let village_len = scheme.level(village_depth).map_or(0, |l| l.code_len);
        let mut index = DispatchIndex {
            village_depth,
            village_len,
            slots: Vec::with_capacity(workers.len()),
            by_id: HashMap::with_capacity(workers.len()),
            by_village: HashMap::new(),
            by_upper_grid: HashMap::new(),
            tree: RTree::new(),
            eligible_located: [0; SKILL_BUCKETS],
        };
        let mut located = Vec::new();
        for candidate in workers {
            let slot = index.slots.len() as u32;
            let point = match candidate.location {
                Some(at) if !at.is_valid() => {
                    return Err(DispatchError::BadLocation { lat: at.lat, lon: at.lon })
                }
                Some(at) => Some(at.unit_vector()),
                None => None,
            };
            if index.by_id.insert(candidate.worker.id.clone(), slot).is_some() {
                return Err(DispatchError::DuplicateWorker(candidate.worker.id.clone()));
            }
            let mut villages: Vec<&str> = Vec::new();
            let mut uppers: Vec<&str> = Vec::new();
            for grid in &candidate.worker.grids {
                if grid.depth() >= village_depth {
                    villages.push(&grid.as_str()[..village_len]);
                } else {
                    uppers.push(grid.as_str());
                }
            }
            villages.sort_unstable();
            villages.dedup();
            uppers.sort_unstable();
            uppers.dedup();
            for village in villages {
                index.by_village.entry(village.to_string()).or_default().push(slot);
            }
            for grid in uppers {
                index.by_upper_grid.entry(grid.to_string()).or_default().push(slot);
            }
            if let Some(point) = point {
                located.push(Located::new(point, slot));
            }
            index.slots.push(Slot { candidate, point });
            index.count_eligible(slot, 1);
        }
        // Bulk loading packs the tree far better than one insertion at a time.
        index.tree = RTree::bulk_load(located);
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn worker(&self, worker_id: &str) -> Option<&CandidateWorker> {
        self.by_id.get(worker_id).map(|&slot| &self.slots[slot as usize].candidate)
    }

    fn slot_of(&self, worker_id: &str) -> Result<u32, DispatchError> {
        self.by_id.get(worker_id).copied().ok_or_else(|| DispatchError::UnknownWorker(worker_id.to_string()))
    }

    /// Adds `delta` to every skill bucket the worker counts in, if they pass the live filters and are located.
    fn count_eligible(&mut self, slot: u32, delta: i32) {
        let Slot { candidate, point } = &self.slots[slot as usize];
        let live = candidate.on_shift
            && candidate.availability == Availability::Available
            && candidate.active_tasks < candidate.max_tasks
            && point.is_some();
        if !live {
            return;
        }
        let mut buckets = [false; SKILL_BUCKETS];
        buckets[0] = true;
        for &line in &candidate.worker.skills {
            buckets[bucket(Some(line))] = true;
        }
        for (count, counted) in self.eligible_located.iter_mut().zip(buckets) {
            if counted {
                *count = count.wrapping_add_signed(delta);
            }
        }
    }

    /// Changes one worker's live state, keeping the eligibility counts true.
    fn update(&mut self, worker_id: &str, change: impl FnOnce(&mut Slot)) -> Result<(), DispatchError> {
        let slot = self.slot_of(worker_id)?;
        self.count_eligible(slot, -1);
        change(&mut self.slots[slot as usize]);
        self.count_eligible(slot, 1);
        Ok(())
    }

    /// A location report from the worker's terminal.
    pub fn update_location(&mut self, worker_id: &str, at: GeoPoint) -> Result<(), DispatchError> {
        if !at.is_valid() {
            return Err(DispatchError::BadLocation { lat: at.lat, lon: at.lon });
        }
        let slot = self.slot_of(worker_id)?;
        let point = at.unit_vector();
        if let Some(old) = self.slots[slot as usize].point {
            self.tree.remove(&Located::new(old, slot));
        }
        self.tree.insert(Located::new(point, slot));
        self.update(worker_id, |s| {
            s.candidate.location = Some(at);
            s.point = Some(point);
        })
    }

    /// Forgets a location, e.g. one too old to trust.
    pub fn clear_location(&mut self, worker_id: &str) -> Result<(), DispatchError> {
        let slot = self.slot_of(worker_id)?;
        if let Some(old) = self.slots[slot as usize].point {
            self.tree.remove(&Located::new(old, slot));
        }
        self.update(worker_id, |s| {
            s.candidate.location = None;
            s.point = None;
        })
    }

    pub fn set_load(
        &mut self,
        worker_id: &str,
        active_tasks: u32,
        recent_tasks: u32,
    ) -> Result<(), DispatchError> {
        self.update(worker_id, |s| {
            s.candidate.active_tasks = active_tasks;
            s.candidate.recent_tasks = recent_tasks;
        })
    }

    pub fn set_on_shift(&mut self, worker_id: &str, on_shift: bool) -> Result<(), DispatchError> {
        self.update(worker_id, |s| s.candidate.on_shift = on_shift)
    }

    pub fn set_availability(
        &mut self,
        worker_id: &str,
        availability: Availability,
    ) -> Result<(), DispatchError> {
        self.update(worker_id, |s| s.candidate.availability = availability)
    }

    /// Whether `grid` (a worker's) and `area` (the event's grid or a neighbour) are the same place for
    /// responsibility: the same grid, or one inside the other below the village level. A village-level
    /// worker is the village's, not the small grid's; a township-level one is nobody's in particular.
    fn same_area(&self, grid: &GridCode, area: &GridCode) -> bool {
        grid == area
            || (grid.depth() > self.village_depth
                && area.depth() > self.village_depth
                && (grid.is_within(area) || area.is_within(grid)))
    }

    fn tier(&self, worker: &Worker, target: &DispatchTarget) -> Tier {
        if worker.grids.iter().any(|g| self.same_area(g, &target.grid)) {
            return match worker.employment {
                Employment::FullTime => Tier::OwnGridFullTime,
                Employment::PartTime => Tier::OwnGridPartTime,
            };
        }
        if target.grid.depth() >= self.village_depth {
            let village = &target.grid.as_str()[..self.village_len];
            if worker.grids.iter().any(|g| g.depth() >= self.village_depth && g.as_str().starts_with(village))
            {
                return Tier::Village;
            }
        }
        if target.neighbours.iter().any(|n| worker.grids.iter().any(|g| self.same_area(g, n))) {
            return Tier::Neighbour;
        }
        Tier::Other
    }

    /// Passes the hard filters other than exclusion (which the caller checks: it is per query).
    fn passes_filters(candidate: &CandidateWorker, required: Option<BusinessLine>) -> bool {
        candidate.on_shift
            && candidate.availability == Availability::Available
            && candidate.active_tasks < candidate.max_tasks
            && required.is_none_or(|line| candidate.worker.skills.contains(&line))
    }

    fn is_excluded(&self, slot: u32, query: &Query<'_>) -> bool {
        let id = &self.slots[slot as usize].candidate.worker.id;
        query.target.excluded_workers.iter().any(|x| x == id)
    }

    /// Tier and score of a worker who passes every filter; `None` for one who cannot be proposed.
    fn evaluate(&self, slot: u32, query: &Query<'_>) -> Option<Scored> {
        let Slot { candidate, point } = &self.slots[slot as usize];
        if !Self::passes_filters(candidate, query.required) || self.is_excluded(slot, query) {
            return None;
        }
        let tier = self.tier(&candidate.worker, query.target);
        let distance_km = match (query.point, point) {
            (Some(a), Some(b)) => Some(chord_to_km(a, *b)),
            _ => None,
        };
        if tier == Tier::Other && distance_km.is_none() {
            return None;
        }
        let skill_match = candidate.worker.skills.contains(&query.line);
        let taken = f64::from(candidate.active_tasks) / f64::from(candidate.max_tasks);
        let recent = f64::from(candidate.recent_tasks);
        let score = best_score_at(distance_km.unwrap_or(UNKNOWN_DISTANCE_KM))
            - if skill_match { 0.0 } else { NO_SKILL_DEDUCTION }
            - LOAD_DEDUCTION * taken
            - RECENT_DEDUCTION * recent / (recent + RECENT_HALF);
        Some(Scored { slot, tier, score, distance_km, skill_match })
    }

    fn query<'a>(&self, target: &'a DispatchTarget) -> Query<'a> {
        Query {
            target,
            point: target.location.filter(|p| p.is_valid()).map(GeoPoint::unit_vector),
            required: required_skill(target.category),
            line: target.category.required_skill(),
        }
    }

    /// Workers answering for a grid in the event's village, a neighbour's village, or exactly the event's
    /// or a neighbour's grid above the village level: a superset of everyone in a tier above
    /// [`Tier::Other`]. Sorted, without repeats.
    fn responsible_slots(&self, target: &DispatchTarget) -> Vec<u32> {
        let mut slots = Vec::new();
        for area in std::iter::once(&target.grid).chain(&target.neighbours) {
            let found = if area.depth() >= self.village_depth {
                self.by_village.get(&area.as_str()[..self.village_len])
            } else {
                self.by_upper_grid.get(area.as_str())
            };
            if let Some(found) = found {
                slots.extend_from_slice(found);
            }
        }
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// The best `k` workers for the target, best first.
    pub fn recommend(&self, target: &DispatchTarget, k: usize) -> Vec<Recommendation> {
        if k == 0 {
            return Vec::new();
        }
        let query = self.query(target);
        let responsible = self.responsible_slots(target);
        let mut pool: Vec<Scored> = Vec::new();
        // Eligible located workers among the responsible ones, excluded or not: the walk below skips them,
        // so they are taken off the count it stops at.
        let mut seen_live = 0u32;
        for &slot in &responsible {
            let Slot { candidate, point } = &self.slots[slot as usize];
            if point.is_some() && Self::passes_filters(candidate, query.required) {
                seen_live += 1;
            }
            if let Some(scored) = self.evaluate(slot, &query) {
                pool.push(scored);
            }
        }
        let in_upper_tiers = pool.iter().filter(|s| s.tier != Tier::Other).count();
        if in_upper_tiers < k {
            if let Some(origin) = query.point {
                let wanted = k - in_upper_tiers;
                let unseen = self.eligible_located[bucket(query.required)].saturating_sub(seen_live);
                self.walk_nearest(&query, origin, &responsible, wanted, unseen, &mut pool);
            }
        }
        pool.sort_by(|a, b| rank_order(a, b, &self.slots));
        pool.truncate(k);
        pool.iter().map(|s| self.recommendation(s, query.line)).collect()
    }

    /// Adds to `pool` the best `wanted` workers of [`Tier::Other`] outside `responsible`, walking outwards
    /// from `origin`. Stops when nobody farther could beat the `wanted`-th best found so far (even with
    /// no deduction besides distance), or when all `unseen` eligible located workers have been met.
    fn walk_nearest(
        &self,
        query: &Query<'_>,
        origin: [f64; 3],
        responsible: &[u32],
        wanted: usize,
        mut unseen: u32,
        pool: &mut Vec<Scored>,
    ) {
        // Scores of the best `wanted` strangers so far, best first.
        let mut best: Vec<f64> = pool.iter().filter(|s| s.tier == Tier::Other).map(|s| s.score).collect();
        best.sort_by(|a, b| b.total_cmp(a));
        best.truncate(wanted);
        for entry in self.tree.nearest_neighbor_iter(&origin) {
            if unseen == 0 {
                break;
            }
            let slot = entry.data;
            if responsible.binary_search(&slot).is_ok() {
                continue;
            }
            let distance_km = chord_to_km(origin, *entry.geom());
            // The small margin covers rounding between the tree's own distance and ours; ties on score
            // must still be visited because the lower id wins them.
            if best.len() == wanted && best_score_at(distance_km) < best[wanted - 1] - 1e-9 {
                break;
            }
            if !Self::passes_filters(&self.slots[slot as usize].candidate, query.required) {
                continue;
            }
            unseen -= 1;
            let Some(scored) = self.evaluate(slot, query) else { continue };
            debug_assert_eq!(scored.tier, Tier::Other, "responsible workers are all in `responsible`");
            let at = best.partition_point(|&s| s >= scored.score);
            if at < wanted {
                best.insert(at, scored.score);
                best.truncate(wanted);
            }
            pool.push(scored);
        }
    }

    fn recommendation(&self, scored: &Scored, line: BusinessLine) -> Recommendation {
        let candidate = &self.slots[scored.slot as usize].candidate;
        Recommendation {
            worker_id: candidate.worker.id.clone(),
            name: candidate.worker.name.clone(),
            employment: candidate.worker.employment,
            tier: scored.tier,
            score: scored.score,
            distance_km: scored.distance_km,
            active_tasks: candidate.active_tasks,
            max_tasks: candidate.max_tasks,
            recent_tasks: candidate.recent_tasks,
            skill_match: scored.skill_match,
            explanation: explanation_zh(candidate, scored, line),
        }
    }

    /// One worker against the target: how they would rank, or every reason they cannot be proposed. The
    /// console shows this when an officer picks someone the list did not offer.
    pub fn assess(&self, worker_id: &str, target: &DispatchTarget) -> Result<Assessment, DispatchError> {
        let slot = self.slot_of(worker_id)?;
        let query = self.query(target);
        if let Some(scored) = self.evaluate(slot, &query) {
            return Ok(Assessment::Eligible(self.recommendation(&scored, query.line)));
        }
        let candidate = &self.slots[slot as usize].candidate;
        let mut reasons = ineligibility(candidate, target.category);
        if self.is_excluded(slot, &query) {
            reasons.push(Ineligibility::Excluded);
        }
        if reasons.is_empty() {
            reasons.push(Ineligibility::UnknownDistanceOutsideArea);
        }
        Ok(Assessment::Ineligible(reasons))
    }
}

fn explanation_zh(candidate: &CandidateWorker, scored: &Scored, line: BusinessLine) -> String {
    let mut parts = vec![scored.tier.name_zh().to_string()];
    parts.push(match scored.distance_km {
        Some(km) => format!("距离 {km:.1} 公里"),
        None => "距离未知".to_string(),
    });
    parts.push("在岗".to_string());
    parts.push(format!("当前任务 {} 件", candidate.active_tasks));
    if candidate.recent_tasks > 0 {
        parts.push(format!("近24小时 {} 件", candidate.recent_tasks));
    }
    if scored.skill_match {
        parts.push(format!("专长：{}", line.name_zh()));
    }
    parts.join(" · ")
}
