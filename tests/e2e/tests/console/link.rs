//! The broker goes away in the middle of the night (issue: a task dispatched while the broker is down is
//! lost, and nobody is told). On a Mosquitto of the scenario's own: the status bar turns red when it
//! stops; a dispatch says the task waits in the outbox and how many wait; past the acknowledgement limit
//! the 未签收超时 alarm sounds, the queue row and the drawer say so, and F7 offers the next candidate
//! (改派); when the broker returns, the light turns green and the waiting task reaches the worker's
//! terminal, whose acknowledgement the drawer shows.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use redgrid_e2e::{Binaries, Broker, Console, Scratch};
use serde_json::{json, Value};

use crate::{run, QUICK};

const LINK: &str = ".sb-health [data-testid=link]";

#[test]
fn a_task_dispatched_while_the_broker_is_down_waits_rings_and_goes_out_when_it_returns() {
    run(async {
        let mut scratch = Scratch::new("link")?;
        let db = scratch.sqlite_url("r.db");
        let binaries = Binaries::locate()?;
        binaries.seed_demo(&db, 3)?;
        // A minute instead of ten, so that the scenario sees the limit pass.
        let set = binaries.redgrid(&[
            "settings",
            "ack-minutes",
            "1",
            "--reason",
            "端到端测试",
            "--db",
            &db,
            "--json",
        ])?;
        ensure!(
            set.contains("\"task_ack_minutes\": 1") || set.contains("\"task_ack_minutes\":1"),
            "set: {set}"
        );
        let broker = Broker::start(&scratch)?;
        let args: Vec<String> = vec![
            "--demo".into(),
            "--db".into(),
            db.clone(),
            "--broker".into(),
            broker.url(),
            "--sim-pace".into(),
            "60".into(),
            "--sim-no-ack-share".into(),
            "0".into(),
        ];
        let mut broker = broker;
        redgrid_e2e::run_scenario("link", &mut scratch, &args, async |console: &mut Console| {
            broker_goes_away(console, &mut broker).await
        })
        .await
    });
}

async fn link_state(console: &Console) -> Result<(String, String)> {
    let state = console
        .js(
            "const el = document.querySelector(arguments[0]);
             return el ? [el.className, el.innerText, el.title] : null;",
            vec![json!(LINK)],
        )
        .await?;
    let parts: Vec<String> = state
        .as_array()
        .context("the status bar has the broker indicator")?
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    Ok((parts[0].clone(), format!("{} | {}", parts[1], parts[2])))
}

async fn wait_link(console: &Console, what: &str, limit: Duration, class: &str) -> Result<String> {
    let script = "const el = document.querySelector(arguments[0]);
                  return el && el.classList.contains(arguments[1]) ? el.innerText + ' | ' + el.title : null;";
    let text = console.wait_js(what, limit, script, vec![json!(LINK), json!(class)]).await?;
    Ok(text.as_str().unwrap_or_default().to_string())
}

