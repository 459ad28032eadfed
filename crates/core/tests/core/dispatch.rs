//! Worker recommendation: the hard filters, the tier order, the score within a tier, the Chinese
//! explanations, live updates, and the indexed search checked against a scan of the whole force.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use redgrid_core::dispatch::{
    great_circle_km, reasons_zh, required_skill, Assessment, Availability, CandidateWorker, DispatchError,
    DispatchIndex, DispatchTarget, GeoPoint, Ineligibility, Recommendation, Tier,
};
use redgrid_core::event::{Category, DisputeKind};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, Worker};

/// 港北区大圩镇 and one of its villages; small grid 003 of it is where the events happen.
const TOWNSHIP: &str = "450802101";
const VILLAGE: &str = "450802101201";
const SMALL: &str = "450802101201003";
const MICRO: &str = "45080210120100302";
const OTHER_VILLAGE: &str = "450802101202";
const ORIGIN: GeoPoint = GeoPoint { lat: 23.1, lon: 109.6 };
const DISPUTE: Category = Category::Dispute(DisputeKind::Neighbours);

fn code(text: &str) -> GridCode {
    GridCode::parse(text, &LevelScheme::guigang()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A point `north` and `east` kilometres from the origin.
fn near(north_km: f64, east_km: f64) -> GeoPoint {
    let km_per_degree = 6371.0088_f64.to_radians();
    GeoPoint {
        lat: ORIGIN.lat + north_km / km_per_degree,
        lon: ORIGIN.lon + east_km / (km_per_degree * ORIGIN.lat.to_radians().cos()),
    }
}

/// An eligible worker with no location, no tasks and room for three, skilled in mediation.
fn worker(id: &str, employment: Employment, grids: &[&str]) -> CandidateWorker {
    CandidateWorker {
        worker: Worker {
            id: id.into(),
            name: format!("网格员{id}"),
            phone: "13800000000".into(),
            employment,
            group: match employment {
                Employment::FullTime => ForceGroup::One,
                Employment::PartTime => ForceGroup::N(redgrid_core::worker::NKind::Volunteer),
            },
            roles: Vec::new(),
            skills: vec![BusinessLine::Mediation],
            grids: grids.iter().map(|g| code(g)).collect(),
            party_member: false,
            owntracks_user: None,
        },
        location: None,
        on_shift: true,
        availability: Availability::Available,
        active_tasks: 0,
        recent_tasks: 0,
        max_tasks: 3,
    }
}

fn at(mut candidate: CandidateWorker, north_km: f64, east_km: f64) -> CandidateWorker {
    candidate.location = Some(near(north_km, east_km));
    candidate
}

fn event(grid: &str, category: Category) -> DispatchTarget {
    DispatchTarget {
        grid: code(grid),
        location: Some(ORIGIN),
        category,
        neighbours: Vec::new(),
        excluded_workers: Vec::new(),
    }
}

fn index(workers: Vec<CandidateWorker>) -> DispatchIndex {
    DispatchIndex::new(&LevelScheme::guigang(), workers).expect("valid workers")
}

fn ids(list: &[Recommendation]) -> Vec<&str> {
    list.iter().map(|r| r.worker_id.as_str()).collect()
}

fn reasons(index: &DispatchIndex, id: &str, target: &DispatchTarget) -> Vec<Ineligibility> {
    match index.assess(id, target).expect("known worker") {
        Assessment::Ineligible(reasons) => reasons,
        Assessment::Eligible(r) => panic!("{id} should be ineligible, ranks as {r:?}"),
    }
}

#[test]
fn only_disputes_and_petitions_require_a_skill() {
    let required: Vec<(Category, BusinessLine)> =
        Category::ALL.into_iter().filter_map(|c| required_skill(c).map(|line| (c, line))).collect();
    let mut expected: Vec<(Category, BusinessLine)> =
        Category::ALL.into_iter().filter(|c| c.is_dispute()).map(|c| (c, BusinessLine::Mediation)).collect();
    expected.push((Category::Petition, BusinessLine::Petition));
    assert_eq!(required, expected, "first response needs no skill; mediation and petition agency do");
}

#[test]
fn each_hard_filter_rules_a_worker_out_and_says_why() {
    let base = || at(worker("W00", Employment::FullTime, &[SMALL]), 0.1, 0.0);
    let mut off_shift = base();
    off_shift.worker.id = "W01".into();
    off_shift.on_shift = false;
    let mut offline = base();
    offline.worker.id = "W02".into();
    offline.availability = Availability::TerminalOffline;
    let mut on_leave = base();
    on_leave.worker.id = "W03".into();
    on_leave.availability = Availability::OnLeave;
    let mut full = base();
    full.worker.id = "W04".into();
    full.active_tasks = 3;
    let mut unskilled = base();
    unskilled.worker.id = "W05".into();
    unskilled.worker.skills = vec![BusinessLine::PublicOrder];
    let mut everything = base();
    everything.worker.id = "W06".into();
    everything.on_shift = false;
    everything.availability = Availability::TerminalOffline;
    everything.active_tasks = 4;
    everything.worker.skills.clear();
    let index = index(vec![base(), off_shift, offline, on_leave, full, unskilled, everything]);
    let dispute = event(SMALL, DISPUTE);

    assert_eq!(ids(&index.recommend(&dispute, 10)), ["W00"], "only the worker passing every filter");
    let cases: [(&str, &str); 6] = [
        ("W01", "不在班"),
        ("W02", "终端离线"),
        ("W03", "请假"),
        ("W04", "任务已满（3/3）"),
        ("W05", "缺少技能：矛盾调解"),
        ("W06", "不在班；终端离线；任务已满（4/3）；缺少技能：矛盾调解"),
    ];
    for (id, expected) in cases {
        assert_eq!(reasons_zh(&reasons(&index, id, &dispute)), expected, "{id}");
    }
    assert!(
        matches!(index.assess("W00", &dispute), Ok(Assessment::Eligible(ref r)) if r.tier == Tier::OwnGridFullTime),
        "the eligible worker assesses as eligible"
    );
    // Public order requires no skill, so the worker without mediation is back, first for holding the
    // public-order line.
    assert_eq!(ids(&index.recommend(&event(SMALL, Category::PublicOrder), 10)), ["W05", "W00"]);
}

#[test]
fn tiers_rank_own_full_time_then_part_time_then_village_then_neighbours_then_others() {
    // The more responsible, the farther away: tier must beat distance.
    let workers = vec![
        at(worker("A-other", Employment::FullTime, &[&format!("{OTHER_VILLAGE}001")]), 0.1, 0.0),
        at(worker("B-neighbour", Employment::FullTime, &[&format!("{OTHER_VILLAGE}002")]), 0.5, 0.0),
        at(worker("C-village", Employment::FullTime, &[&format!("{VILLAGE}001")]), 1.0, 0.0),
        at(worker("D-own-part", Employment::PartTime, &[SMALL]), 2.0, 0.0),
        at(worker("E-own-full", Employment::FullTime, &[VILLAGE, SMALL]), 6.0, 0.0),
    ];
    let index = index(workers);
    let mut target = event(SMALL, Category::PublicOrder);
    target.neighbours = vec![code(&format!("{OTHER_VILLAGE}002"))];
    let list = index.recommend(&target, 5);
    assert_eq!(ids(&list), ["E-own-full", "D-own-part", "C-village", "B-neighbour", "A-other"]);
    let tiers: Vec<Tier> = list.iter().map(|r| r.tier).collect();
    assert_eq!(tiers, Tier::ALL, "each worker in the tier their grids give them");
    assert_eq!(ids(&index.recommend(&target, 2)), ["E-own-full", "D-own-part"], "top k is a prefix");
}

#[test]
fn responsibility_follows_the_grid_hierarchy() {
    let small_of_micro = worker("small", Employment::PartTime, &[SMALL]);
    let micro_in_small = worker("micro", Employment::PartTime, &[MICRO]);
    let village_level = worker("village", Employment::FullTime, &[VILLAGE]);
    let township_level = at(worker("township", Employment::FullTime, &[TOWNSHIP]), 0.1, 0.0);
    let sibling_small = worker("sibling", Employment::PartTime, &[&format!("{VILLAGE}004")]);
    let index = index(vec![small_of_micro, micro_in_small, village_level, township_level, sibling_small]);
    let tier_of = |id: &str, grid: &str| match index.assess(id, &event(grid, Category::Fire)) {
        Ok(Assessment::Eligible(r)) => r.tier,
        other => panic!("{id} for {grid}: {other:?}"),
    };
    assert_eq!(
        tier_of("small", MICRO),
        Tier::OwnGridPartTime,
        "a small grid's worker covers its micro grids"
    );
    assert_eq!(tier_of("micro", SMALL), Tier::OwnGridPartTime, "a micro grid's worker is in its small grid");
    assert_eq!(tier_of("village", SMALL), Tier::Village, "the village-level worker is the village's");
    assert_eq!(tier_of("village", VILLAGE), Tier::OwnGridFullTime, "…and owns a village-level event");
    assert_eq!(tier_of("small", VILLAGE), Tier::Village, "a small grid's worker for a village-level event");
    assert_eq!(tier_of("sibling", MICRO), Tier::Village, "another small grid of the same village");
    assert_eq!(tier_of("township", SMALL), Tier::Other, "a township-level worker is nobody's in particular");
    assert_eq!(tier_of("township", TOWNSHIP), Tier::OwnGridFullTime, "…except for a township-level event");
    let mut with_neighbour = event(MICRO, Category::Fire);
    with_neighbour.neighbours = vec![code(&format!("{VILLAGE}004"))];
    assert!(
        matches!(index.assess("sibling", &with_neighbour), Ok(Assessment::Eligible(r)) if r.tier == Tier::Village),
        "the village tier outranks the neighbour tier for the same worker"
    );
}

#[test]
fn within_a_tier_the_nearer_ranks_first() {
    let grid = format!("{VILLAGE}001");
    let workers = vec![
        at(worker("W1", Employment::PartTime, &[&grid]), 2.5, 0.0),
        at(worker("W2", Employment::PartTime, &[&grid]), 0.0, -0.5),
        at(worker("W3", Employment::PartTime, &[&grid]), 1.0, 1.0),
        worker("W4", Employment::PartTime, &[&grid]),
    ];
    let list = index(workers).recommend(&event(SMALL, Category::Livelihood), 4);
    assert_eq!(ids(&list), ["W2", "W3", "W1", "W4"], "nearest first; an unknown distance counts as 3 km");
    let km: Vec<Option<f64>> =
        list.iter().map(|r| r.distance_km.map(|d| (d * 100.0).round() / 100.0)).collect();
    assert_eq!(km, [Some(0.5), Some(1.41), Some(2.5), None], "great-circle distances");
    assert!(list.windows(2).all(|w| w[0].score > w[1].score), "scores fall down the list: {list:?}");
}

#[test]
fn workload_and_recent_load_break_equal_distances() {
    let grid = format!("{VILLAGE}001");
    let with_load = |id: &str, active, recent| {
        let mut w = at(worker(id, Employment::PartTime, &[&grid]), 1.0, 0.0);
        w.active_tasks = active;
        w.recent_tasks = recent;
        w
    };
    let workers =
        vec![with_load("W1", 2, 0), with_load("W2", 1, 1), with_load("W3", 1, 0), with_load("W4", 0, 2)];
    let list = index(workers).recommend(&event(SMALL, Category::Livelihood), 4);
    assert_eq!(
        ids(&list),
        ["W4", "W3", "W2", "W1"],
        "an open task weighs more than a couple done in the last 24 hours"
    );
    // Load never outweighs responsibility: a busy own-grid worker still comes first.
    let mut busy_own = at(worker("OWN", Employment::PartTime, &[SMALL]), 4.0, 0.0);
    busy_own.active_tasks = 2;
    busy_own.recent_tasks = 12;
    let list =
        index(vec![busy_own, with_load("IDLE", 0, 0)]).recommend(&event(SMALL, Category::Livelihood), 2);
    assert_eq!(ids(&list), ["OWN", "IDLE"]);
}

#[test]
fn the_categorys_line_earns_points_without_filtering() {
    let grid = format!("{VILLAGE}001");
    let mut fire_trained = at(worker("W2", Employment::PartTime, &[&grid]), 1.0, 0.0);
    fire_trained.worker.skills = vec![BusinessLine::FireSafety];
    let untrained = at(worker("W1", Employment::PartTime, &[&grid]), 1.0, 0.0);
    let list = index(vec![untrained, fire_trained]).recommend(&event(SMALL, Category::Fire), 2);
    assert_eq!(ids(&list), ["W2", "W1"], "the fire-trained worker first; the other is still offered");
    assert_eq!(list.iter().map(|r| r.skill_match).collect::<Vec<_>>(), [true, false]);
}

#[test]
fn ties_go_to_the_lower_worker_id_whatever_the_input_order() {
    let grid = format!("{VILLAGE}001");
    let make = |order: &[&str]| {
        index(order.iter().map(|id| at(worker(id, Employment::PartTime, &[&grid]), 1.0, 1.0)).collect())
    };
    let target = event(SMALL, Category::Livelihood);
    let forward = make(&["W3", "W1", "W2"]).recommend(&target, 3);
    let backward = make(&["W2", "W1", "W3"]).recommend(&target, 3);
    assert_eq!(ids(&forward), ["W1", "W2", "W3"], "equal scores fall back to the worker id");
    assert_eq!(forward, backward, "the same force in another order gives the same list");
    assert_eq!(forward, make(&["W3", "W1", "W2"]).recommend(&target, 3), "and again, bit for bit");
}

#[test]
fn explanations_read_as_the_console_shows_them() {
    let mut own = at(worker("W1", Employment::FullTime, &[VILLAGE, SMALL]), 0.8, 0.0);
    own.active_tasks = 1;
    own.worker.skills = vec![BusinessLine::WorkSafety];
    let mut part = worker("W2", Employment::PartTime, &[SMALL]);
    part.recent_tasks = 2;
    part.worker.skills = vec![BusinessLine::PublicOrder];
    let village = at(worker("W3", Employment::PartTime, &[&format!("{VILLAGE}007")]), 2.46, 0.0);
    let neighbour = at(worker("W4", Employment::PartTime, &[&format!("{OTHER_VILLAGE}001")]), 0.0, 3.0);
    let stranger = at(worker("W5", Employment::PartTime, &[&format!("{OTHER_VILLAGE}009")]), 12.34, 0.0);
    let mut target = event(SMALL, Category::PublicOrder);
    target.neighbours = vec![code(&format!("{OTHER_VILLAGE}001"))];
    let list = index(vec![own, part, village, neighbour, stranger]).recommend(&target, 5);
    let lines: Vec<&str> = list.iter().map(|r| r.explanation.as_str()).collect();
    assert_eq!(
        lines,
        [
            "本网格专职网格员 · 距离 0.8 公里 · 在岗 · 当前任务 1 件",
            "本网格兼职网格员 · 距离未知 · 在岗 · 当前任务 0 件 · 近24小时 2 件 · 专长：治安巡防",
            "本村（社区）网格员 · 距离 2.5 公里 · 在岗 · 当前任务 0 件",
            "相邻网格网格员 · 距离 3.0 公里 · 在岗 · 当前任务 0 件",
            "其他网格员 · 距离 12.3 公里 · 在岗 · 当前任务 0 件",
        ]
    );
}

#[test]
fn strangers_are_offered_only_at_a_known_distance() {
    let grid = format!("{OTHER_VILLAGE}001");
    let workers = vec![
        worker("OWN", Employment::PartTime, &[SMALL]),
        worker("FAR-UNKNOWN", Employment::PartTime, &[&grid]),
        at(worker("FAR-KNOWN", Employment::PartTime, &[&grid]), 9.0, 0.0),
    ];
    let index = index(workers);
    let located = event(SMALL, Category::Livelihood);
    assert_eq!(
        ids(&index.recommend(&located, 5)),
        ["OWN", "FAR-KNOWN"],
        "a responsible worker without a location is still offered; a stranger without one is not"
    );
    assert_eq!(reasons_zh(&reasons(&index, "FAR-UNKNOWN", &located)), "非本片区且位置未知");
    let mut unlocated = located.clone();
    unlocated.location = None;
    assert_eq!(
        ids(&index.recommend(&unlocated, 5)),
        ["OWN"],
        "no stranger has a distance to an unplaced event"
    );
}

#[test]
fn excluded_workers_give_way_to_the_next_candidate() {
    let workers = vec![
        at(worker("W1", Employment::FullTime, &[SMALL]), 0.2, 0.0),
        at(worker("W2", Employment::PartTime, &[SMALL]), 0.4, 0.0),
        at(worker("W3", Employment::PartTime, &[&format!("{OTHER_VILLAGE}001")]), 0.1, 0.0),
    ];
    let index = index(workers);
    let mut target = event(SMALL, DISPUTE);
    target.excluded_workers = vec!["W1".into(), "W3".into()];
    assert_eq!(
        ids(&index.recommend(&target, 3)),
        ["W2"],
        "the one who timed out, and the stranger, are left out"
    );
    assert_eq!(reasons(&index, "W1", &target), [Ineligibility::Excluded]);
    assert_eq!(Ineligibility::Excluded.reason_zh(), "已派过本事件");
}

#[test]
fn live_updates_move_the_ranking() {
    let grid = format!("{VILLAGE}001");
    let stranger_grid = format!("{OTHER_VILLAGE}001");
    let mut index = index(vec![
        at(worker("W1", Employment::PartTime, &[&grid]), 1.0, 0.0),
        at(worker("W2", Employment::PartTime, &[&grid]), 2.0, 0.0),
        at(worker("S1", Employment::PartTime, &[&stranger_grid]), 5.0, 0.0),
        at(worker("S2", Employment::PartTime, &[&stranger_grid]), 6.0, 0.0),
    ]);
    let target = event(SMALL, Category::Livelihood);
    assert_eq!(ids(&index.recommend(&target, 4)), ["W1", "W2", "S1", "S2"]);

    index.update_location("W2", near(0.1, 0.0)).unwrap();
    index.update_location("S2", near(0.0, -0.3)).unwrap();
    assert_eq!(ids(&index.recommend(&target, 4)), ["W2", "W1", "S2", "S1"], "both moved closer");

    index.set_on_shift("W2", false).unwrap();
    index.set_load("S2", 3, 1).unwrap();
    assert_eq!(ids(&index.recommend(&target, 4)), ["W1", "S1"], "off shift and full are gone");

    index.set_availability("S1", Availability::TerminalOffline).unwrap();
    index.clear_location("W1").unwrap();
    let list = index.recommend(&target, 4);
    assert_eq!(ids(&list), ["W1"], "no eligible stranger is left; W1 stays without a location");
    assert_eq!(list[0].distance_km, None);

    index.set_on_shift("W2", true).unwrap();
    index.set_load("S2", 0, 0).unwrap();
    index.set_availability("S1", Availability::Available).unwrap();
    assert_eq!(ids(&index.recommend(&target, 4)), ["W2", "W1", "S2", "S1"], "all back");

    assert_eq!(index.set_on_shift("nobody", true), Err(DispatchError::UnknownWorker("nobody".into())));
    assert!(matches!(
        index.update_location("W1", GeoPoint { lat: f64::NAN, lon: 109.6 }),
        Err(DispatchError::BadLocation { .. })
    ));
    assert!(matches!(
        index.update_location("W1", GeoPoint { lat: 95.0, lon: 109.6 }),
        Err(DispatchError::BadLocation { .. })
    ));
}

#[test]
fn a_force_with_a_repeated_id_is_refused() {
    let result = DispatchIndex::new(
        &LevelScheme::guigang(),
        vec![worker("W1", Employment::FullTime, &[SMALL]), worker("W1", Employment::PartTime, &[MICRO])],
    );
    assert_eq!(result.err(), Some(DispatchError::DuplicateWorker("W1".into())));
}

#[test]
fn great_circle_distance_matches_a_known_length() {
    // One degree of latitude on the mean sphere is 111.195 km.
    let north = GeoPoint { lat: 24.1, lon: 109.6 };
    assert!((great_circle_km(ORIGIN, north) - 111.195).abs() < 0.001, "{}", great_circle_km(ORIGIN, north));
    assert_eq!(great_circle_km(ORIGIN, ORIGIN), 0.0);
}

/// A random force over 4 townships × 15 villages × 6 small grids × 3 micro grids, about 20 km across.
fn random_force(rng: &mut StdRng, count: usize) -> Vec<CandidateWorker> {
    (0..count)
        .map(|n| {
            let employment = if rng.gen_bool(0.1) { Employment::FullTime } else { Employment::PartTime };
            let grids: Vec<String> = (0..rng.gen_range(0..=2)).map(|_| random_grid(rng)).collect();
            let grids: Vec<&str> = grids.iter().map(String::as_str).collect();
            let mut w = worker(&format!("W{n:05}"), employment, &grids);
            w.worker.skills =
                BusinessLine::ALL.into_iter().filter(|_| rng.gen_bool(0.25)).collect::<Vec<_>>();
            if rng.gen_bool(0.85) {
                w.location = Some(near(rng.gen_range(-10.0..10.0), rng.gen_range(-10.0..10.0)));
            }
            w.on_shift = rng.gen_bool(0.3);
            w.availability = match rng.gen_range(0..10) {
                0 => Availability::TerminalOffline,
                1 => Availability::OnLeave,
                _ => Availability::Available,
            };
            w.max_tasks = rng.gen_range(1..=4);
            w.active_tasks = rng.gen_range(0..=w.max_tasks);
            w.recent_tasks = rng.gen_range(0..6);
            w
        })
        .collect()
}

fn random_grid(rng: &mut StdRng) -> String {
    let township = format!("450802{:03}", 101 + rng.gen_range(0..4));
    let village = format!("{township}{:03}", 201 + rng.gen_range(0..15));
    match rng.gen_range(0..10) {
        0 => township,
        1 | 2 => village,
        3..=6 => format!("{village}{:03}", 1 + rng.gen_range(0..6)),
        _ => format!("{village}{:03}{:02}", 1 + rng.gen_range(0..6), 1 + rng.gen_range(0..3)),
    }
}

fn random_target(rng: &mut StdRng, force: &[CandidateWorker]) -> DispatchTarget {
    DispatchTarget {
        grid: code(&random_grid(rng)),
        location: rng.gen_bool(0.9).then(|| near(rng.gen_range(-12.0..12.0), rng.gen_range(-12.0..12.0))),
        category: Category::ALL[rng.gen_range(0..Category::ALL.len())],
        neighbours: (0..rng.gen_range(0..4)).map(|_| code(&random_grid(rng))).collect(),
        excluded_workers: (0..rng.gen_range(0..3))
            .map(|_| force[rng.gen_range(0..force.len())].worker.id.clone())
            .collect(),
    }
}

/// Every worker assessed one by one, sorted by tier, score and id.
fn scan_and_sort(
    index: &DispatchIndex,
    force_ids: &[String],
    target: &DispatchTarget,
    k: usize,
) -> Vec<Recommendation> {
    let mut all: Vec<Recommendation> = force_ids
        .iter()
        .filter_map(|id| match index.assess(id, target).expect("known worker") {
            Assessment::Eligible(r) => Some(r),
            Assessment::Ineligible(_) => None,
        })
        .collect();
    all.sort_by(|a, b| {
        a.tier.cmp(&b.tier).then(b.score.total_cmp(&a.score)).then(a.worker_id.cmp(&b.worker_id))
    });
    all.truncate(k);
    all
}

#[test]
fn the_indexed_search_equals_a_scan_of_the_whole_force() {
    let mut rng = StdRng::seed_from_u64(20_240_601);
    let force = random_force(&mut rng, 3_000);
    let force_ids: Vec<String> = force.iter().map(|w| w.worker.id.clone()).collect();
    let mut index = index(force.clone());
    let (mut queries, mut reaching_strangers, mut short_lists) = (0, 0, 0);
    for round in 0..6 {
        for _ in 0..150 {
            let target = random_target(&mut rng, &force);
            // Mostly the console's five; sometimes far more than there are eligible workers, which makes
            // the walk run until its count of eligible workers is used up.
            let k = if rng.gen_bool(0.1) { 400 } else { rng.gen_range(1..=8) };
            let indexed = index.recommend(&target, k);
            let scanned = scan_and_sort(&index, &force_ids, &target, k);
            assert_eq!(indexed, scanned, "round {round}, k {k}, target {target:?}");
            queries += 1;
            reaching_strangers += usize::from(indexed.iter().any(|r| r.tier == Tier::Other));
            short_lists += usize::from(indexed.len() < k);
        }
        // Live changes between rounds keep the tree and the eligibility counts honest.
        for _ in 0..300 {
            let id = &force_ids[rng.gen_range(0..force_ids.len())];
            match rng.gen_range(0..5) {
                0 => index.update_location(id, near(rng.gen_range(-10.0..10.0), rng.gen_range(-10.0..10.0))),
                1 => index.clear_location(id),
                2 => index.set_on_shift(id, rng.gen_bool(0.5)),
                3 => index.set_load(id, rng.gen_range(0..4), rng.gen_range(0..6)),
                _ => index.set_availability(
                    id,
                    if rng.gen_bool(0.8) { Availability::Available } else { Availability::OnLeave },
                ),
            }
            .expect("known worker, valid location");
        }
    }
    // The comparison only means something if both halves of the search were exercised.
    assert!(reaching_strangers > queries / 4, "{reaching_strangers} of {queries} lists reached the R-tree");
    assert!(short_lists > queries / 20, "{short_lists} of {queries} lists ran out of eligible workers");
    assert!(queries - short_lists > queries / 2, "most lists were full");
}

#[test]
fn no_list_for_k_zero() {
    let index = index(vec![at(worker("W1", Employment::FullTime, &[SMALL]), 0.1, 0.0)]);
    assert!(index.recommend(&event(SMALL, DISPUTE), 0).is_empty());
    assert_eq!(index.recommend(&event(SMALL, DISPUTE), 1).len(), 1, "and one for k = 1");
}
