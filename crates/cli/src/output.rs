//! What the CLI prints: tables for people, JSON for scripts.

use redgrid_api::{EventView, Station};
use redgrid_core::event::Step;
use redgrid_core::stats::{Counters, StatsReport};
use redgrid_core::time::{shanghai, Month};
use redgrid_demo::township::{DemoSummary, DEMO_PASSWORD};
use redgrid_store::AuditRecord;
use serde_json::{json, Value};

/// Prints a line to stdout; a closed pipe (`redgrid queue | head`) ends the program quietly instead of
/// panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::say_line(format_args!($($arg)*))
    };
}

pub fn say_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(error) = writeln!(std::io::stdout().lock(), "{args}") {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("无法输出：{error}");
    }
}

/// One line of NDJSON (a line per record, for a stream a script reads as it comes).
pub fn print_json_line(value: &Value) {
    println!("{value}");
}

pub fn print_json(value: &Value) {
    say!("{}", serde_json::to_string_pretty(value).expect("JSON values always serialise"));
}

/// `1天3小时`, `25分钟`, `超时2小时5分钟`.
pub fn time_left(seconds: Option<i64>) -> String {
    let Some(seconds) = seconds else { return "暂停计时".into() };
    let overdue = seconds < 0;
    let minutes = seconds.abs() / 60;
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let text = if days > 0 {
        format!("{days}天{hours}小时")
    } else if hours > 0 {
        format!("{hours}小时{mins}分钟")
    } else {
        format!("{mins}分钟")
    };
    if overdue {
        format!("超时{text}")
    } else {
        text
    }
}

pub fn queue_table(events: &[EventView], total: i64) {
    say!("待办事件 共 {total} 件（按紧急程度排序，显示前 {} 件）", events.len());
    say!("{:<8} {:<6} {:<8} {:<18} {:<6} {:<14} {}", "编号", "环节", "等级", "类别", "剩余", "网格", "标题");
    for view in events {
        let e = &view.stored.event;
        let mark = if view.overdue { "!" } else { " " };
        say!(
            "{mark}#{:<6} {:<6} {:<8} {:<18} {:<10} {:<20} {}",
            e.id,
            e.status.name_zh(),
            e.severity.name_zh(),
            e.category.name_zh(),
            time_left(view.seconds_left),
            e.grid,
            e.title
        );
    }
}

pub fn queue_json(events: &[EventView], total: i64) -> Value {
    let items: Vec<Value> = events
        .iter()
        .map(|view| {
            let e = &view.stored.event;
            json!({
                "id": e.id,
                "version": e.version,
                "status": e.status.key(),
                "status_name": e.status.name_zh(),
                "step": e.status.pending_step().map(Step::key),
                "category": e.category.key(),
                "category_name": e.category.name_zh(),
                "severity": e.severity.level(),
                "source": e.source.key(),
                "grid": e.grid.as_str(),
                "title": e.title,
                "reported_at": e.reported_at.with_timezone(&shanghai()).to_rfc3339(),
                "due_at": e.due_at.map(|d| d.with_timezone(&shanghai()).to_rfc3339()),
                "seconds_left": view.seconds_left,
                "overdue": view.overdue,
                "drill": e.drill,
            })
        })
        .collect();
    json!({ "total": total, "events": items })
}

pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

