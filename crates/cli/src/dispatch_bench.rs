//! `redgrid bench dispatch`: worker recommendation at city scale. Builds Guigang's whole grid force on its
//! real township and village codes, then times the top-5 recommendation for random events and the live
//! location updates that keep the index current. Pure computation: no store, no broker.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use redgrid_api::divisions::{Divisions, GUIGANG};
use redgrid_core::dispatch::{Availability, CandidateWorker, DispatchIndex, DispatchTarget, GeoPoint, Tier};
use redgrid_core::event::Category;
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, NKind, ThreeKind, Worker};
use serde_json::json;

/// Guigang's full-time grid workers (专职网格员) in a force of 65,000.
const GUIGANG_FULL_TIME: f64 = 1_314.0 / 65_000.0;

#[derive(Args)]
pub struct DispatchBenchArgs {
    /// Workers in the synthetic force (Guigang's whole grid force is about 65,000).
    #[arg(long, default_value_t = 65_000)]
    workers: usize,
    /// Recommendations to time.
    #[arg(long, default_value_t = 10_000)]
    queries: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
}

/// A village with its generated grids and a centre to scatter workers and events around.
struct VillagePlan {
    code: GridCode,
    small: Vec<GridCode>,
    micro: Vec<GridCode>,
    centre: GeoPoint,
}

pub fn run(args: &DispatchBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.workers > 0 && args.queries > 0, "--workers 与 --queries 须大于 0");
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let scheme = LevelScheme::guigang();
    let villages = plan_villages(&mut rng, &scheme)?;
    let force = synthesise_force(&mut rng, &villages, args.workers);
    let full_time = force.iter().filter(|w| w.worker.employment == Employment::FullTime).count();
    let on_shift = force.iter().filter(|w| w.on_shift).count();
    let located = force.iter().filter(|w| w.location.is_some()).count();
    let ids: Vec<String> = force.iter().map(|w| w.worker.id.clone()).collect();

    let started = Instant::now();
    let mut index = DispatchIndex::new(&scheme, force).context("生成的网格力量无效")?;
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;

    let targets: Vec<DispatchTarget> =
        (0..args.queries).map(|_| random_target(&mut rng, &villages, &scheme)).collect();
    // Warm the caches and the allocator so the first queries do not stand for cold-start costs.
    for target in targets.iter().take(200) {
        std::hint::black_box(index.recommend(target, 5));
    }
    let mut recommend_us = Vec::with_capacity(targets.len());
    let mut first_tiers = [0usize; Tier::ALL.len()];
    let (mut reaching_other, mut short_lists) = (0usize, 0usize);
    for target in &targets {
        let started = Instant::now();
        let list = index.recommend(target, 5);
        recommend_us.push(started.elapsed().as_secs_f64() * 1e6);
        if let Some(first) = list.first() {
            first_tiers[first.tier as usize] += 1;
        }
        reaching_other += usize::from(list.iter().any(|r| r.tier == Tier::Other));
        short_lists += usize::from(list.len() < 5);
    }

    // Location reports move workers in the R-tree: one remove and one insert each.
    let mut update_us = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let village = villages.choose(&mut rng).expect("Guigang has villages");
        let id = &ids[rng.gen_range(0..ids.len())];
        let at = scatter(&mut rng, village.centre, 0.02);
        let started = Instant::now();
        index.update_location(id, at)?;
        update_us.push(started.elapsed().as_secs_f64() * 1e6);
    }

    let recommend_us = sorted(recommend_us);
    let update_us = sorted(update_us);
    let share = |n: usize| n as f64 / targets.len() as f64;
    let result = json!({
        "workers": args.workers,
        "full_time_workers": full_time,
        "on_shift_workers": on_shift,
        "located_workers": located,
        "villages": villages.len(),
        "queries": args.queries,
        "seed": args.seed,
        "build_ms": build_ms,
        "recommend_p50_us": percentile(&recommend_us, 50.0),
        "recommend_p99_us": percentile(&recommend_us, 99.0),
        "recommend_max_us": recommend_us.last().copied(),
        "recommend_mean_us": recommend_us.iter().sum::<f64>() / recommend_us.len() as f64,
        "first_choice_tier_share": Tier::ALL
            .iter()
            .map(|t| (t.key().to_string(), json!(share(first_tiers[*t as usize]))))
            .collect::<serde_json::Map<_, _>>(),
        "lists_reaching_other_tier_share": share(reaching_other),
        "lists_shorter_than_5_share": share(short_lists),
        "update_location_p50_us": percentile(&update_us, 50.0),
        "update_location_p99_us": percentile(&update_us, 99.0),
    });
    say!("{}", serde_json::to_string_pretty(&result)?);
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&result)?)
        .with_context(|| format!("无法写入 {}", args.out.display()))?;
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(|a, b| a.total_cmp(b));
    values
}

/// A point up to `spread` degrees from `centre` in each direction.
fn scatter(rng: &mut impl Rng, centre: GeoPoint, spread: f64) -> GeoPoint {
    GeoPoint {
        lat: centre.lat + rng.gen_range(-spread..spread),
        lon: centre.lon + rng.gen_range(-spread..spread),
    }
}

