//! The duty officer's night, the defects of the long run: at 1920×1080 and at 1366×768 (a common township
//! screen) the window fills the screen and the queue's categories and the handover fit; Esc in the queue
//! search brings the queue back; a click beside a dialog with something typed asks before throwing it away;
//! an event is placed on a grid below its village; Enter accepts from the 受理 dialog, whose first field is
//! a select; in the drill queue an event is logged with the drill source; the handover note is shown to the
//! incoming officer.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use redgrid_e2e::{free_port, run_scenario, Console, Scratch};
use serde_json::{json, Value};

use crate::{run, QUICK};

#[test]
fn the_night_at_1920_by_1080() {
    night((1920, 1080));
}

#[test]
fn the_night_at_1366_by_768() {
    night((1366, 768));
}

fn night(screen: (u32, u32)) {
    run(async move {
        let name = format!("night{}", screen.0);
        let mut scratch = Scratch::new(&name)?;
        scratch.screen = screen;
        let args: Vec<String> = vec![
            "--demo".into(),
            "--db".into(),
            scratch.sqlite_url("r.db"),
            "--listen".into(),
            format!("127.0.0.1:{}", free_port()?),
            "--demo-days".into(),
            "3".into(),
            // Enough alerts for bulk triage within seconds (a township's night is 0.4 a minute).
            "--sim-alerts-per-minute".into(),
            "8".into(),
        ];
        run_scenario(&name, &mut scratch, &args, async |console: &mut Console| {
            the_night(console, screen).await
        })
        .await
    });
}

async fn number(console: &Console, script: &str) -> Result<f64> {
    console.js(script, vec![]).await?.as_f64().with_context(|| format!("not a number: {script}"))
}

