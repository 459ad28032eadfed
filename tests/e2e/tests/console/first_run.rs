//! Day zero in the real window: an empty database opens the first-run screen; the centre, its township (by
//! filtering the shipped Guigang townships) and the first administrator are set up; the administrator signs
//! in, opens the account desk and adds a duty officer, who can then sign in.

use std::time::Duration;

use anyhow::{ensure, Result};
use redgrid_e2e::{free_port, run_scenario, Binaries, Console, Scratch};

use crate::{run, QUICK};

const ADMIN_PASSWORD: &str = "大圩镇综治-管理2026";

#[test]
fn a_new_station_is_set_up_from_the_first_run_screen() {
    run(async {
        let mut scratch = Scratch::new("first-run")?;
        let binaries = Binaries::locate()?;
        let db = scratch.sqlite_url("new.db");
        let args: Vec<String> =
            vec!["--db".into(), db.clone(), "--listen".into(), format!("127.0.0.1:{}", free_port()?)];
        run_scenario("first-run", &mut scratch, &args, async |console: &mut Console| {
            day_zero(console, &binaries, &db).await
        })
        .await
    });
}

async fn day_zero(console: &mut Console, binaries: &Binaries, db: &str) -> Result<()> {
    console
        .wait_text("the first-run screen", Duration::from_secs(60), "#overlay .signin-card h1", |t| {
            t == "初始化指挥台"
        })
        .await?;
    console.type_into("#overlay input[name=centre]", "大圩镇综治中心").await?;
    console
        .wait_js(
            "the townships",
            QUICK,
            "return document.querySelectorAll('#overlay select[name=township] option').length > 50 || null;",
            vec![],
        )
        .await?;
    console.type_into("#overlay input[name=filter]", "大圩").await?;
    console.click("#overlay select[name=township] option[value='450802101']").await?;
    console.type_into("#overlay input[name=admin-name]", "张管理").await?;
    // A weak password is refused with the reason, and nothing is written.
    console.type_into("#overlay input[name=password]", "1234567890").await?;
    console.type_into("#overlay input[name=password-again]", "1234567890").await?;
    console.click("[data-testid=first-run-submit]").await?;
    let refusal =
        console.wait_text("the refusal", QUICK, "#overlay .signin-error", |t| !t.is_empty()).await?;
    ensure!(refusal.contains("常见"), "the policy says why: {refusal}");
    // No screenshot here: with WebKitGTK 2.50.6 (Debian 12's current package) the page stops presenting
    // frames right after this refusal in about half the runs, and a WebDriver screenshot, which waits for the
    // next frame, then never returns (requestAnimationFrame does not fire either; the JS keeps running and the
    // form keeps working, and the later screenshot is taken normally). It never happened in 11 runs of the
    // station before the backups landed and in about half the runs after; the cause is not found (the
    // daily backup, the storage probe and the managed broker were each ruled out). Without this screenshot
    // 5 of 5 runs passed.
    console.js("document.querySelector('#overlay input[name=password]').value=''; document.querySelector('#overlay input[name=password-again]').value='';", vec![]).await?;
    console.type_into("#overlay input[name=password]", ADMIN_PASSWORD).await?;
    console.type_into("#overlay input[name=password-again]", ADMIN_PASSWORD).await?;
    console.click("[data-testid=first-run-submit]").await?;

    console.wait_text("the sign-in screen", QUICK, "#overlay .signin-card h1", |t| t == "红格指挥台").await?;
    console.type_into("#overlay input[name=account]", "admin").await?;
    console.type_into("#overlay input[name=password]", ADMIN_PASSWORD).await?;
    console.click("#overlay button[type=submit]").await?;
    let user = console
        .wait_text("the administrator in the status bar", QUICK, ".sb-user", |t| !t.is_empty())
        .await?;
    ensure!(user.contains("张管理"), "{user}");
    console.click("[data-testid=open-accounts]").await?;
    console.wait_text("the account desk", QUICK, ".accounts-table", |t| t.contains("admin")).await?;
    console.click("[data-testid=account-add]").await?;
    console.type_into(".dialog input[name=account]", "duty1").await?;
    console.type_into(".dialog input[name=name]", "黄志明").await?;
    console.type_into(".dialog input[name=password]", "值班-黄志明-2026").await?;
    console.click("[data-testid=dialog-submit]").await?;
    console
        .wait_text("the new account listed", QUICK, ".accounts-table", |t| {
            t.contains("duty1") && t.contains("黄志明")
        })
        .await?;
    console.screenshot("accounts").await?;

    let list = binaries.redgrid(&["account", "list", "--db", db, "--json"])?;
    ensure!(list.contains("\"duty1\"") && list.contains("duty_officer"), "{list}");
    let grids = binaries.redgrid(&["level", "list", "--db", db, "--json"])?;
    ensure!(grids.contains("level_1"), "the default ladder is there: {grids}");
    Ok(())
}
