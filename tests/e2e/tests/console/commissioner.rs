//! The political-legal commissioner at the same console: a station without `--demo` asks for sign-in;
//! signed in as the commissioner, the console offers neither the close action (结案) nor any other step
//! that is the duty officer's, and no triage on camera alerts — because the back end's `allowed` and
//! `session.can` say so, not because the UI knows the role.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use redgrid_e2e::{free_port, run_scenario, Binaries, Console, Scratch};
use serde_json::json;

use crate::{run, QUICK};

/// The demo accounts' password (`redgrid demo seed` prints it).
const DEMO_PASSWORD: &str = "redgrid-demo";

/// Commands of the loop that are the duty officer's (or a leader's) and never the commissioner's
/// (DESIGN.md, "Transitions and who may make them").
const NOT_THE_COMMISSIONERS: [&str; 8] =
    ["accept", "reject", "merge", "dispatch", "verify", "send_back", "close", "remind"];

#[test]
fn commissioner_is_offered_neither_close_nor_triage() {
    run(async {
        let mut scratch = Scratch::new("commissioner")?;
        let binaries = Binaries::locate()?;
        let db = scratch.sqlite_url("r.db");
        binaries.seed_demo(&db, 7)?;
        let listen = format!("127.0.0.1:{}", free_port()?);
        let args: Vec<String> = vec!["--db".into(), db.clone(), "--listen".into(), listen.clone()];
        run_scenario("commissioner", &mut scratch, &args, async |console: &mut Console| {
            commissioner_on_watch(console, &binaries, &db, &listen).await
        })
        .await
    });
}

async fn commissioner_on_watch(
    console: &mut Console,
    binaries: &Binaries,
    db: &str,
    listen: &str,
) -> Result<()> {
    // Without --demo nobody is signed in: the console asks.
    console
        .wait_text("the sign-in screen", Duration::from_secs(60), "#overlay .signin-card h1", |t| {
            t == "红格指挥台"
        })
        .await?;
    console.type_into("#overlay input[name=account]", "commissioner").await?;
    console.type_into("#overlay input[name=password]", DEMO_PASSWORD).await?;
    console.screenshot("sign-in").await?;
    console.click("#overlay button[type=submit]").await?;
    let user = console
        .wait_text("the signed-in commissioner in the status bar", QUICK, ".sb-user", |t| !t.is_empty())
        .await?;
    ensure!(
        user.contains("梁文华") && user.contains("政法委员"),
        "the status bar names the commissioner; it says {user:?}"
    );
    console.wait_text("the queue to load", QUICK, "#queue-pane .pane-count", |t| t.ends_with('件')).await?;

    // Camera alerts reach this station too: the `redgrid sim` command publishes a burst of them to the
    // station's own broker. The commissioner sees them, without the triage buttons.
    let mut sim = Command::new(&binaries.cli)
        .args(["sim", "--db", db])
        .args(redgrid_e2e::sim_on_station_broker(db, listen))
        .args(["--alerts-per-minute", "60", "--reports-per-minute", "0", "--seconds", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot run `redgrid sim`")?;
    let arrived = console
        .wait_js(
            "camera alerts in the feed",
            Duration::from_secs(60),
            "return document.querySelectorAll('[data-testid=alert-card]').length || null;",
            vec![],
        )
        .await;
    let _ = sim.kill();
    let _ = sim.wait();
    arrived?;
    let triage = console.count_visible("#alerts-pane .acard-actions button").await?;
    ensure!(
        triage == 0,
        "triage is the duty officer's: the commissioner is offered no triage button, but {triage} are shown"
    );
    let pane = console.visible_text("#alerts-pane").await?.unwrap_or_default();
    for button in ["转为事件", "关联事件", "误报"] {
        ensure!(!pane.contains(button), "the alert feed offers the commissioner {button:?}");
    }

    // The most advanced open event: one waiting to be closed if the seed left one, else the first of the
    // queue. Its detail shows what the commissioner may do, and 结案 is not among it.
    let verified = console
        .js(
            "const count = document.querySelector('#queue-pane .chip[data-key=verified] .chip-count');
             return Number(count?.innerText ?? 0);",
            vec![],
        )
        .await?;
    if verified.as_u64().unwrap_or(0) > 0 {
        console.click("#queue-pane .chip[data-key=verified]").await?;
    }
    console.click("#queue-pane .qrow:not([hidden])").await?;
    let status = console
        .wait_text("an event in the detail drawer", QUICK, "#detail-drawer [data-testid=event-status]", |t| {
            !t.is_empty()
        })
        .await?;
    let actions = console.visible_text("#detail-drawer .d-actions").await?.unwrap_or_default();
    eprintln!("e2e[commissioner]: event {status}, actions {actions:?}");
    ensure!(!actions.contains("结案"), "the commissioner is offered 结案 on a {status} event: {actions:?}");
    for command in NOT_THE_COMMISSIONERS {
        let shown = console.count_visible(&format!("#detail-drawer [data-testid=action-{command}]")).await?;
        ensure!(shown == 0, "the commissioner is offered {command} on a {status} event ({actions:?})");
    }
    // Not an empty panel by accident: supervising (督办) an open event is the commissioner's.
    ensure!(
        console.count_visible("#detail-drawer [data-testid=action-supervise]").await? == 1,
        "the commissioner is offered 督办 on an open event; the actions are {actions:?}"
    );
    let report = console
        .js(
            "return [...document.querySelectorAll('#statusbar .sb-btn')]
               .some((b) => !b.hidden && b.innerText.includes('登记事件'));",
            vec![],
        )
        .await?;
    ensure!(report == json!(true), "anyone signed in may log a phone call by hand (登记事件)");
    console.screenshot("event-detail").await?;

    // The smallest screen the console is made for (issue 5: usable on 1366×768): the three panes and the
    // open detail still fit side by side, nothing pushed off the right edge.
    console.client.set_window_size(1366, 768).await.context("cannot resize the window")?;
    let layout = console
        .wait_js(
            "the console laid out at 1366×768",
            QUICK,
            "if (window.innerWidth > 1366) return null;
             const right = (sel) => document.querySelector(sel).getBoundingClientRect().right;
             return { width: window.innerWidth,
                      queue: right('#queue-pane'), detail: right('#detail-drawer'), alerts: right('#alerts-pane'),
                      overflow: document.documentElement.scrollWidth > window.innerWidth };",
            vec![],
        )
        .await?;
    eprintln!("e2e[commissioner]: at 1366×768: {layout}");
    let width = layout["width"].as_f64().unwrap_or(0.0);
    for pane in ["queue", "detail", "alerts"] {
        let right = layout[pane].as_f64().unwrap_or(f64::MAX);
        ensure!(
            right <= width + 0.5,
            "at 1366×768 the {pane} pane ends at {right} px, past the window ({width})"
        );
    }
    ensure!(layout["overflow"] == json!(false), "at 1366×768 the console scrolls sideways: {layout}");
    console.screenshot("1366x768").await?;
    Ok(())
}