async fn the_night(console: &mut Console, (width, height): (u32, u32)) -> Result<()> {
    console
        .wait_text("the queue to load", Duration::from_secs(60), "#queue-pane .pane-count", |t| {
            t.ends_with('件')
        })
        .await?;
    let all = "#queue-pane .chip[data-key=all] .chip-count";
    let count = console.visible_text(all).await?.context("the 全部 chip")?;

    // The window is the screen.
    let (w, h) = (
        number(console, "return window.innerWidth;").await?,
        number(console, "return window.innerHeight;").await?,
    );
    ensure!(
        w >= f64::from(width) - 20.0 && h >= f64::from(height) - 60.0,
        "the window fills the {width}×{height} screen; it is {w}×{h}"
    );
    let cut = console
        .js(
            "return [...document.querySelectorAll('#queue-pane .qrow:not([hidden]) .qrow-cat')]
               .filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.innerText);",
            vec![],
        )
        .await?;
    ensure!(cut.as_array().is_some_and(Vec::is_empty), "no category is cut in the queue rows: {cut}");
    console.screenshot("queue").await?;

    // Esc in the search: the text goes and so does the filter.
    console.type_into("#queue-pane input.search", "不存在的事件zzz").await?;
    console.wait_text("the filter to apply", QUICK, all, |t| t == "0").await?;
    console.press("\u{E00C}").await?;
    let back = console.wait_text("the queue back", QUICK, all, |t| *t == count).await?;
    let field =
        console.js("return document.querySelector('#queue-pane input.search').value;", vec![]).await?;
    ensure!(field == json!(""), "the search field is empty after Esc: {field}");
    eprintln!("e2e[night]: Esc brought back {back}");

    // 登记事件: a stray click beside the dialog asks before dropping what was typed.
    console.js("document.activeElement?.blur();", vec![]).await?;
    console.press("\u{E033}").await?;
    console.wait_text("the report dialog", QUICK, ".dialog .dialog-head h2", |t| t == "登记事件").await?;
    console.type_into(".dialog input[name=title]", "村口路灯损坏，夜间行人摔倒").await?;
    console
        .js(
            "const b = document.querySelector('.dialog-backdrop');
             b.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));",
            vec![],
        )
        .await?;
    console
        .wait_text("the question", QUICK, ".dialog-backdrop:last-child .dialog-head h2", |t| {
            t == "放弃已填写的内容？"
        })
        .await?;
    console.screenshot("discard-question").await?;
    console.click(".dialog-backdrop:last-child .btn-ghost").await?;
    let kept = console
        .js("return document.querySelector('.dialog input[name=title]')?.value ?? null;", vec![])
        .await?;
    ensure!(kept == json!("村口路灯损坏，夜间行人摔倒"), "what was typed is still there: {kept}");

    // The grid below the village: small grids and their micro grids are offered.
    let village = console
        .js(
            "const v = document.querySelector('.dialog select[name=village]');
             v.value = v.querySelector('option:not([value=\"\"])').value;
             v.dispatchEvent(new Event('change', { bubbles: true }));
             return v.value;",
            vec![],
        )
        .await?;
    let village = village.as_str().context("a village")?.to_string();
    let micro = console
        .wait_js(
            "the grids of the village",
            QUICK,
            "const o = [...document.querySelectorAll('.dialog select[name=grid] option')].find((x) => x.textContent.includes('└'));
             return o ? [o.value, o.textContent.replace('└', '').trim()] : null;",
            vec![],
        )
        .await?;
    let (micro_code, micro_name) = (
        micro[0].as_str().unwrap_or_default().to_string(),
        micro[1].as_str().unwrap_or_default().to_string(),
    );
    ensure!(
        micro_code.starts_with(&village) && micro_code.len() > village.len() + 3,
        "a micro grid of {village}: {micro_code}"
    );
    console
        .js(
            "const d = document.querySelector('.dialog');
             const set = (n, v) => { const el = d.querySelector(`[name=${n}]`); el.value = v; el.dispatchEvent(new Event('change', { bubbles: true })); };
             set('category', d.querySelector('[name=category] option:not([value=\"\"])').value);
             set('grid', arguments[0]);",
            vec![json!(micro_code)],
        )
        .await?;
    console.screenshot("report-micro-grid").await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    let status = "#detail-drawer [data-testid=event-status]";
    console.wait_text("the logged event", QUICK, status, |t| t == "待受理").await?;
    let facts = console.visible_text("#detail-drawer .facts").await?.unwrap_or_default();
    ensure!(facts.contains(&micro_name), "the event is on the micro grid {micro_name}: {facts:?}");

    // 受理 opens on a select: Enter accepts.
    console.click("#detail-drawer [data-testid=action-accept]").await?;
    console
        .wait_text("the accept dialog", QUICK, ".dialog .dialog-head h2", |t| t.starts_with("受理"))
        .await?;
    let focused = console.js("return document.activeElement?.tagName;", vec![]).await?;
    ensure!(focused == json!("SELECT"), "the accept dialog opens on its select: {focused}");
    console.press("\u{E007}").await?;
    console.wait_text("accepted with Enter", QUICK, status, |t| t == "待派遣").await?;

    // The drill queue: F3 logs a drill event, with the drill source.
    console.click("#queue-pane label.switch").await?;
    console
        .wait_js(
            "the drill queue",
            QUICK,
            "return document.body.classList.contains('drill-mode') || null;",
            vec![],
        )
        .await?;
    console.js("document.activeElement?.blur();", vec![]).await?;
    console.press("\u{E033}").await?;
    console
        .wait_text("the drill report dialog", QUICK, ".dialog .dialog-head h2", |t| t == "登记演练事件")
        .await?;
    let sources = console
        .js("return [...document.querySelectorAll('.dialog select[name=source] option')].map((o) => o.value);", vec![])
        .await?;
    ensure!(sources == json!(["drill"]), "a drill event has the drill source only: {sources}");
    console.type_into(".dialog input[name=title]", "演练：村级仓库火情处置").await?;
    console
        .js(
            "const d = document.querySelector('.dialog');
             const set = (n) => { const el = d.querySelector(`[name=${n}]`); el.value = el.querySelector('option:not([value=\"\"])').value; el.dispatchEvent(new Event('change', { bubbles: true })); };
             set('category'); set('village');",
            vec![],
        )
        .await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    let drill = console.wait_text("the drill event", QUICK, status, |t| t == "待受理").await;
    if drill.is_err() {
        let error = console.visible_text(".dialog .dialog-error").await?.unwrap_or_default();
        anyhow::bail!("the drill event was refused: {error:?}");
    }
    console.screenshot("drill-event").await?;
    console.click("#queue-pane label.switch").await?;

    // 历史事件 (F9): a closed event from the demo's history opens in the drawer.
    console.js("document.activeElement?.blur();", vec![]).await?;
    console.press("\u{E039}").await?;
    console.wait_text("the history dialog", QUICK, ".dialog .dialog-head h2", |t| t == "历史事件").await?;
    console
        .js(
            "const s = document.querySelector('[data-testid=history-status]'); s.value = 'closed';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    console.click("[data-testid=history-search]").await?;
    let first = console
        .wait_js(
            "closed events found",
            QUICK,
            "const li = document.querySelector('[data-testid=history-results] li.attach-item');
             return li ? li.dataset.id : null;",
            vec![],
        )
        .await?;
    let closed_id = first.as_str().context("a closed event")?.to_string();
    console.screenshot("history").await?;
    console.click(&format!("[data-testid=history-results] li[data-id=\"{closed_id}\"]")).await?;
    console
        .wait_text("the closed event in the drawer", QUICK, "#detail-drawer [data-testid=event-id]", |t| {
            t == format!("#{closed_id}")
        })
        .await?;
    console.wait_text("its status", QUICK, status, |t| t == "已结案").await?;

    // 联系 the worker who handled it (a return visit): the number revealed, the call on the history.
    console.click("#detail-drawer [data-testid=task-contact]").await?;
    console
        .wait_text("the contact dialog", QUICK, ".dialog .dialog-head h2", |t| t.starts_with("联系"))
        .await?;
    console.click(".dialog [data-testid=contact-reveal]").await?;
    console
        .wait_text("the number in clear", QUICK, ".dialog [data-testid=contact-number]", |t| {
            !t.contains('*') && t.len() >= 11
        })
        .await?;
    console.type_into(".dialog textarea", "回访：处置结果稳定").await?;
    console.screenshot("contact").await?;
    console.click(".dialog [data-testid=contact-submit]").await?;
    let history = console
        .wait_text("the contact on the history", QUICK, "#detail-drawer .history", |t| t.contains("联系记录"))
        .await?;
    ensure!(history.contains("回访：处置结果稳定"), "the call is recorded: {history:?}");

    // 审计日志 of the shift: what this officer did tonight, by name, in Chinese.
    console.click(".sb-actions [data-testid=open-audit]").await?;
    let audit = console
        .wait_js(
            "the shift's audit log",
            QUICK,
            "const t = document.querySelector('[data-testid=audit-table] tbody');
             return t && t.querySelectorAll('tr').length > 1 ? t.innerText : null;",
            vec![],
        )
        .await?;
    let audit = audit.as_str().unwrap_or_default();
    ensure!(
        audit.contains("受理") && audit.contains("黄志明") && audit.contains("上报"),
        "the shift's acts are listed: {audit:?}"
    );
    console.screenshot("audit").await?;
    console.press("\u{E00C}").await?;
    console
        .wait_js(
            "the audit dialog closed",
            QUICK,
            "return !document.querySelector('.dialog') || null;",
            vec![],
        )
        .await?;

    // 批量研判: two bursts picked, dismissed with one reason.
    console
        .wait_js(
            "two alert bursts",
            Duration::from_secs(90),
            "return document.querySelectorAll('[data-testid=alert-pick]').length >= 2 || null;",
            vec![],
        )
        .await?;
    let picked = console
        .js(
            "const boxes = [...document.querySelectorAll('[data-testid=alert-pick]')].slice(0, 2);
             boxes.forEach((b) => b.click());
             return boxes.map((b) => b.closest('[data-testid=alert-card]').querySelector('.acard-camera').innerText);",
            vec![],
        )
        .await?;
    let bar = console
        .wait_text("the bulk bar", QUICK, "[data-testid=alert-bulk] .bulk-count", |t| {
            t.starts_with("已选 2 组")
        })
        .await?;
    eprintln!("e2e[night]: {bar} {picked}");
    console.screenshot("bulk-triage").await?;
    console.click("[data-testid=bulk-dismiss]").await?;
    console.wait_text("the dismiss dialog", QUICK, ".dialog .dialog-head h2", |t| t == "排除告警").await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    console
        .wait_js(
            "the bar to go",
            QUICK,
            "const b = document.querySelector('[data-testid=alert-bulk]'); return b.hidden || null;",
            vec![],
        )
        .await?;

    // 静默: a registered camera silenced for an hour, shown above the feed.
    let muted = console
        .wait_js(
            "a burst from a registered camera",
            Duration::from_secs(90),
            "const b = document.querySelector('[data-testid=alert-mute]');
             if (!b) return null;
             const name = b.closest('[data-testid=alert-card]').querySelector('.acard-camera').innerText;
             b.click();
             return name;",
            vec![],
        )
        .await?;
    let muted = muted.as_str().unwrap_or_default().to_string();
    console.wait_text("the mute dialog", QUICK, ".dialog .dialog-head h2", |t| t == "静默摄像头").await?;
    console.type_into(".dialog textarea", "施工作业").await?;
    console.click(".dialog [data-testid=dialog-submit]").await?;
    let strip = console
        .wait_text("the muted camera shown", QUICK, "[data-testid=alert-muted]", |t| t.contains("已静默"))
        .await?;
    ensure!(
        strip.contains(&muted) && strip.contains("施工作业"),
        "the strip names {muted} and why: {strip:?}"
    );
    console.screenshot("camera-muted").await?;

    // 人员看板 (F10): the full-time workers on shift, by village.
    console.js("document.activeElement?.blur();", vec![]).await?;
    console.press("\u{E03A}").await?;
    console.wait_text("the worker board", QUICK, ".dialog .dialog-head h2", |t| t == "人员看板").await?;
    console
        .js(
            "const s = document.querySelector('[data-testid=board-group]'); s.value = '1';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    let groups = console
        .wait_js(
            "full-time workers on the board",
            QUICK,
            "const rows = [...document.querySelectorAll('[data-testid=board-table] tbody tr[data-id]')];
             return rows.length ? rows.map((r) => r.children[1].innerText) : null;",
            vec![],
        )
        .await?;
    let groups: Vec<String> =
        groups.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
    ensure!(
        groups.iter().all(|g| g == "专职网格员"),
        "the “1” filter shows full-time workers only: {groups:?}"
    );
    console.screenshot("worker-board").await?;
    console.press("\u{E00C}").await?;
    console
        .wait_js("the board closed", QUICK, "return !document.querySelector('.dialog') || null;", vec![])
        .await?;

    // The handover fits the screen without scrolling.
    console.js("document.activeElement?.blur();", vec![]).await?;
    console.press("\u{E034}").await?;
    console
        .wait_js(
            "the handover summary",
            QUICK,
            "return document.querySelector('.dialog .handover-figures') ? true : null;",
            vec![],
        )
        .await?;
    let scroll = console
        .js(
            "const b = document.querySelector('.dialog .dialog-body'); const d = document.querySelector('.dialog');
             return [b.scrollHeight - b.clientHeight, d.getBoundingClientRect().bottom - window.innerHeight];",
            vec![],
        )
        .await?;
    let overflow: Vec<f64> = scroll.as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
    let covered = console
        .js(
            "const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
             const buttons = [...document.querySelectorAll('.dialog footer button')].map((x) => x.getBoundingClientRect());
             return [...document.querySelectorAll('.toast')].filter((t) => buttons.some((b) => hit(t.getBoundingClientRect(), b))).map((t) => t.innerText);",
            vec![],
        )
        .await?;
    ensure!(covered.as_array().is_some_and(Vec::is_empty), "no toast covers the dialog's buttons: {covered}");
    console.screenshot("handover").await?;
    ensure!(
        overflow.iter().all(|o| *o <= 1.0),
        "the handover dialog neither scrolls nor runs off the screen: {overflow:?}"
    );

    // The handover to 韦丽娟 (duty2) with a note: the incoming officer is shown it.
    let note = "上莲村排水沟纠纷今晚需回访";
    console.type_into(".dialog textarea", note).await?;
    console.type_into(".dialog input[placeholder=接班人账号]", "duty2").await?;
    console.type_into(".dialog input[type=password]", "redgrid-demo").await?;
    console.click(".dialog .btn-primary").await?;
    let shown = console
        .wait_text("the 接班提示 with the note", QUICK, ".dialog [data-testid=brief-note]", |t| {
            !t.is_empty()
        })
        .await?;
    ensure!(shown == note, "the incoming officer reads the outgoing note: {shown:?}");
    let user = console.visible_text(".sb-user").await?.unwrap_or_default();
    ensure!(user.contains("韦丽娟"), "the seat is duty2's: {user:?}");
    console.screenshot("shift-brief").await?;
    console.click(".dialog [data-testid=brief-ok]").await?;
    Ok(())
}
