//! `redgrid roster bench`: runs the roster solver on the Curtois–Qu benchmark instances.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use redgrid_core::roster::{evaluate, parse_benchmark, solve, Budget, Progress, SolverConfig};

/// Best known objectives of instances 1–12 (schedulingbenchmarks.org), used without `--best-known`.
const BUILT_IN_BEST_KNOWN: [(u32, i64); 12] = [
    (1, 607),
    (2, 828),
    (3, 1001),
    (4, 1716),
    (5, 1143),
    (6, 1950),
    (7, 1056),
    (8, 1300),
    (9, 439),
    (10, 4631),
    (11, 3443),
    (12, 4040),
];

#[derive(Debug, Clone, clap::Args)]
pub struct RosterBenchArgs {
    /// Folder holding InstanceN.txt files.
    #[arg(long, value_name = "DIR")]
    pub instances: PathBuf,
    /// Seconds of search per instance.
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// CSV with columns instance,best_known (built-in values for 1–12 otherwise).
    #[arg(long, value_name = "CSV")]
    pub best_known: Option<PathBuf>,
    /// Folder to write InstanceN.roster files into.
    #[arg(long, value_name = "DIR")]
    pub rosters: Option<PathBuf>,
    /// JSON report to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only these instance numbers, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    pub only: Option<Vec<u32>>,
}

/// Stops after a wall-clock duration; the solver itself never reads the clock.
struct TimeBudget {
    started: Instant,
    seconds: f64,
    instance: u32,
}

impl Budget for TimeBudget {
    fn should_stop(&mut self, _iterations: u64) -> bool {
        self.started.elapsed().as_secs_f64() >= self.seconds
    }

    fn used_fraction(&mut self, _iterations: u64) -> f64 {
        self.started.elapsed().as_secs_f64() / self.seconds
    }

    fn progress(&mut self, progress: &Progress) {
        tracing::debug!(
            instance = self.instance,
            iterations = progress.iterations,
            best = progress.best_objective,
            "better roster"
        );
    }
}

struct Row {
    instance: u32,
    /// `None` when no feasible roster was found in the time given.
    objective: Option<i64>,
    hard_violations: Option<usize>,
    seconds: f64,
    iterations: u64,
    best_known: Option<i64>,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        let objective = self.objective?;
        self.best_known.filter(|&b| b > 0).map(|b| objective as f64 / b as f64)
    }
}

fn read_best_known(path: Option<&Path>) -> anyhow::Result<BTreeMap<u32, i64>> {
    let Some(path) = path else {
        return Ok(BUILT_IN_BEST_KNOWN.into_iter().collect());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading best-known values from {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("instance") {
            continue;
        }
        let mut fields = line.split(',').map(str::trim);
        let (Some(instance), Some(value)) = (fields.next(), fields.next()) else {
            bail!("{} line {}: expected instance,best_known", path.display(), index + 1);
        };
        let instance = instance.trim_start_matches("Instance");
        let parsed = instance.parse::<u32>().ok().zip(value.parse::<f64>().ok());
        let Some((instance, value)) = parsed else {
            bail!("{} line {}: expected two numbers", path.display(), index + 1);
        };
        out.insert(instance, value.round() as i64);
    }
    Ok(out)
}

fn list_instances(dir: &Path) -> anyhow::Result<Vec<(u32, PathBuf)>> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let number = name
            .strip_prefix("Instance")
            .and_then(|n| n.strip_suffix(".txt"))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(number) = number {
            found.push((number, path));
        }
    }
    found.sort();
    Ok(found)
}

/// Solves every instance in the folder and writes the report.
pub fn run_bench(args: &RosterBenchArgs) -> anyhow::Result<()> {
    if args.seconds.is_nan() || args.seconds <= 0.0 {
        bail!("--seconds must be positive");
    }
    let best_known = read_best_known(args.best_known.as_deref())?;
    let mut instances = list_instances(&args.instances)?;
    if let Some(only) = &args.only {
        instances.retain(|(n, _)| only.contains(n));
    }
    if instances.is_empty() {
        bail!("no InstanceN.txt files to run in {}", args.instances.display());
    }
    if let Some(dir) = &args.rosters {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut rows = Vec::new();
    for (number, path) in instances {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let model = parse_benchmark(&text).with_context(|| format!("parsing {}", path.display()))?;
        let started = Instant::now();
        let mut budget = TimeBudget { started, seconds: args.seconds, instance: number };
        let config = SolverConfig { seed: args.seed, ..SolverConfig::default() };
        let outcome = solve(&model, &config, &mut budget);
        let seconds = started.elapsed().as_secs_f64();
        let mut row = Row {
            instance: number,
            objective: None,
            hard_violations: None,
            seconds,
            iterations: 0,
            best_known: best_known.get(&number).copied(),
        };
        match outcome {
            Ok(solution) => {
                let evaluation = evaluate(&model, &solution.roster);
                if let Some(dir) = &args.rosters {
                    let file = dir.join(format!("Instance{number}.roster"));
                    std::fs::write(&file, solution.roster.to_text(&model))
                        .with_context(|| format!("writing {}", file.display()))?;
                }
                row.objective = Some(evaluation.objective());
                row.hard_violations = Some(evaluation.hard_violations());
                row.iterations = solution.iterations;
            }
            // One unsolved instance should not hide the others' figures; its row says so.
            Err(error) => tracing::warn!(instance = number, %error, "no roster"),
        }
        tracing::info!(
            instance = number,
            objective = row.objective,
            hard_violations = row.hard_violations,
            best_known = row.best_known,
            gap_pct = row.ratio().map(|r| (r - 1.0) * 100.0),
            seconds = row.seconds,
            iterations = row.iterations,
            "roster solved"
        );
        rows.push(row);
    }

    let ratios: Vec<f64> = rows.iter().filter_map(Row::ratio).collect();
    let geomean_gap_pct = (!ratios.is_empty()).then(|| {
        let mean_log = ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64;
        (mean_log.exp() - 1.0) * 100.0
    });

    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:>8} {:>10} {:>5} {:>10} {:>8} {:>8} {:>12}",
        "instance", "objective", "hard", "best", "gap %", "seconds", "moves"
    );
    for row in &rows {
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
        let best = dash(row.best_known.map(|b| b.to_string()));
        let objective = dash(row.objective.map(|o| o.to_string()));
        let hard = dash(row.hard_violations.map(|h| h.to_string()));
        let gap = row.ratio().map_or("-".to_string(), |r| format!("{:.2}", (r - 1.0) * 100.0));
        let _ = writeln!(
            table,
            "{:>8} {:>10} {:>5} {:>10} {:>8} {:>8.1} {:>12}",
            row.instance, objective, hard, best, gap, row.seconds, row.iterations
        );
    }
    if let Some(gap) = geomean_gap_pct {
        let _ = writeln!(table, "geometric-mean gap: {gap:.2} %");
    }
    eprint!("{table}");

    let report = serde_json::json!({
        "instances": rows.iter().map(|row| serde_json::json!({
            "instance": row.instance,
            "objective": row.objective,
            "hard_violations": row.hard_violations,
            "seconds": row.seconds,
            "best_known": row.best_known,
            "gap_pct": row.ratio().map(|r| (r - 1.0) * 100.0),
        })).collect::<Vec<_>>(),
        "geomean_gap_pct": geomean_gap_pct,
    });
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(&args.out, json + "\n").with_context(|| format!("writing {}", args.out.display()))?;
    Ok(())
}
