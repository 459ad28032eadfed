//! The roster desk (排班, F6) as a duty officer uses it: plan the first roster from the console, break a
//! hard rule by hand and see it named and the save refused, make a legal change and save it as a new
//! roster, then re-plan around a worker off sick and accept the proposal.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use redgrid_e2e::{free_port, run_scenario, Binaries, Console, Scratch};
use serde_json::Value;

use crate::{run, QUICK};

const DEMO_PASSWORD: &str = "redgrid-demo";

#[test]
fn a_duty_officer_edits_and_replans_the_roster() {
    run(async {
        let mut scratch = Scratch::new("roster")?;
        let binaries = Binaries::locate()?;
        let db = scratch.sqlite_url("r.db");
        binaries.seed_demo(&db, 2)?;
        let listen = format!("127.0.0.1:{}", free_port()?);
        let args: Vec<String> = vec!["--db".into(), db, "--listen".into(), listen];
        run_scenario("roster", &mut scratch, &args, async |console: &mut Console| roster_desk(console).await)
            .await
    });
}

/// The roster dialog's summary line, once it has settled (no check on its way).
async fn summary(console: &Console) -> Result<String> {
    let value = console
        .wait_js(
            "the roster summary",
            QUICK,
            "const s = document.querySelector('.roster-summary');
             return s && !s.classList.contains('checking') ? s.innerText : null;",
            vec![],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_string())
}