/// Every real village of Guigang with 6–14 small grids of 2–4 micro grids each, townships scattered around
/// their county's centre and villages around their township's.
fn plan_villages(rng: &mut impl Rng, scheme: &LevelScheme) -> anyhow::Result<Vec<VillagePlan>> {
    let divisions = Divisions::parse(GUIGANG).context("内置区划文件无效")?;
    let mut plans = Vec::with_capacity(divisions.villages.len());
    for township in divisions.townships.values() {
        let (lon, lat) = divisions.county_centre(&township.code).unwrap_or((109.598926, 23.11153));
        let township_centre = scatter(rng, GeoPoint { lat, lon }, 0.3);
        for village in divisions.villages_of(&township.code) {
            let code = GridCode::parse(&village.code, scheme)?;
            let mut small = Vec::new();
            let mut micro = Vec::new();
            for s in 1..=rng.gen_range(6..=14) {
                let small_code = code.child(s, scheme)?;
                for m in 1..=rng.gen_range(2..=4) {
                    micro.push(small_code.child(m, scheme)?);
                }
                small.push(small_code);
            }
            plans.push(VillagePlan { code, small, micro, centre: scatter(rng, township_centre, 0.06) });
        }
    }
    anyhow::ensure!(!plans.is_empty(), "内置区划文件中没有村（社区）");
    Ok(plans)
}

/// The force: one full-time worker per village first (the rest of the full-time quota to random villages),
/// answering for the village and all its small grids; part-time workers on one small or micro grid each.
fn synthesise_force(rng: &mut impl Rng, villages: &[VillagePlan], count: usize) -> Vec<CandidateWorker> {
    use BusinessLine::*;
    let full_time = ((count as f64 * GUIGANG_FULL_TIME).round() as usize).max(1).min(count);
    let mut force = Vec::with_capacity(count);
    for n in 0..count {
        let village = if n < villages.len() { &villages[n] } else { villages.choose(rng).expect("villages") };
        let employment = if n < full_time { Employment::FullTime } else { Employment::PartTime };
        let (group, grids, mut skills, max_tasks, on_shift) = match employment {
            Employment::FullTime => {
                let mut grids = vec![village.code.clone()];
                grids.extend(village.small.iter().cloned());
                let mut skills =
                    vec![PublicOrder, Livelihood, FireSafety, Emergency, AntiFraud, MedicalInsurance];
                skills.shuffle(rng);
                skills.truncate(3);
                skills.push(Mediation);
                (ForceGroup::One, grids, skills, 5, rng.gen_bool(0.7))
            }
            Employment::PartTime => {
                let grid = if rng.gen_bool(0.4) {
                    village.small.choose(rng).expect("small grids")
                } else {
                    village.micro.choose(rng).expect("micro grids")
                };
                let group = match rng.gen_range(0..6) {
                    0 => ForceGroup::Three(ThreeKind::VillageCadre),
                    1 => ForceGroup::Three(ThreeKind::Police),
                    2 => ForceGroup::Three(ThreeKind::Patrol),
                    3 => ForceGroup::N(NKind::Volunteer),
                    4 => ForceGroup::N(NKind::SocialWorker),
                    _ => ForceGroup::N(NKind::VillageElite),
                };
                let mut skills: Vec<BusinessLine> =
                    BusinessLine::ALL.into_iter().filter(|_| rng.gen_bool(0.12)).collect();
                if rng.gen_bool(0.2) {
                    skills.push(Mediation);
                }
                if rng.gen_bool(0.06) {
                    skills.push(Petition);
                }
                (group, vec![grid.clone()], skills, 2, rng.gen_bool(0.3))
            }
        };
        skills.sort();
        skills.dedup();
        let max_tasks: u32 = max_tasks;
        force.push(CandidateWorker {
            worker: Worker {
                id: format!("W{n:06}"),
                name: format!("网格员{n}"),
                phone: String::new(),
                employment,
                group,
                roles: Vec::new(),
                skills,
                grids,
                party_member: false,
                owntracks_user: None,
            },
            location: rng.gen_bool(0.88).then(|| scatter(rng, village.centre, 0.02)),
            on_shift,
            availability: match rng.gen_range(0..100) {
                0..=5 => Availability::TerminalOffline,
                6..=9 => Availability::OnLeave,
                _ => Availability::Available,
            },
            // Most workers hold nothing at a given moment; a few are at their limit.
            active_tasks: [0, 0, 0, 0, 1, 1, 2, 5][rng.gen_range(0..8)].min(max_tasks),
            recent_tasks: rng.gen_range(0..5),
            max_tasks,
        });
    }
    force
}

/// An event in a random small or micro grid, usually placed, with two to four neighbouring small grids and
/// now and then one across the village boundary.
fn random_target(rng: &mut impl Rng, villages: &[VillagePlan], scheme: &LevelScheme) -> DispatchTarget {
    let village_at = rng.gen_range(0..villages.len());
    let village = &villages[village_at];
    let grid = if rng.gen_bool(0.7) {
        village.small.choose(rng).expect("small grids")
    } else {
        village.micro.choose(rng).expect("micro grids")
    };
    let small = grid.ancestor_at(scheme.village_depth() + 1, scheme).expect("below the village");
    let count = rng.gen_range(2..=4);
    let mut neighbours: Vec<GridCode> =
        village.small.choose_multiple(rng, count).filter(|s| **s != small).cloned().collect();
    if rng.gen_bool(0.3) {
        let next = &villages[(village_at + 1) % villages.len()];
        neighbours.push(next.small.choose(rng).expect("small grids").clone());
    }
    DispatchTarget {
        grid: grid.clone(),
        location: rng.gen_bool(0.95).then(|| scatter(rng, village.centre, 0.02)),
        category: Category::ALL[rng.gen_range(0..Category::ALL.len())],
        neighbours,
        excluded_workers: Vec::new(),
    }
}