pub fn event_detail(view: &EventView, history: &[AuditRecord]) {
    let e = &view.stored.event;
    say!("事件 #{} {}", e.id, e.title);
    say!(
        "  状态：{}（第 {} 版）  类别：{}  等级：{}  来源：{}",
        e.status.name_zh(),
        e.version,
        e.category.name_zh(),
        e.severity.name_zh(),
        e.source.name_zh()
    );
    say!("  网格：{}  地址：{}  上报人：{}", e.grid, e.address, e.reporter);
    if let Some(step) = e.status.pending_step() {
        let due = e.due_at.map(local_time).unwrap_or_else(|| "暂停计时".into());
        say!("  当前环节：{}，时限至 {}（{}）", step.name_zh(), due, time_left(view.seconds_left));
    }
    if let Some(pending) = &e.pending {
        say!("  待审批：{}（{}）", pending.kind.name_zh(), pending.reason);
    }
    for task in &e.tasks {
        say!(
            "  处置人 {}：派遣 {}，签收 {}，到场 {}",
            task.worker_id,
            local_time(task.dispatched_at),
            task.acknowledged_at.map(local_time).unwrap_or_else(|| "—".into()),
            task.arrived_at.map(local_time).unwrap_or_else(|| "—".into())
        );
    }
    say!("  办理记录：");
    for record in history {
        let r = &record.entry;
        let name = redgrid_core::closed_loop::CommandKind::from_key(&r.command)
            .map(|k| k.name_zh())
            .unwrap_or(&r.command);
        say!("    {} {} {}（{}）{}", local_time(r.at), name, r.actor_name, r.station, r.reason);
    }
}

pub fn event_json(view: &EventView, history: &[AuditRecord]) -> Value {
    let mut value = queue_json(std::slice::from_ref(view), 1)["events"][0].clone();
    value["history"] = audit_json(history)["records"].clone();
    value
}

pub fn audit_json(records: &[AuditRecord]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({
                "seq": r.seq,
                "at": r.entry.at.with_timezone(&shanghai()).to_rfc3339(),
                "command": r.entry.command,
                "actor": r.entry.actor_name,
                "actor_id": r.entry.actor_id,
                "role": r.entry.role,
                "station": r.entry.station,
                "event_id": r.entry.event_id,
                "from": r.entry.from_status,
                "to": r.entry.to_status,
                "reason": r.entry.reason,
            })
        })
        .collect();
    json!({ "records": records })
}

pub fn audit_table(records: &[AuditRecord]) {
    if records.is_empty() {
        say!("没有符合条件的审计记录。");
    }
    for record in records {
        let r = &record.entry;
        let event = r.event_id.map(|id| format!(" #{id}")).unwrap_or_default();
        let change = match (&r.from_status, &r.to_status) {
            (Some(from), Some(to)) => format!(" {from} → {to}"),
            _ => String::new(),
        };
        let name = redgrid_api::console::command_name_zh(&r.command);
        say!(
            "{:>7} {} {name}（{}，{}）{event}{change}：{}",
            record.seq,
            local_time(r.at),
            r.actor_name,
            r.station,
            r.reason
        );
    }
}

pub fn quarantine_table(rows: &[redgrid_store::feeds::QuarantineRow]) {
    say!("隔离区消息（最新 {} 条）", rows.len());
    for row in rows {
        let preview: String = String::from_utf8_lossy(&row.payload).chars().take(60).collect();
        say!(
            "  #{} {} {} [{}] {}\n      内容：{}",
            row.id,
            local_time(row.received_at),
            row.topic,
            row.code,
            row.reason,
            preview
        );
    }
}

pub fn quarantine_json(rows: &[redgrid_store::feeds::QuarantineRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                json!({
                    "id": row.id,
                    "topic": row.topic,
                    "code": row.code,
                    "reason": row.reason,
                    "received_at": row.received_at.with_timezone(&shanghai()).to_rfc3339(),
                    "payload_utf8": String::from_utf8_lossy(&row.payload),
                    "payload_len": row.payload.len(),
                })
            })
            .collect(),
    )
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.2}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

fn counters_json(c: &Counters) -> Value {
    let rates = c.rates();
    let steps: serde_json::Map<String, Value> = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, step)| {
            (
                step.key().to_string(),
                json!({ "done": c.step_done[i], "late": c.step_late[i], "on_time_rate": rates.on_time_rate[i] }),
            )
        })
        .collect();
    json!({
        "reported": c.reported,
        "valid": c.valid,
        "handled": c.handled,
        "closed": c.closed,
        "handling_rate": rates.handling_rate,
        "closing_rate": rates.closing_rate,
        "disputes_mediated": c.disputes_mediated,
        "disputes_mediation_failed": c.disputes_mediation_failed,
        "mediation_success_rate": rates.mediation_success_rate,
        "steps": steps,
    })
}

