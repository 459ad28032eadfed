//! `redgrid roster bench`: runs the roster solver on the Curtois–Qu benchmark instances.
//! `redgrid roster plan`: plans the township's roster and stores it.
//! `redgrid roster export --xlsx FILE`: writes a stored roster as the sheet a township office prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{Datelike, NaiveDate};
use redgrid_api::roster::{day_label, next_monday, PlanBudget, RosterPlanRequest, RosterSheet};
use redgrid_core::roster::{evaluate, parse_benchmark, solve, Budget, Progress, SolverConfig};
use redgrid_core::time::local_date;
use redgrid_core::time_limit::Mode;

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

/// The operating profile a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// 平时.
    Peacetime,
    /// 战时: 24-hour cover, more patrols, part-time workers called up.
    Wartime,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Peacetime => Mode::Peacetime,
            ModeArg::Wartime => Mode::Wartime,
        }
    }
}

#[derive(Clone, clap::Args)]
pub struct RosterPlanArgs {
    #[command(flatten)]
    db: crate::DbArg,
    /// First day, YYYY-MM-DD (Asia/Shanghai); default next Monday.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// Weeks to plan (1–8).
    #[arg(long, default_value_t = 2)]
    pub weeks: u32,
    /// Demand and contracts of this roster profile (default: the response level's in force).
    #[arg(long, value_enum, alias = "mode")]
    pub profile: Option<ModeArg>,
    /// Seconds of search.
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Clone, clap::Args)]
pub struct RosterExportArgs {
    #[command(flatten)]
    db: crate::DbArg,
    /// The XLSX file to write.
    #[arg(long, value_name = "FILE")]
    pub xlsx: PathBuf,
    /// Roster number (default: the newest).
    #[arg(long, value_name = "ID")]
    pub roster: Option<i64>,
}

/// Plans the township roster and prints its figures, as the `--as` account (a leader or duty officer).
pub async fn run_plan(args: &RosterPlanArgs, identity: &mut crate::identity::Identity) -> anyhow::Result<()> {
    let station = args.db.station().await?;
    let actor = identity.person(&station).await?;
    let first_day = match &args.from {
        Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--from 应为 YYYY-MM-DD 的日期，收到“{text}”"))?,
        None => next_monday(local_date(station.now())),
    };
    let mode = args.profile.map(Mode::from).unwrap_or_else(|| station.level().roster_profile.mode());
    let request = RosterPlanRequest {
        first_day,
        weeks: args.weeks,
        mode,
        budget: PlanBudget::Seconds(args.seconds),
        seed: args.seed,
    };
    say!("正在编制{}排班：{} 起 {} 周，计算 {} 秒……", mode.name_zh(), first_day, args.weeks, args.seconds);
    let plan = station.plan_roster(&actor, &request).await?;
    let last_day = first_day + chrono::Duration::days(plan.days as i64 - 1);
    say!("已保存排班 #{}（{} 至 {}，{}）", plan.roster_id, first_day, last_day, mode.name_zh());
    say!(
        "  网格员 {} 人（专职 {} 人），排定班次 {} 个",
        plan.workers,
        plan.full_time_workers,
        plan.coverage.worked_shifts
    );
    say!(
        "  需求班次 {}，已覆盖 {}（{:.1}%），缺口 {} 处",
        plan.coverage.required,
        plan.coverage.covered,
        100.0 * f64::from(plan.coverage.covered) / f64::from(plan.coverage.required.max(1)),
        plan.coverage.gaps.len()
    );
    say!(
        "  目标值 {}（覆盖 {}，公平 {}），违反硬性规则 {} 条，用时 {:.1} 秒（{} 步）",
        plan.objective,
        plan.cover_penalty,
        plan.fairness_penalty,
        plan.hard_violations,
        plan.seconds,
        plan.moves
    );
    let mut by_area: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    for gap in &plan.coverage.gaps {
        let entry = by_area.entry((gap.area_code.clone(), gap.area_name.clone())).or_default();
        entry.0 += 1;
        entry.1 += gap.required - gap.assigned;
    }
    for ((_, name), (cells, missing)) in &by_area {
        say!("  缺口：{name} {cells} 个班次共缺 {missing} 人次");
    }
    Ok(())
}

/// Writes a stored roster (the newest by default) as an XLSX sheet.
pub async fn run_export(args: &RosterExportArgs) -> anyhow::Result<()> {
    let station = args.db.station().await?;
    let sheet = station.roster_sheet(args.roster).await?;
    write_sheet(&sheet, &args.xlsx)?;
    say!(
        "已导出排班 #{} 到 {}：网格员 {} 人 × {} 天",
        sheet.roster_id,
        args.xlsx.display(),
        sheet.rows.len(),
        sheet.days.len()
    );
    Ok(())
}