async fn roster_desk(console: &mut Console) -> Result<()> {
    console
        .wait_text("the sign-in screen", Duration::from_secs(60), "#overlay .signin-card h1", |t| {
            t == "红格指挥台"
        })
        .await?;
    console.type_into("#overlay input[name=account]", "duty1").await?;
    console.type_into("#overlay input[name=password]", DEMO_PASSWORD).await?;
    console.click("#overlay button[type=submit]").await?;
    console.wait_text("the queue to load", QUICK, "#queue-pane .pane-count", |t| t.ends_with('件')).await?;

    // F6 opens the roster desk; with no roster yet it offers to plan one.
    console
        .js("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'F6', bubbles: true }));", vec![])
        .await?;
    console.wait_text("the roster desk", QUICK, ".dialog-roster .dialog-head h2", |t| t == "排班").await?;
    console
        .wait_text("the offer to plan", QUICK, ".roster-empty button", |t| t.contains("编制两周排班"))
        .await?;
    console.screenshot("roster-empty").await?;
    console.click(".roster-empty button").await?;
    console
        .wait_js(
            "the planned roster's table",
            Duration::from_secs(120),
            "return document.querySelectorAll('.roster-grid tbody tr').length || null;",
            vec![],
        )
        .await?;
    let first = summary(console).await?;
    ensure!(
        first.contains("全部硬性规则均满足"),
        "a planned roster keeps every hard rule; the summary says {first:?}"
    );
    console.screenshot("roster-week").await?;

    // A night duty followed by a day duty: find a night cell with a next day in the same week.
    let cell = console
        .js(
            "const rows = [...document.querySelectorAll('.roster-grid tbody tr')];
             for (const tr of rows) {
               const cells = [...tr.querySelectorAll('button.cell')];
               for (let c = 0; c + 1 < cells.length; c++) {
                 if (cells[c].innerText === '夜') return { row: cells[c + 1].dataset.row, col: cells[c + 1].dataset.col,
                   name: tr.querySelector('.rt-name').innerText };
               }
             }
             return null;",
            vec![],
        )
        .await?;
    ensure!(!cell.is_null(), "the first week has a night duty followed by another day");
    let (row, col) = (field(&cell, "row")?, field(&cell, "col")?);
    let next_day = format!("button.cell[data-row=\"{row}\"][data-col=\"{col}\"]");
    // Keyboard: focus the cell, press 1 (the first shift type, 值班白班).
    console
        .js(
            "const b = document.querySelector(arguments[0]); b.focus();
             b.dispatchEvent(new KeyboardEvent('keydown', { key: '1', bubbles: true }));",
            vec![Value::String(next_day.clone())],
        )
        .await?;
    let broken = console
        .wait_js(
            "the broken rule named",
            QUICK,
            "const list = document.querySelector('.roster-breaks');
             return list ? list.innerText : null;",
            vec![],
        )
        .await?;
    let broken = broken.as_str().unwrap_or_default();
    ensure!(
        broken.contains("夜班或备勤的次日不能接白班或巡查"),
        "the night → day succession is named; the side panel says {broken:?}"
    );
    let save_disabled = console
        .js("return [...document.querySelectorAll('.roster-actions button')].find((b) => b.innerText.startsWith('保存调整')).disabled;", vec![])
        .await?;
    ensure!(save_disabled == Value::Bool(true), "a change that breaks a rule cannot be saved");
    ensure!(console.count_visible(".rt-cell.bad").await? >= 1, "the breaking cell is marked on the grid");
    console.screenshot("roster-rule-broken").await?;

    // 撤销全部调整: nothing pending, nothing broken.
    console
        .js("[...document.querySelectorAll('.roster-actions button')].find((b) => b.innerText === '撤销全部调整').click();", vec![])
        .await?;
    let undone = summary(console).await?;
    ensure!(
        undone.contains("全部硬性规则均满足") && !undone.contains("待保存调整"),
        "undoing every change leaves the roster as planned; the summary says {undone:?}"
    );
    // A legal change: a part-time patrol given the day off, then saved as a new roster.
    let patrol = console
        .js(
            "for (const tr of document.querySelectorAll('.roster-grid tbody tr')) {
               if (tr.querySelector('.ft')) continue;
               const b = [...tr.querySelectorAll('button.cell')].find((c) => c.innerText === '巡');
               if (b) return { row: b.dataset.row, col: b.dataset.col };
             }
             return null;",
            vec![],
        )
        .await?;
    ensure!(!patrol.is_null(), "a part-time worker patrols this week");
    let patrol_cell = format!(
        "button.cell[data-row=\"{}\"][data-col=\"{}\"]",
        field(&patrol, "row")?,
        field(&patrol, "col")?
    );
    console
        .js(
            "const b = document.querySelector(arguments[0]); b.focus();
             b.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true }));",
            vec![Value::String(patrol_cell)],
        )
        .await?;
    console
        .wait_js(
            "the legal change checked",
            QUICK,
            "const s = document.querySelector('.roster-summary');
             return s && !s.classList.contains('checking') && s.innerText.includes('待保存调整') && s.innerText.includes('全部硬性规则均满足') ? true : null;",
            vec![],
        )
        .await?;
    let planned = console.visible_text(".roster-title strong").await?.context("the roster's title")?;
    console.click(".roster-actions .btn-primary").await?;
    let saved = console
        .wait_text("the saved roster", QUICK, ".roster-title strong", |t| {
            t != planned && t.starts_with("排班 #")
        })
        .await?;
    eprintln!("e2e[roster]: saved as {saved}");
    console.screenshot("roster-saved").await?;

    // 病休重排: the first worker in the list falls sick; the proposal clears their days and changes little.
    console
        .js("[...document.querySelectorAll('.roster-actions button')].find((b) => b.innerText.startsWith('病休重排')).click();", vec![])
        .await?;
    console
        .wait_js(
            "the sick-leave dialog",
            QUICK,
            "const d = [...document.querySelectorAll('.dialog')].find((d) => d.querySelector('h2').innerText === '病休重排');
             if (!d) return null;
             // Someone who works the first day shown, so that the sickness leaves something to cover.
             const row = [...document.querySelectorAll('.roster-grid tbody tr')]
               .find((tr) => tr.querySelector('button.cell').innerText !== '休');
             const name = row.querySelector('.rt-name').firstChild.textContent;
             const select = d.querySelector('select');
             select.value = [...select.options].find((o) => o.text.startsWith(name + ' ·')).value;
             d.querySelector('.dialog-foot .btn-primary').click();
             return name;",
            vec![],
        )
        .await?;
    let figures = console
        .wait_js(
            "the re-plan proposal",
            Duration::from_secs(120),
            "const f = document.querySelector('.replan-figures');
             return f ? f.innerText : (document.querySelector('.replan .dialog-error')?.innerText ?? null);",
            vec![],
        )
        .await?;
    let figures = figures.as_str().unwrap_or_default().to_string();
    ensure!(
        figures.contains("改动") && !figures.contains("改动 0 个"),
        "the proposal for a worker who was rostered changes something; it shows {figures:?}"
    );
    console.screenshot("roster-replan-proposal").await?;
    console
        .js(
            "[...document.querySelectorAll('.dialog')].find((d) => d.querySelector('.replan-figures'))
               .querySelector('.dialog-foot .btn-primary').click();",
            vec![],
        )
        .await?;
    let replanned = console
        .wait_text("the re-planned roster", Duration::from_secs(30), ".roster-title strong", |t| t != saved)
        .await?;
    eprintln!("e2e[roster]: re-plan accepted as {replanned}");
    let after = summary(console).await?;
    ensure!(
        after.contains("全部硬性规则均满足"),
        "the accepted re-plan keeps every rule; the summary says {after:?}"
    );
    console.screenshot("roster-replanned").await?;
    Ok(())
}

fn field(value: &Value, key: &str) -> Result<String> {
    value
        .get(key)
        .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_i64().map(|n| n.to_string())))
        .with_context(|| format!("{key} in {value}"))
}
