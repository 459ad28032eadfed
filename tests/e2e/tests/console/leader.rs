//! The leader in a typhoon warning, in the real window: signed in as the leader, the level pill opens the
//! ladder; choosing Ⅳ级 shows its dry run first; with a reason the switch is made and the status bar says
//! Ⅳ级. Then the call-up board: 大圩村 is called up, the simulator's terminals answer, one worker stays
//! silent and the officer records their answer by phone; back to 平时.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use redgrid_e2e::{free_port, run_scenario, Binaries, Console, Scratch};

use crate::{run, QUICK};

const DEMO_PASSWORD: &str = "redgrid-demo";

#[test]
fn the_leader_switches_to_level_four_and_calls_up_a_village() {
    run(async {
        let mut scratch = Scratch::new("leader")?;
        let binaries = Binaries::locate()?;
        let db = scratch.sqlite_url("r.db");
        binaries.seed_demo(&db, 3)?;
        let listen = format!("127.0.0.1:{}", free_port()?);
        let args: Vec<String> = vec!["--db".into(), db.clone(), "--listen".into(), listen.clone()];
        run_scenario("leader", &mut scratch, &args, async |console: &mut Console| {
            leader_on_a_typhoon_night(console, &binaries, &db, &listen).await
        })
        .await
    });
}

async fn leader_on_a_typhoon_night(
    console: &mut Console,
    binaries: &Binaries,
    db: &str,
    listen: &str,
) -> Result<()> {
    let user = console.sign_in("leader", DEMO_PASSWORD).await?;
    ensure!(user.contains("陈永福") && user.contains("领导"), "the status bar names the leader: {user:?}");
    console.wait_text("the queue to load", QUICK, "#queue-pane .pane-count", |t| t.ends_with('件')).await?;
    let pill = console.visible_text(".mode-pill").await?.context("the level pill")?;
    ensure!(pill == "平时", "the station starts at 平时: {pill:?}");

    // The ladder, with Ⅳ级's dry run shown before anything changes.
    console.click(".mode-pill").await?;
    console.wait_text("the level dialog", QUICK, ".level-dialog .level-list", |t| t.contains("Ⅳ级")).await?;
    console.click(".level-item[data-key=level_4]").await?;
    let facts = console
        .wait_text("Ⅳ级's dry run", QUICK, ".level-preview", |t| {
            t.contains("将超时") && t.contains("值守要求")
        })
        .await?;
    ensure!(facts.contains("领导带班") && facts.contains("80%"), "the dry run says what Ⅳ级 asks: {facts}");
    console.screenshot("level-dry-run").await?;
    let still = console.visible_text(".mode-pill").await?.unwrap_or_default();
    ensure!(still == "平时", "a dry run changes nothing: {still:?}");
    console.type_into("[data-testid=level-reason]", "台风“海葵”橙色预警，启动Ⅳ级应急响应").await?;
    console.click("[data-testid=level-confirm]").await?;
    console.wait_text("the status bar at Ⅳ级", QUICK, ".mode-pill", |t| t == "Ⅳ级").await?;
    console.screenshot("level-4").await?;

    // The simulator's terminals, one of them silent, on the station's own broker.
    let workers = binaries.redgrid(&["board", "--db", db, "--json"])?;
    let board: serde_json::Value = serde_json::from_str(&workers).context("board --json")?;
    let silent = board["workers"]
        .as_array()
        .and_then(|ws| {
            ws.iter().find(|w| {
                w["home_grid"].as_str().is_some_and(|g| g.starts_with("450802101201"))
                    && w["group"] != "full_time_worker"
            })
        })
        .and_then(|w| w["id"].as_str())
        .context("a part-time worker of 大圩村")?
        .to_string();
    let mut sim = Command::new(&binaries.cli)
        .args(["sim", "--db", db, "--pace", "30"])
        .args(redgrid_e2e::sim_on_station_broker(db, listen))
        .args(["--alerts-per-minute", "0", "--reports-per-minute", "0", "--seconds", "120"])
        .args(["--callup-silent", &silent, "--callup-unavailable-share", "0.2", "--callup-ignore-share", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot run `redgrid sim`")?;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let outcome = async {
        console.click("[data-testid=open-callup]").await?;
        console.wait_text("the call-up board", QUICK, ".callup-form", |t| t.contains("发起叫应")).await?;
        console.click(".callup-villages input[value='450802101201']").await?;
        console.type_into("[data-testid=callup-reason]", "台风到岗叫应").await?;
        console.click("[data-testid=callup-start]").await?;
        let called: u64 = console
            .wait_text("the call-up started", QUICK, "[data-testid=callup-called]", |t| {
                t.parse::<u64>().is_ok_and(|n| n > 0)
            })
            .await?
            .parse()?;
        // Answers arrive from the terminals; the silent worker stays silent.
        console
            .wait_text("the answers", Duration::from_secs(90), "[data-testid=callup-silent]", |t| t == "1")
            .await?;
        console.screenshot("callup-board").await?;
        console.click(&format!("tr[data-worker='{silent}'] .callup-acts button")).await?;
        console
            .wait_text("the silent worker recorded by phone", QUICK, "[data-testid=callup-silent]", |t| {
                t == "0"
            })
            .await?;
        let row = console.visible_text(&format!("tr[data-worker='{silent}']")).await?.unwrap_or_default();
        ensure!(row.contains("电话") && row.contains("可到岗"), "the answer was recorded by phone: {row}");
        let available: u64 =
            console.visible_text("[data-testid=callup-available]").await?.unwrap_or_default().parse()?;
        ensure!(available >= 1 && available <= called, "{available} of {called} available");
        console.screenshot("callup-recorded").await?;
        console.press("\u{E00C}").await?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    let _ = sim.kill();
    let _ = sim.wait();
    outcome?;

    // Back to 平时.
    console.click(".mode-pill").await?;
    console.click(".level-item[data-key=peacetime]").await?;
    console.type_into("[data-testid=level-reason]", "台风过境，预警解除").await?;
    console.click("[data-testid=level-confirm]").await?;
    console.wait_text("the status bar at 平时", QUICK, ".mode-pill", |t| t == "平时").await?;
    let levels = binaries.redgrid(&["level", "list", "--db", db, "--json"])?;
    ensure!(
        levels.contains("\"key\": \"peacetime\"") || levels.contains("\"key\":\"peacetime\""),
        "{levels}"
    );
    Ok(())
}
