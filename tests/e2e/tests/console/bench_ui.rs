//! `redgrid-desktop --bench-ui --out FILE` runs to the end on a real window and writes every figure it
//! promises. No figure is judged here (timings belong to the benchmark, not to tests); what is checked is
//! that the measurement saw what it claims to have measured: every grid polygon above the household, every
//! open event in the queue, the whole pan, and the WebKit processes in the memory figure.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context};
use redgrid_e2e::{free_port, Binaries, Display, Scratch};
use serde_json::Value;

use crate::run;

#[test]
fn the_ui_benchmark_measures_every_polygon_and_every_open_event() {
    run(async {
        let scratch = Scratch::new("bench-ui")?;
        let binaries = Binaries::locate()?;
        let db = scratch.sqlite_url("b.db");
        binaries.seed_demo(&db, 3)?;
        // What the benchmark should find, from the command line's own view of the station.
        let queue = Command::new(&binaries.cli)
            .args(["queue", "--db", &db, "--limit", "100000", "--json"])
            .output()?;
        ensure!(queue.status.success(), "redgrid queue failed");
        let open: Value = serde_json::from_slice(&queue.stdout)?;
        let open_events = open["total"].as_u64().context("queue total")?;

        let display = Display::start(&scratch.dir.join("xvfb.log"), scratch.screen)?;
        let out = scratch.dir.join("ui.json");
        let listen = format!("127.0.0.1:{}", free_port()?);
        let mut app = tokio::process::Command::new(&binaries.desktop)
            .args(["--db", &db, "--listen", &listen, "--bench-ui", "--out"])
            .arg(&out)
            .env("DISPLAY", display.name())
            .env("XDG_DATA_HOME", scratch.dir.join("data"))
            .env("XDG_CACHE_HOME", scratch.dir.join("cache"))
            .env("XDG_CONFIG_HOME", scratch.dir.join("config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(scratch.dir.join("app.log"))?)
            .kill_on_drop(true)
            .spawn()
            .context("cannot start redgrid-desktop")?;
        let status = tokio::time::timeout(Duration::from_secs(240), app.wait())
            .await
            .context("--bench-ui did not finish within 4 minutes")??;
        let log = std::fs::read_to_string(scratch.dir.join("app.log")).unwrap_or_default();
        ensure!(status.success(), "--bench-ui failed ({status}); its log ends:\n{}", tail(&log));
        let figures: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).context("the figures file")?)?;
        eprintln!("e2e[bench-ui]: {figures}");

        ensure!(figures["error"].is_null(), "the measurement reports an error: {}", figures["error"]);
        for key in ["map_ready_ms", "queue_ready_ms", "pan_frame_p95_ms", "rss_total_mb", "rss_peak_mb"] {
            let value = figures[key].as_f64().with_context(|| format!("{key} in {figures}"))?;
            ensure!(value > 0.0, "{key} is measured: {value}");
        }
        ensure!(figures["pan_frames"] == 240, "the whole pan was timed: {}", figures["pan_frames"]);
        ensure!(
            figures["queue_rows"].as_u64() == Some(open_events),
            "the queue held every open event ({open_events}): {}",
            figures["queue_rows"]
        );
        // The demo township's grids with a boundary above the household: the township, its villages,
        // small and micro grids and the dedicated grids.
        let polygons = figures["polygons"].as_u64().context("polygons")?;
        ensure!(polygons > 500, "every level above the household was drawn: {polygons} polygons");
        let processes: Vec<&str> = figures["processes"]
            .as_array()
            .context("processes")?
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        ensure!(
            processes.iter().any(|p| p.starts_with("WebKitWebProc")),
            "the memory figure includes WebKit's web process: {processes:?}"
        );
        let peak = figures["rss_peak_mb"].as_f64().unwrap_or(0.0);
        let now = figures["rss_total_mb"].as_f64().unwrap_or(0.0);
        ensure!(peak >= now, "the peak ({peak} MB) is at least the final reading ({now} MB)");
        Ok(())
    });
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