/// The printed sheet: a title and a subtitle row, then the header (姓名, 类别, 所属, one column per day,
/// 合计班次, 合计小时), one row per worker, a row of counts per shift type and the day totals, and the
/// legend. A4 landscape, one page wide, header rows repeated on every page, names and header frozen.
pub fn write_sheet(sheet: &RosterSheet, path: &Path) -> anyhow::Result<()> {
    use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};

    const FIRST_DAY_COL: u16 = 3;
    const HEADER_ROW: u32 = 2;
    let days = sheet.days.len() as u16;
    let shifts_col = FIRST_DAY_COL + days;
    let hours_col = shifts_col + 1;
    let font = "宋体";
    let base = Format::new().set_font_name(font).set_font_size(10);
    let cell = base.clone().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let title = base.clone().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let subtitle = base.clone().set_font_size(9).set_align(FormatAlign::Left);
    let header = cell.clone().set_bold().set_text_wrap().set_background_color(Color::RGB(0xD9D9D9));
    let weekend_header = header.clone().set_background_color(Color::RGB(0xF4CCCC));
    let name = cell.clone().set_align(FormatAlign::Left);
    let night = cell.clone().set_bold().set_background_color(Color::RGB(0xDDE4F0));
    let duty = cell.clone().set_bold().set_background_color(Color::RGB(0xFFF2CC));
    let total = cell.clone().set_bold().set_background_color(Color::RGB(0xEFEFEF));
    let total_label = total.clone().set_align(FormatAlign::Left);

    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("排班表")?;
    let (Some(first), Some(last)) = (sheet.days.first(), sheet.days.last()) else {
        anyhow::bail!("排班 #{} 没有日期", sheet.roster_id);
    };
    ws.merge_range(
        0,
        0,
        0,
        hours_col,
        &format!("{}网格员排班表（{} 至 {}，{}）", sheet.township_name, first, last, sheet.mode.name_zh()),
        &title,
    )?;
    let legend: Vec<String> = sheet
        .shift_types
        .iter()
        .map(|t| {
            let start = t.start_minute;
            let end = (t.start_minute + t.length_minutes) % 1440;
            let next_day = if t.start_minute + t.length_minutes > 1440 { "次日" } else { "" };
            format!(
                "{}={} {:02}:{:02}–{next_day}{:02}:{:02}",
                t.code,
                t.name,
                start / 60,
                start % 60,
                end / 60,
                end % 60
            )
        })
        .collect();
    let created = sheet.created_at.with_timezone(&redgrid_core::time::shanghai()).format("%Y-%m-%d %H:%M");
    ws.merge_range(
        1,
        0,
        1,
        hours_col,
        &format!(
            "排班编号 #{} · {} 编制于 {} · 班次：{}",
            sheet.roster_id,
            sheet.created_by,
            created,
            legend.join("；")
        ),
        &subtitle,
    )?;
    ws.set_row_height(0, 26)?;
    ws.set_row_height(HEADER_ROW, 30)?;

    for (col, text) in [(0, "姓名"), (1, "类别"), (2, "所属")] {
        ws.write_string_with_format(HEADER_ROW, col, text, &header)?;
    }
    for (d, day) in sheet.days.iter().enumerate() {
        let weekend = day.weekday().num_days_from_monday() >= 5;
        let format = if weekend { &weekend_header } else { &header };
        ws.write_string_with_format(HEADER_ROW, FIRST_DAY_COL + d as u16, day_label(*day), format)?;
    }
    ws.write_string_with_format(HEADER_ROW, shifts_col, "合计班次", &header)?;
    ws.write_string_with_format(HEADER_ROW, hours_col, "合计小时", &header)?;

    let mut row = HEADER_ROW + 1;
    for worker in &sheet.rows {
        ws.write_string_with_format(row, 0, &worker.name, &name)?;
        ws.write_string_with_format(row, 1, &worker.category, &name)?;
        ws.write_string_with_format(row, 2, &worker.area_name, &name)?;
        for (d, code) in worker.cells.iter().enumerate() {
            let col = FIRST_DAY_COL + d as u16;
            match code.as_deref() {
                Some(code @ "夜") => ws.write_string_with_format(row, col, code, &night)?,
                Some(code @ "白") => ws.write_string_with_format(row, col, code, &duty)?,
                Some(code) => ws.write_string_with_format(row, col, code, &cell)?,
                None => ws.write_blank(row, col, &cell)?,
            };
        }
        ws.write_number_with_format(row, shifts_col, f64::from(worker.shifts), &cell)?;
        ws.write_number_with_format(row, hours_col, f64::from(worker.minutes) / 60.0, &cell)?;
        row += 1;
    }
    let total_minutes: u32 = sheet.rows.iter().map(|r| r.minutes).sum();
    for (s, shift) in sheet.shift_types.iter().enumerate() {
        ws.merge_range(row, 0, row, 2, &format!("{}（{}）人数", shift.name, shift.code), &total_label)?;
        for (d, &n) in sheet.day_counts[s].iter().enumerate() {
            ws.write_number_with_format(row, FIRST_DAY_COL + d as u16, f64::from(n), &total)?;
        }
        let sum: u32 = sheet.day_counts[s].iter().sum();
        ws.write_number_with_format(row, shifts_col, f64::from(sum), &total)?;
        let hours = f64::from(sum) * shift.length_minutes as f64 / 60.0;
        ws.write_number_with_format(row, hours_col, hours, &total)?;
        row += 1;
    }
    ws.merge_range(row, 0, row, 2, "当日在岗合计", &total_label)?;
    for (d, &n) in sheet.day_totals.iter().enumerate() {
        ws.write_number_with_format(row, FIRST_DAY_COL + d as u16, f64::from(n), &total)?;
    }
    ws.write_number_with_format(row, shifts_col, f64::from(sheet.day_totals.iter().sum::<u32>()), &total)?;
    ws.write_number_with_format(row, hours_col, f64::from(total_minutes) / 60.0, &total)?;
    row += 2;
    ws.merge_range(
        row,
        0,
        row,
        hours_col,
        "说明：空白为休息；夜班与备勤次日 08:00 结束，其后不排白班或巡查。",
        &subtitle,
    )?;

    ws.set_column_width(0, 9)?;
    ws.set_column_width(1, 13)?;
    ws.set_column_width(2, 13)?;
    for d in 0..days {
        ws.set_column_width(FIRST_DAY_COL + d, 6.5)?;
    }
    ws.set_column_width(shifts_col, 7)?;
    ws.set_column_width(hours_col, 7)?;
    ws.set_freeze_panes(HEADER_ROW + 1, FIRST_DAY_COL)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    workbook.save(path).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(())
}
