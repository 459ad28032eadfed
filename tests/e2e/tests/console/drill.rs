//! The commissioner runs a drill in the real window: signed in as the commissioner, the drill desk starts the
//! shipped flood scenario at ×60; every station's status bar says a drill is on; the injects go in one by
//! one (reports through the station's broker become drill events); when the last is in the drill is done.

use std::time::Duration;

use anyhow::{ensure, Result};
use redgrid_e2e::{free_port, run_scenario, Binaries, Console, Scratch};

use crate::{run, QUICK};

const DEMO_PASSWORD: &str = "redgrid-demo";

#[test]
fn the_commissioner_runs_the_flood_drill_at_sixty_times_speed() {
    run(async {
        let mut scratch = Scratch::new("drill")?;
        let binaries = Binaries::locate()?;
        let db = scratch.sqlite_url("r.db");
        binaries.seed_demo(&db, 3)?;
        let args: Vec<String> =
            vec!["--db".into(), db.clone(), "--listen".into(), format!("127.0.0.1:{}", free_port()?)];
        run_scenario("drill", &mut scratch, &args, async |console: &mut Console| {
            commissioner_runs_a_drill(console, &binaries, &db).await
        })
        .await
    });
}

async fn commissioner_runs_a_drill(console: &mut Console, binaries: &Binaries, db: &str) -> Result<()> {
    let user = console.sign_in("commissioner", DEMO_PASSWORD).await?;
    anyhow::ensure!(user.contains("梁文华"), "signed in as the commissioner: {user}");
    console.wait_text("the queue to load", QUICK, "#queue-pane .pane-count", |t| t.ends_with('件')).await?;

    console.click("[data-testid=open-drill]").await?;
    console.wait_text("the drill desk", QUICK, ".drill-form", |t| t.contains("开始演练")).await?;
    console
        .js(
            "const s = document.querySelector('[data-testid=drill-scenario]'); s.value = 'flood-evacuation-three-villages.csv';
             const v = document.querySelector('[data-testid=drill-speed]'); v.value = '60';",
            vec![],
        )
        .await?;
    console.click("[data-testid=drill-start]").await?;
    console
        .wait_text("the drill running", QUICK, "[data-testid=drill-state]", |t| t.contains("进行中"))
        .await?;
    console
        .wait_text("the status bar's drill banner", QUICK, "[data-testid=drill-banner]", |t| {
            t.contains("演练中")
        })
        .await?;
    console.screenshot("drill-running").await?;
    let state = console
        .wait_text("every inject in", Duration::from_secs(90), "[data-testid=drill-state]", |t| {
            t.contains("已完成")
        })
        .await?;
    ensure!(state.contains("13/13"), "all thirteen injects went in: {state}");
    // The reports went through the station's broker and came back as drill events.
    let events = console
        .wait_js(
            "the reports to become events",
            Duration::from_secs(30),
            "const cells = [...document.querySelectorAll('.drill-injects td:nth-child(6)')].map((c) => c.innerText);
             const n = cells.filter((t) => t.startsWith('#')).length; return n >= 5 ? n : null;",
            vec![],
        )
        .await?;
    ensure!(events.as_u64().unwrap_or(0) >= 5, "the reports became events: {events}");
    let score = console
        .wait_text("the scorecard", QUICK, "[data-testid=drill-score]", |t| t.contains("评分"))
        .await?;
    ensure!(["优秀", "良好", "合格", "不合格"].iter().any(|c| score.contains(c)), "a conclusion: {score}");
    console.screenshot("drill-done").await?;
    console.press("\u{E00C}").await?;
    console
        .wait_js(
            "the banner gone",
            QUICK,
            "return document.querySelector('[data-testid=drill-banner]').hidden || null;",
            vec![],
        )
        .await?;
    let list = binaries.redgrid(&["drill", "list", "--db", db, "--json"])?;
    ensure!(list.contains("finished") && list.contains("梁文华"), "{list}");
    Ok(())
}