pub fn stats_json(month: Month, report: &StatsReport) -> Value {
    let by = |map: Vec<(String, &Counters)>| -> Value {
        Value::Object(map.into_iter().map(|(k, c)| (k, counters_json(c))).collect())
    };
    json!({
        "month": month.to_string(),
        "total": counters_json(&report.total),
        "by_village": by(report.by_village.iter().map(|(k, c)| (k.clone(), c)).collect()),
        "by_category": by(report.by_category.iter().map(|(k, c)| (k.key().to_string(), c)).collect()),
        "by_grid": by(report.by_grid.iter().map(|(k, c)| (k.clone(), c)).collect()),
    })
}

pub async fn stats_table(month: Month, report: &StatsReport, station: &Station) -> anyhow::Result<()> {
    let t = &report.total;
    let rates = t.rates();
    say!("{month} 统计（不含演练）");
    say!("  上报 {} 件，有效 {} 件，处置 {} 件，结案 {} 件", t.reported, t.valid, t.handled, t.closed);
    say!("  处置率 {}，结案率 {}", percent(rates.handling_rate), percent(rates.closing_rate));
    say!(
        "  矛盾纠纷调解 成功 {} 件 / 不成功 {} 件，调解成功率 {}",
        t.disputes_mediated,
        t.disputes_mediation_failed,
        percent(rates.mediation_success_rate)
    );
    let steps: Vec<String> = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {}", s.name_zh(), percent(rates.on_time_rate[i])))
        .collect();
    say!("  各环节按时率：{}", steps.join("，"));
    say!("  按村（社区）：");
    for (village, counters) in &report.by_village {
        let name = station.store().grid_node(village).await?.map(|n| n.name).unwrap_or_default();
        let r = counters.rates();
        say!(
            "    {village} {name:<10} 有效 {:>4}  处置率 {:>8}  结案率 {:>8}",
            counters.valid,
            percent(r.handling_rate),
            percent(r.closing_rate)
        );
    }
    say!("  按类别：");
    for (category, counters) in &report.by_category {
        let r = counters.rates();
        say!(
            "    {:<16} 有效 {:>4}  处置率 {:>8}  结案率 {:>8}",
            category.name_zh(),
            counters.valid,
            percent(r.handling_rate),
            percent(r.closing_rate)
        );
    }
    Ok(())
}

pub fn demo_summary(summary: &DemoSummary, url: &str) {
    say!("演示数据已生成：{}{}（{}）", summary.county_name, summary.township_name, summary.township_code);
    say!(
        "  村（社区）{} 个，网格 {} 个{}，户 {} 户，居民 {} 人，重点场所 {} 处",
        summary.villages,
        summary.grids,
        if summary.households > 0 { "（含家格）" } else { "（家格以上四级）" },
        summary.households,
        summary.residents,
        summary.key_places
    );
    say!(
        "  网格力量 {} 人（专职 {} 人），摄像头 {} 路",
        summary.workers,
        summary.full_time_workers,
        summary.cameras
    );
    say!(
        "  历史事件 {} 件（其中演练 {} 件），当前待办 {} 件",
        summary.events,
        summary.drill_events,
        summary.open_events
    );
    say!("  数据库：{url}");
    say!("  演示账号（密码均为 {DEMO_PASSWORD}）：");
    for account in &summary.accounts {
        say!("    {:<14} {:<8} {}", account.id, account.name, account.role.name_zh());
    }
}

