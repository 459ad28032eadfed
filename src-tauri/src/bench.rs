//! `redgrid-desktop --bench-ui --out FILE.json`: the console measures itself at the scale it is opened on
//! (a city-scale station from `redgrid demo seed --scale city`). The window runs the measurement
//! (`ui/js/bench.js`: every grid level shown at the whole-city view, the queue loaded, a scripted pan) and
//! reports its figures here; this side adds the memory of the app and its WebKit processes, writes the
//! file, prints the figures and ends the app.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use tauri::{AppHandle, State};

use crate::dto::UiError;

/// Set when the console was started with `--bench-ui`.
pub struct BenchUi {
    pub out: Option<PathBuf>,
    /// The highest total resident memory seen so far, in kB (sampled twice a second from the start).
    pub peak_kb: Arc<AtomicU64>,
}

impl BenchUi {
    pub fn new(out: Option<PathBuf>) -> BenchUi {
        let peak_kb = Arc::new(AtomicU64::new(0));
        if out.is_some() {
            let peak = peak_kb.clone();
            std::thread::spawn(move || loop {
                let rss = (process_tree_memory(std::process::id()).rss_mb * 1024.0) as u64;
                peak.fetch_max(rss, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(500));
            });
        }
        BenchUi { out, peak_kb }
    }
}

#[tauri::command]
pub async fn bench_plan(
    bench: State<'_, BenchUi>,
    request: crate::commands::Empty,
) -> Result<Value, UiError> {
    let _ = request;
    Ok(json!({ "enabled": bench.out.is_some() }))
}

/// The window's figures; names as in the output file.
#[derive(Debug, Deserialize)]
pub struct BenchFigures {
    map_ready_ms: f64,
    queue_ready_ms: f64,
    pan_frame_p95_ms: f64,
    #[serde(default)]
    pan_frame_p50_ms: Option<f64>,
    #[serde(default)]
    pan_frames: Option<u64>,
    #[serde(default)]
    polygons: Option<u64>,
    #[serde(default)]
    queue_rows: Option<u64>,
    #[serde(default)]
    workers: Option<u64>,
    #[serde(default)]
    zoom: Option<f64>,
    #[serde(default)]
    viewport: Option<Value>,
    /// When each part of the first load finished, in ms from the start (`ui/js/marks.js`).
    #[serde(default)]
    marks: Option<Value>,
    /// Marker layers drawn at the measured view, per kind.
    #[serde(default)]
    markers: Option<Value>,
    /// Grid tiles drawn, their mean and longest drawing time.
    #[serde(default)]
    tiles: Option<Value>,
    /// Set when the window could not finish the measurement; the file then says why and the app fails.
    #[serde(default)]
    error: Option<String>,
}

#[tauri::command]
pub async fn bench_report(
    app: AppHandle,
    bench: State<'_, BenchUi>,
    request: BenchFigures,
) -> Result<(), UiError> {
    let Some(out) = &bench.out else {
        return Err(UiError::invalid("未以 --bench-ui 启动，无基准测试可报告"));
    };
    let memory = process_tree_memory(std::process::id());
    let figures = json!({
        "map_ready_ms": request.map_ready_ms.round(),
        "queue_ready_ms": request.queue_ready_ms.round(),
        "pan_frame_p95_ms": (request.pan_frame_p95_ms * 10.0).round() / 10.0,
        "pan_frame_p50_ms": request.pan_frame_p50_ms.map(|v| (v * 10.0).round() / 10.0),
        "rss_total_mb": memory.rss_mb.round(),
        "rss_peak_mb": (bench.peak_kb.load(Ordering::Relaxed).max((memory.rss_mb * 1024.0) as u64) as f64 / 1024.0).round(),
        "pss_total_mb": memory.pss_mb.map(f64::round),
        "processes": memory.processes,
        "pan_frames": request.pan_frames,
        "polygons": request.polygons,
        "queue_rows": request.queue_rows,
        "workers": request.workers,
        "zoom": request.zoom,
        "viewport": request.viewport,
        "marks": request.marks,
        "tiles": request.tiles,
        "markers": request.markers,
        "display": std::env::var("DISPLAY").ok(),
        "targets": {
            "map_ready_ms": 2000,
            "queue_ready_ms": 500,
            "pan_frame_p95_ms": 50,
            "rss_total_mb": 800
        },
        "error": request.error,
    });
    let text = serde_json::to_string_pretty(&figures).expect("plain JSON");
    println!("{text}");
    if let Err(error) = std::fs::write(out, format!("{text}\n")) {
        eprintln!("错误：无法写入 {}：{error}", out.display());
        app.exit(1);
        return Ok(());
    }
    app.exit(if request.error.is_some() { 1 } else { 0 });
    Ok(())
}

struct TreeMemory {
    rss_mb: f64,
    /// Proportional set size: shared pages split between the processes that map them (None where the
    /// kernel has no smaps_rollup).
    pss_mb: Option<f64>,
    processes: Vec<Value>,
}

/// Resident memory of a process and all its descendants (WebKit's web and network processes, and the
/// bubblewrap sandbox between them), read from /proc.
fn process_tree_memory(root: u32) -> TreeMemory {
    let mut parent_of: HashMap<u32, u32> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            if let Some(ppid) = status_field(pid, "PPid:") {
                parent_of.insert(pid, ppid as u32);
            }
        }
    }
    let in_tree = |mut pid: u32| loop {
        if pid == root {
            return true;
        }
        match parent_of.get(&pid) {
            Some(&ppid) if ppid != 0 && ppid != pid => pid = ppid,
            _ => return false,
        }
    };
    let mut rss_kb = 0u64;
    let mut pss_kb = Some(0u64);
    let mut processes = Vec::new();
    let mut pids: Vec<u32> = parent_of.keys().copied().filter(|&p| in_tree(p)).collect();
    pids.sort_unstable();
    for pid in pids {
        let rss = status_field(pid, "VmRSS:").unwrap_or(0);
        let pss = smaps_pss(pid);
        rss_kb += rss;
        pss_kb = pss_kb.zip(pss).map(|(a, b)| a + b);
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        processes.push(json!({ "pid": pid, "name": name.trim(), "rss_mb": (rss as f64 / 1024.0).round() }));
    }
    TreeMemory { rss_mb: rss_kb as f64 / 1024.0, pss_mb: pss_kb.map(|k| k as f64 / 1024.0), processes }
}

/// A numeric field of /proc/PID/status (kB for the memory ones).
fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

fn smaps_pss(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    line[4..].split_whitespace().next()?.parse().ok()
}