async fn broker_goes_away(console: &mut Console, broker: &mut Broker) -> Result<()> {
    console
        .wait_text("the queue to load", Duration::from_secs(60), "#queue-pane .pane-count", |t| {
            t.ends_with('件')
        })
        .await?;
    let green =
        wait_link(console, "the link green: connected and subscribed", Duration::from_secs(30), "ok").await?;
    eprintln!("e2e[link]: {green}");
    console.screenshot("link-up").await?;

    broker.stop();
    let red =
        wait_link(console, "the link red once the broker stopped", Duration::from_secs(20), "bad").await?;
    ensure!(red.contains("消息总线断开"), "the indicator says the bus is down, in Chinese: {red:?}");
    ensure!(
        !red.to_lowercase().contains("error") && !red.contains("Connection"),
        "no English reaches the desk: {red:?}"
    );
    eprintln!("e2e[link]: {red}");
    console.screenshot("link-down").await?;

    // A phone call logged by hand (F3), accepted, then dispatched to the top candidate.
    console.js("document.activeElement?.blur();", vec![]).await?;
    console.press("\u{E033}").await?;
    console.wait_text("the report dialog", QUICK, ".dialog .dialog-head h2", |t| t == "登记事件").await?;
    console
        .js(
            "const d = document.querySelector('.dialog');
             const set = (name, value) => { const el = d.querySelector(`[name=${name}]`); el.value = value;
               el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); };
             set('title', '鱼塘边护栏倒塌，有落水危险');
             set('category', d.querySelector('[name=category] option:not([value=\"\"])').value);
             set('village', d.querySelector('[name=village] option:not([value=\"\"])').value);",
            vec![],
        )
        .await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    let status = "#detail-drawer [data-testid=event-status]";
    console.wait_text("the logged event in the drawer", QUICK, status, |t| t == "待受理").await?;
    let id = console.visible_text("#detail-drawer [data-testid=event-id]").await?.context("event id")?;
    let id = id.trim_start_matches('#').to_string();
    console.click("#detail-drawer [data-testid=action-accept]").await?;
    console
        .wait_text("the accept dialog", QUICK, ".dialog .dialog-head h2", |t| t.starts_with("受理"))
        .await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    console.wait_text("accepted", QUICK, status, |t| t == "待派遣").await?;
    console.click("#detail-drawer [data-testid=action-dispatch]").await?;
    let top = console
        .wait_js(
            "the ranked candidates",
            QUICK,
            "const first = document.querySelector('.dialog ol.candidates li.cand');
             return first && first.querySelector('input[type=checkbox]').checked
               ? first.querySelector('.cand-name').firstChild.textContent : null;",
            vec![],
        )
        .await?;
    let worker = top.as_str().unwrap_or_default().to_string();
    console.click(".dialog [data-testid=dispatch-submit]").await?;
    console.wait_text("dispatched", QUICK, status, |t| t == "处置中").await?;
    let warned = console
        .wait_js(
            "the dispatch to say the task waits",
            QUICK,
            "const t = [...document.querySelectorAll('.toast-warn')].map((e) => e.innerText).find((x) => x.includes('待发队列'));
             return t ?? null;",
            vec![],
        )
        .await?;
    let warned = warned.as_str().unwrap_or_default();
    ensure!(
        warned.contains("1 条待发") && warned.contains("链路恢复后自动发出"),
        "the toast says how many wait: {warned:?}"
    );
    let (_, waiting) = link_state(console).await?;
    ensure!(waiting.contains("1 条待发"), "the status bar counts the waiting task: {waiting:?}");
    eprintln!("e2e[link]: {warned}");
    console.screenshot("dispatched-while-down").await?;

    // The acknowledgement limit (one minute) passes with the broker still down.
    let alarm = console
        .wait_js(
            "the 未签收超时 alarm",
            Duration::from_secs(150),
            "const b = document.querySelector('#alarm-banner');
             return b && !b.hidden && b.innerText.includes('未签收超时') ? b.innerText : null;",
            vec![],
        )
        .await?;
    let alarm = alarm.as_str().unwrap_or_default();
    ensure!(
        alarm.contains(&format!("#{id}")) && alarm.contains(&worker),
        "the alarm names the event and {worker}: {alarm:?}"
    );
    ensure!(alarm.contains("改派"), "the alarm offers 改派: {alarm:?}");
    let pending = console
        .wait_js(
            "the queue row to say 未签收超时",
            QUICK,
            "const r = document.querySelector(`#queue-pane .qrow[data-id=\"${arguments[0]}\"] .qrow-pending`);
             return r && !r.hidden && r.innerText === '未签收超时' ? true : null;",
            vec![json!(id)],
        )
        .await?;
    ensure!(pending == Value::Bool(true), "the queue row marks the event");
    console
        .wait_text("the drawer to say 未签收超时", QUICK, "#detail-drawer .task-noack", |t| {
            t.contains("未签收超时")
        })
        .await?;
    console.screenshot("no-ack-alarm").await?;

    // F7: 改派 in one key — the dispatch dialog with the candidates, the silent worker not among them.
    console.js("document.activeElement?.blur(); document.body.focus();", vec![]).await?;
    console.press("\u{E037}").await?;
    let offered = console
        .wait_js(
            "the dispatch dialog from F7",
            QUICK,
            "const names = [...document.querySelectorAll('.dialog ol.candidates li.cand .cand-name')].map((n) => n.firstChild.textContent);
             return names.length ? names : null;",
            vec![],
        )
        .await?;
    let offered: Vec<String> =
        offered.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
    ensure!(
        !offered.contains(&worker),
        "the worker who let the limit pass is not offered again: {offered:?}"
    );
    console.screenshot("reassign-dialog").await?;
    console
        .js(
            "document.querySelector('.dialog [data-testid=dialog-cancel], .dialog .btn-ghost')?.click();",
            vec![],
        )
        .await?;
    console
        .wait_js("the dialog to close", QUICK, "return !document.querySelector('.dialog') || null;", vec![])
        .await?;

    // The broker returns: green again, and the task reaches the terminal, which acknowledges it.
    broker.resume()?;
    wait_link(console, "the link green again", Duration::from_secs(60), "ok").await?;
    let delivered = console
        .wait_js(
            "the waiting count to clear once the broker took the task",
            QUICK,
            "const el = document.querySelector(arguments[0]);
             return el.classList.contains('ok') && !el.innerText.includes('条待发') ? el.title : null;",
            vec![json!(LINK)],
        )
        .await?;
    eprintln!("e2e[link]: {delivered}");
    let acknowledged = console
        .wait_text(
            "the worker's acknowledgement after the broker returned",
            Duration::from_secs(90),
            "#detail-drawer .tasks .task-steps",
            |t| t.contains("签收") && !t.contains("未签收"),
        )
        .await?;
    eprintln!("e2e[link]: {acknowledged}");
    console.screenshot("delivered-after-return").await?;

    // 联系: the worker's number revealed (audited), and the call recorded on the event's history.
    console.click("#detail-drawer [data-testid=task-contact]").await?;
    console
        .wait_text("the contact dialog", QUICK, ".dialog .dialog-head h2", |t| t.starts_with("联系"))
        .await?;
    console.click(".dialog [data-testid=contact-reveal]").await?;
    let number = console
        .wait_text("the number in clear", QUICK, ".dialog [data-testid=contact-number]", |t| {
            !t.contains('*') && t.len() >= 11
        })
        .await?;
    let dial = console
        .js(
            "return document.querySelector('.dialog [data-testid=contact-dial]')?.getAttribute('href');",
            vec![],
        )
        .await?;
    ensure!(dial == json!(format!("tel:{number}")), "the number is handed to the phone handler: {dial}");
    console.type_into(".dialog textarea", "网格员称已在路上").await?;
    console.screenshot("contact").await?;
    console.click(".dialog [data-testid=contact-submit]").await?;
    let history = console
        .wait_text("the contact on the history", QUICK, "#detail-drawer .history", |t| t.contains("联系记录"))
        .await?;
    ensure!(
        history.contains("已接通") && history.contains("网格员称已在路上"),
        "the call is recorded: {history:?}"
    );
    Ok(())
}
