//! A night on duty (DESIGN.md, first scene), shortened: the demo station with its simulator; a camera
//! alert arrives over the embedded broker, the duty officer turns it into an event, accepts it,
//! dispatches the top candidate, the simulated worker's terminal acknowledges, arrives and reports back,
//! and the officer verifies and closes it. Every stage is asserted on what the window shows.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use redgrid_e2e::{free_port, run_scenario, Console, Scratch};
use serde_json::{json, Value};

use crate::{run, QUICK};

/// What the status badge of the event detail says in each state (`ui/js/labels.js`, `STATUS`).
const REPORTED: &str = "待受理";
const ACCEPTED: &str = "待派遣";
const DISPATCHED: &str = "处置中";
const HANDLED: &str = "待核查";
const VERIFIED: &str = "待结案";
const CLOSED: &str = "已结案";

/// Whether the queue shows a row for the event `arguments[0]` (its id as a string). The queue recycles a
/// pool of row elements, so a hidden one may still carry an old id.
const QUEUE_SHOWS: &str = "return [...document.querySelectorAll('#queue-pane .qrow')]
    .some((row) => !row.hidden && row.dataset.id === arguments[0]);";

#[test]
fn duty_officer_works_a_camera_alert_through_the_closed_loop() {
    run(async {
        let mut scratch = Scratch::new("duty")?;
        let args: Vec<String> = vec![
            "--demo".into(),
            "--db".into(),
            scratch.sqlite_url("r.db"),
            "--listen".into(),
            format!("127.0.0.1:{}", free_port()?),
            // A short history seeds in about a second; the scenario needs the township, not the year.
            "--demo-days".into(),
            "3".into(),
            // Sixty times real life: acknowledgement in about a second, the report back within seconds
            // rather than minutes. No terminal ignores its task, so the worker dispatched always answers.
            "--sim-pace".into(),
            "60".into(),
            "--sim-no-ack-share".into(),
            "0".into(),
            // Far more alerts than a township's night (0.4 a minute), so that one comes within seconds.
            "--sim-alerts-per-minute".into(),
            "6".into(),
        ];
        run_scenario("duty", &mut scratch, &args, night_on_duty).await
    });
}