/// One line for a change-feed entry, or `None` for changes too frequent to print (worker fixes).
pub async fn feed_line(station: &Station, entry: &redgrid_store::FeedEntry) -> Option<String> {
    use redgrid_core::closed_loop::CommandKind;
    let at = entry.at.with_timezone(&shanghai()).format("%H:%M:%S");
    let text = match entry.entity.as_str() {
        "event" => {
            let id: i64 = entry.entity_id.parse().ok()?;
            let view = station.event(id).await.ok()?;
            let e = &view.stored.event;
            let action = match entry.change.as_str() {
                "overdue" => "已超时！",
                "due_soon" => "即将超时",
                change => {
                    CommandKind::ALL.into_iter().find(|k| k.key() == change).map_or(change, |k| k.name_zh())
                }
            };
            format!("事件 #{id} {action} → {}｜{}｜{}", e.status.name_zh(), e.category.name_zh(), e.title)
        }
        "alert" => {
            let id: i64 = entry.entity_id.parse().ok()?;
            let alert = station.store().alerts_by_ids(&[id]).await.ok()?.into_iter().next()?;
            // An alert updated while its object is still tracked is the same row again: print it once.
            if entry.change == "updated" {
                return None;
            }
            let change = match entry.change.as_str() {
                "new" => "新告警",
                "raised" => "告警升级",
                "dismissed" => "已判为误报",
                "converted" => "已转为事件",
                "attached" => "已关联事件",
                other => other,
            };
            format!(
                "摄像头告警 #{id} {change}｜{}｜{}｜{}",
                alert.label,
                alert.camera_name,
                alert.grid_code.as_deref().unwrap_or("未登记摄像头")
            )
        }
        "task" => {
            let change = match entry.change.as_str() {
                "sent" => "已下发",
                "acknowledged" => "已签收",
                "arrived" => "已到场",
                "done" => "已反馈",
                "cancelled" => "已撤回",
                "no_ack" => "超时未签收！",
                other => other,
            };
            format!("任务 {} {change}", entry.entity_id)
        }
        "worker" => match entry.change.as_str() {
            "offline" => format!("网格员 {} 终端离线", entry.entity_id),
            _ => return None,
        },
        "nvr" => format!("录像机 {} {}", entry.entity_id, entry.change),
        "quarantine" => format!("收到无法识别的消息，已隔离（#{}）", entry.entity_id),
        _ => return None,
    };
    Some(format!("{at} {text}"))
}

pub fn duty_json(duty: &redgrid_api::dispatch::DutyStats) -> Value {
    let l = &duty.loop_counts;
    json!({
        "reminders": l.reminders,
        "supervisions": l.supervisions,
        "send_backs": l.send_backs,
        "overdue_open": l.overdue_open,
        "workers": duty.workers.iter().map(|w| {
            let c = &w.counters;
            json!({
                "worker_id": w.worker_id, "name": w.name, "tasks": c.tasks, "acknowledged": c.acknowledged,
                "acknowledged_in_time": c.acknowledged_in_time, "arrived": c.arrived, "done": c.done,
                "not_acknowledged": c.not_acknowledged,
                "acknowledgement_rate": c.acknowledgement_rate(), "feedback_rate": c.feedback_rate(),
            })
        }).collect::<Vec<_>>(),
    })
}

pub fn duty_table(duty: &redgrid_api::dispatch::DutyStats) {
    let l = &duty.loop_counts;
    say!(
        "  催办 {} 次，督办 {} 次，退回重办 {} 次；当前超时未办结 {} 件",
        l.reminders,
        l.supervisions,
        l.send_backs,
        l.overdue_open
    );
    if duty.workers.is_empty() {
        say!("  本月没有经终端派遣的任务。");
        return;
    }
    say!("  按网格员（本月派遣的任务）：");
    say!(
        "    {:<10} {:<6} {:>4} {:>4} {:>8} {:>4} {:>4} {:>6}",
        "编号",
        "姓名",
        "任务",
        "签收",
        "签收及时率",
        "到场",
        "反馈",
        "未签收"
    );
    for w in &duty.workers {
        let c = &w.counters;
        say!(
            "    {:<10} {:<6} {:>4} {:>4} {:>8} {:>4} {:>4} {:>6}",
            w.worker_id,
            w.name,
            c.tasks,
            c.acknowledged,
            percent(c.acknowledgement_rate()),
            c.arrived,
            c.done,
            c.not_acknowledged
        );
    }
}
