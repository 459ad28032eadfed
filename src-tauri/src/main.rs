//! `redgrid-desktop`: the RedGrid console (红格指挥台) — the one crate that knows Tauri.
//!
//! A short tour:
//! - [`startup`]: the station in-process — store, demo seed, MQTT (embedded broker or external), simulator,
//!   the seat the console signs in at.
//! - [`commands`]: one thin adapter per command of `docs/ipc.md` over `redgrid_api`.
//! - [`feed`]: the change feed forwarded to the window over a Channel, in batches.
//! - [`dto`]: the JSON shapes of the contract, converted by hand.
//! - [`roster`]: the roster desk (week views, checked manual changes, re-plan proposals).
//! - [`bench`]: `--bench-ui`, the console measuring itself at city scale.
//!
//! The window opens at once; commands wait until the station is up (a first `--demo` seeds the township
//! first, and says so in the window title and on stderr).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod accounts;
mod bench;
mod callup;
mod commands;
mod drill;
mod dto;
mod feed;
mod response;
mod roster;
mod startup;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tauri::Manager;
use tokio::sync::watch;

use crate::commands::Shell;
use crate::startup::{Args, Progress};

const TITLE: &str = "红格指挥台";

/// glibc's allocator settings for a console that runs all night: two arenas instead of one per thread,
/// and freed memory handed back to the system above 1 MiB instead of a threshold that grows with the
/// biggest answer ever built (a city's queue, positions and grid boundaries are megabytes each). Measured
/// at city scale (`--bench-ui`, median of five): resident memory of the app and its WebKit processes
/// 881 → 796 MB.
const MALLOC_SETTINGS: [(&str, &str); 2] = [("MALLOC_ARENA_MAX", "2"), ("MALLOC_TRIM_THRESHOLD_", "1048576")];

/// glibc reads its allocator settings once, at process start: when they are not in the environment yet,
/// the app starts itself again with them (same pid, `exec`); WebKit's processes inherit them.
#[cfg(target_os = "linux")]
fn with_allocator_settings() {
    use std::os::unix::process::CommandExt;
    if MALLOC_SETTINGS.iter().all(|(key, _)| std::env::var_os(key).is_some()) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut command = std::process::Command::new(exe);
    command.args(std::env::args_os().skip(1));
    for (key, value) in MALLOC_SETTINGS {
        if std::env::var_os(key).is_none() {
            command.env(key, value);
        }
    }
    // Only returns when the exec failed; the app then simply runs with the defaults.
    let error = command.exec();
    eprintln!("redgrid-desktop: running with the default allocator settings ({error})");
}

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    with_allocator_settings();
    // Measured for the design under software rendering: the map pans about twice as fast with the DMA-BUF
    // renderer off, and it must be off before the webview starts. An explicit setting wins.
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REDGRID_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("错误：{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    // One runtime for Tauri's async commands and the station's tasks, so that both share its threads.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("redgrid").build()?;
    tauri::async_runtime::set(runtime.handle().clone());
    let (ready_tx, ready_rx) = watch::channel(None);
    let shell = Shell { ready: ready_rx, subscriptions: Default::default() };
    let bench = bench::BenchUi::new(if args.bench_ui { args.out.clone() } else { None });
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(shell)
        .manage(bench)
        .invoke_handler(tauri::generate_handler![
            commands::session,
            commands::sign_in,
            accounts::needs_init,
            accounts::init_choices,
            accounts::init_station,
            accounts::change_password,
            accounts::accounts_list,
            accounts::account_add,
            accounts::account_update,
            accounts::seat_touch,
            response::response_levels,
            response::level_dry_run,
            response::set_level,
            response::requests_waiting,
            callup::callups_recent,
            callup::callup_start,
            callup::callup_status,
            callup::callup_answer,
            drill::drill_scenarios,
            drill::drills_list,
            drill::drill_start,
            drill::drill_status,
            drill::drill_control,
            drill::drill_scorecard,
            commands::sign_out,
            commands::lock,
            commands::unlock,
            commands::station_health,
            commands::switch_mode,
            commands::stats,
            commands::queue,
            commands::queue_rows,
            commands::event_detail,
            commands::act,
            commands::report_event,
            commands::recommend,
            commands::search_workers,
            commands::alert_groups,
            commands::alert_snapshot,
            commands::alerts_to_event,
            commands::attach_alerts,
            commands::dismiss_alerts,
            commands::grid_tree,
            commands::grid_subtree,
            commands::grid_boundaries,
            commands::registers,
            commands::reveal,
            commands::positions,
            commands::handover_summary,
            commands::history_search,
            commands::worker_board,
            commands::log_contact,
            commands::mute_camera,
            commands::unmute_camera,
            commands::muted_cameras,
            commands::audit_search,
            commands::shift_brief,
            commands::handover,
            commands::subscribe,
            commands::unsubscribe,
            roster::roster_desk,
            roster::roster_check,
            roster::roster_save,
            roster::roster_replan,
            roster::roster_plan,
            bench::bench_plan,
            bench::bench_report,
        ])
        .setup(move |app| {
            if let Some(window) = app.get_webview_window("main") {
                fill_the_screen(&window);
            }
            let window = app.get_webview_window("main");
            let progress: Progress = Arc::new(move |message: String| {
                eprintln!("{message}");
                if let Some(window) = &window {
                    let _ = window.set_title(&format!("{TITLE} — {message}"));
                }
            });
            let window = app.get_webview_window("main");
            tauri::async_runtime::spawn(async move {
                let started = startup::start(&args, progress).await;
                if let Some(window) = &window {
                    let _ = window.set_title(TITLE);
                }
                let state = match started {
                    Ok(ready) => Ok(Arc::new(ready)),
                    Err(error) => {
                        eprintln!("错误：{error:#}");
                        Err(format!("{error:#}"))
                    }
                };
                ready_tx.send_replace(Some(state));
            });
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"))?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            let ready = handle.state::<Shell>().ready.borrow().clone();
            if let Some(Ok(ready)) = ready {
                tauri::async_runtime::block_on(ready.stop());
            }
        }
    });
    drop(runtime);
    Ok(())
}

/// Opens the console over the whole screen it is on, whatever its size (1366×768 on many a township desk):
/// a fixed 1920×1080 window is cut off there. Maximising needs a window manager; the size is set as well so
/// that a bare X display (a kiosk, the end-to-end tests' Xvfb) gets the same.
fn fill_the_screen(window: &tauri::WebviewWindow) {
    if let Ok(Some(monitor)) = window.current_monitor().or_else(|_| window.primary_monitor()) {
        let area = monitor.work_area();
        let _ = window.set_position(area.position);
        let _ = window.set_size(area.size);
    }
    let _ = window.maximize();
}