async fn night_on_duty(console: &mut Console) -> Result<()> {
    // --demo signs the demo duty officer in: the console opens without a sign-in screen.
    let user = console
        .wait_text("the signed-in duty officer in the status bar", Duration::from_secs(60), ".sb-user", |t| {
            !t.is_empty()
        })
        .await?;
    ensure!(
        user.contains("黄志明") && user.contains("值班员"),
        "--demo signs in duty1 (黄志明, 值班员); the status bar says {user:?}"
    );
    console.wait_text("the queue to load", QUICK, "#queue-pane .pane-count", |t| t.ends_with('件')).await?;
    ensure!(
        console.visible_text("#overlay").await?.is_none(),
        "with --demo no sign-in screen covers the console"
    );
    console.screenshot("console").await?;

    // The simulator publishes camera alerts to the embedded broker (about four a minute); the first one
    // with a camera registered to a grid is taken, as an officer takes the one in front of them.
    let chosen = console
        .wait_js(
            "a camera alert from the simulator with the triage buttons",
            Duration::from_secs(180),
            // Marked, because the feed reorders its cards as new bursts arrive; a card keeps its element
            // (and so the mark) while its burst lives.
            "const card = [...document.querySelectorAll('[data-testid=alert-card]')].find((c) =>
                 c.querySelector('[data-testid=alert-to-event]')
                 && !c.querySelector('.acard-grid').innerText.includes('未登记'));
             if (!card) return null;
             card.setAttribute('data-e2e', 'chosen');
             return { camera: card.querySelector('.acard-camera').innerText,
                      kind: card.querySelector('.acard-kind').innerText };",
            vec![],
        )
        .await?;
    let camera = field(&chosen, "camera")?;
    let kind = field(&chosen, "kind")?;
    eprintln!("e2e[duty]: alert {kind} from {camera}");
    ensure!(
        console.count_visible("[data-e2e=chosen] [data-testid=alert-attach]").await? == 1
            && console.count_visible("[data-e2e=chosen] [data-testid=alert-dismiss]").await? == 1,
        "a duty officer is offered all three triage actions on an alert"
    );
    console.screenshot("alert-arrived").await?;

    // 转为事件: the dialog is prefilled from the alert (title = camera + kind, the camera's grid).
    console.click("[data-e2e=chosen] [data-testid=alert-to-event]").await?;
    console
        .wait_text("the convert dialog", QUICK, ".dialog .dialog-head h2", |t| t == "告警转为事件")
        .await?;
    let title =
        console.js("return document.querySelector('.dialog input[name=title]').value;", vec![]).await?;
    let title = title.as_str().context("title field")?.to_string();
    ensure!(
        title.contains(&camera),
        "the event title is prefilled with the camera's name ({camera}); it is {title:?}"
    );
    console.screenshot("convert-dialog").await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;

    // The new event opens in the detail drawer, waiting to be accepted, with the alert attached.
    let status = "#detail-drawer [data-testid=event-status]";
    console.wait_text("the new event in the detail drawer", QUICK, status, |t| t == REPORTED).await?;
    let id = console.visible_text("#detail-drawer [data-testid=event-id]").await?.context("event id")?;
    let event_id: i64 = id.trim_start_matches('#').parse().with_context(|| format!("event id {id:?}"))?;
    eprintln!("e2e[duty]: event #{event_id}");
    let drawer_title = console.visible_text("#detail-drawer .d-title").await?.unwrap_or_default();
    ensure!(
        drawer_title == title,
        "the drawer shows the title given in the dialog ({title:?}); it shows {drawer_title:?}"
    );
    let linked = console.visible_text("#detail-drawer .d-alerts").await?.unwrap_or_default();
    ensure!(
        linked.contains(&camera),
        "the event lists the alert it came from ({camera}); it lists {linked:?}"
    );
    console
        .wait_js(
            "the converted alert to leave the feed",
            QUICK,
            "return !document.querySelector('[data-e2e=chosen]')?.isConnected;",
            vec![],
        )
        .await?;
    console
        .wait_js("the new event in the queue", QUICK, QUEUE_SHOWS, vec![json!(event_id.to_string())])
        .await?;
    console.screenshot("event-reported").await?;

    // 受理.
    act(console, "accept", "受理").await?;
    console.wait_text("the event to be accepted", QUICK, status, |t| t == ACCEPTED).await?;

    // 派遣: the dialog ranks candidates with their reasons and ticks the top one.
    console.click("#detail-drawer [data-testid=action-dispatch]").await?;
    let top = console
        .wait_js(
            "the ranked candidates, the top one ticked",
            QUICK,
            "const first = document.querySelector('.dialog ol.candidates li.cand');
             if (!first || !first.querySelector('input[type=checkbox]').checked) return null;
             return { name: first.querySelector('.cand-name').firstChild.textContent,
                      reasons: first.querySelector('.cand-reasons').innerText,
                      count: document.querySelectorAll('.dialog ol.candidates li.cand').length };",
            vec![],
        )
        .await?;
    let worker = field(&top, "name")?;
    let reasons = field(&top, "reasons")?;
    ensure!(!reasons.is_empty(), "the top candidate comes with the reasons for the ranking");
    ensure!(
        console.visible_text(".dialog .override").await?.is_none(),
        "dispatching the top candidate is no override and asks for no reason"
    );
    eprintln!("e2e[duty]: top candidate {worker}: {reasons}");
    console.screenshot("dispatch-dialog").await?;
    console.click(".dialog [data-testid=dispatch-submit]").await?;
    console.wait_text("the event to be dispatched", QUICK, status, |t| t == DISPATCHED).await?;
    let task = console.visible_text("#detail-drawer .tasks .task-name").await?.unwrap_or_default();
    ensure!(task == worker, "the task goes to the top candidate {worker:?}; the drawer shows {task:?}");
    console.screenshot("dispatched").await?;

    // The simulated terminal acknowledges and arrives (the task line says so), then reports back; the
    // drawer follows the live feed without a reload.
    let acknowledged = console
        .wait_text(
            "the worker's acknowledgement",
            Duration::from_secs(60),
            "#detail-drawer .tasks .task-steps",
            |t| t.contains("签收") && !t.contains("未签收"),
        )
        .await?;
    eprintln!("e2e[duty]: {acknowledged}");
    console.wait_text("the worker's report back", Duration::from_secs(120), status, |t| t == HANDLED).await?;
    let history = console.visible_text("#detail-drawer .history").await?.unwrap_or_default();
    ensure!(
        history.contains("反馈") && history.contains(&worker),
        "the history shows the report back by {worker}; it shows {history:?}"
    );
    let steps = console.visible_text("#detail-drawer .task-steps").await?.unwrap_or_default();
    ensure!(steps.contains("到场"), "the worker's arrival is shown on the task; it shows {steps:?}");
    console.screenshot("reported-back").await?;

    // 核查, then 结案.
    act(console, "verify", "核查").await?;
    console.wait_text("the event to be verified", QUICK, status, |t| t == VERIFIED).await?;
    console.click("#detail-drawer [data-testid=action-close]").await?;
    console
        .wait_text("the close dialog", QUICK, ".dialog .dialog-head h2", |t| t.starts_with("结案"))
        .await?;
    console.screenshot("close-dialog").await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    console.wait_text("the event to be closed", QUICK, status, |t| t == CLOSED).await?;
    let done = console.count_visible("#detail-drawer .timeline .step-done").await?;
    ensure!(done == 6, "a closed event shows all six steps of the loop done; {done} are");
    let outcome = console.visible_text("#detail-drawer .facts").await?.unwrap_or_default();
    ensure!(outcome.contains("结案结果"), "the closed event shows its outcome; the facts are {outcome:?}");
    console
        .wait_js(
            "the closed event to leave the open queue",
            QUICK,
            &format!("return !(() => {{ {QUEUE_SHOWS} }})();"),
            vec![json!(event_id.to_string())],
        )
        .await?;
    console.screenshot("closed").await?;
    Ok(())
}

/// Takes the drawer's action `command` through its form dialog with what it prefills, and submits it.
async fn act(console: &mut Console, command: &str, name: &str) -> Result<()> {
    console.click(&format!("#detail-drawer [data-testid=action-{command}]")).await?;
    console
        .wait_text(&format!("the {command} dialog"), QUICK, ".dialog .dialog-head h2", |t| {
            t.starts_with(name)
        })
        .await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    console
        .wait_js(
            &format!("the {command} dialog to close"),
            QUICK,
            "return !document.querySelector('.dialog');",
            vec![],
        )
        .await?;
    Ok(())
}

fn field(value: &Value, key: &str) -> Result<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string).with_context(|| format!("no {key} in {value}"))
}
