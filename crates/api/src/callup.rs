//! Call-ups (叫应) with an answer board (`redgrid_core::callup`).
//!
//! A leader or duty officer calls up a selection — villages or grids, 1+3+N groups and roles, the part-time
//! force, those not on shift now, or every grid a warning area touches — with a reason and a reply-by time.
//! Each person is sent `terminals/<id>/callup`; old terminals also get `broadcast/callup` (in chunks, so no
//! message grows past what a terminal takes). They answer from the terminal (`terminals/<id>/ack` with
//! `callup_id`) or the officer records the answer for them (phone, in person, radio). The watchdog calls a
//! silent person again after `callup_recall_after_s` and their backup (备岗人员) after
//! `callup_backup_after_s`. Every call and every answer is an audit record; a person counts once, at their
//! latest answer.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use redgrid_bus::payload::{Broadcast, Callup, CallupMessage};
use redgrid_bus::topics::TerminalChannel;
use redgrid_core::acts::StationAct;
use redgrid_core::callup::{AnswerChannel, Area, CallupState, CallupTiming};
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::worker::{Employment, ForceGroup, ForceRole};
use redgrid_store::callups::{CallupPerson, CallupRow};
use redgrid_store::{AuditEntry, WriteTx};

use crate::{allow, station_audit, ApiError, Result, Station};

/// Settings of the call-up's timing.
pub const RECALL_AFTER: &str = "callup_recall_after_s";
pub const BACKUP_AFTER: &str = "callup_backup_after_s";

/// Worker ids per `broadcast/callup` message for old terminals.
const BROADCAST_CHUNK: usize = 1000;

/// Whom to call up. Filters combine: a person must match every one given.
#[derive(Debug, Clone, Default)]
pub struct CallupSelection {
    /// Villages by 12-digit code or name.
    pub villages: Vec<String>,
    /// Grids by code; everything under them.
    pub grids: Vec<String>,
    /// 1+3+N groups (`full_time_worker`, `village_cadre`, …, or `1`, `3`, `N`) and 六长两员 roles
    /// (`grid_leader`, …).
    pub groups: Vec<String>,
    pub part_time_only: bool,
    pub not_on_shift: bool,
    /// A warning area as GeoJSON (Polygon, MultiPolygon, Feature or FeatureCollection of them).
    pub area: Option<String>,
}

/// What was started.
#[derive(Debug, Clone, PartialEq)]
pub struct CallupStarted {
    pub callup_id: String,
    pub called: usize,
    pub workers: Vec<String>,
    pub reply_by: DateTime<Utc>,
}

/// One person on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPerson {
    pub worker_id: String,
    pub name: String,
    pub village_code: String,
    pub group: String,
    pub state: CallupState,
    pub answered_at: Option<DateTime<Utc>>,
    pub channel: Option<String>,
    pub calls: i64,
    pub backup_for: Option<String>,
    pub note: String,
}

/// One village's line on the board.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VillageTally {
    pub village_code: String,
    pub village_name: String,
    pub called: usize,
    pub available: usize,
    pub unavailable: usize,
    pub silent: usize,
}

/// The answer board.
#[derive(Debug, Clone, PartialEq)]
pub struct CallupStatus {
    pub callup: CallupRow,
    pub called: usize,
    pub available: usize,
    pub unavailable: usize,
    pub silent: usize,
    pub by_village: Vec<VillageTally>,
    pub people: Vec<BoardPerson>,
}

/// Reads a reply-by given as `90s`, `30m`, `2h` or an RFC 3339 time.
pub fn parse_reply_by(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let text = text.trim();
    let bad = || ApiError::Invalid(format!("应答时限“{text}”无法解读：应为 90s、30m、2h 或 RFC 3339 时间"));
    let at = if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else {
        let (number, unit) = text.split_at(text.len().saturating_sub(1));
        let n: i64 = number.parse().map_err(|_| bad())?;
        now + match unit {
            "s" => Duration::seconds(n),
            "m" => Duration::minutes(n),
            "h" => Duration::hours(n),
            _ => return Err(bad()),
        }
    };
    if at <= now || at > now + Duration::days(3) {
        return Err(ApiError::Invalid("应答时限须在现在之后、3 天之内".into()));
    }
    Ok(at)
}

/// Reads a warning area; refuses more than 10,000 vertices (a hand-drawn or imported warning polygon has
/// a few hundred at most).
pub fn parse_area(geojson: &str) -> Result<Area> {
    let bad = |why: &str| ApiError::Invalid(format!("预警区域无法解读：{why}"));
    if geojson.len() > 2 * 1024 * 1024 {
        return Err(bad("文件超过 2 MiB"));
    }
    let value: serde_json::Value = serde_json::from_str(geojson).map_err(|e| bad(&e.to_string()))?;
    let mut area = Area::default();
    fn ring(value: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
        value.as_array()?.iter().map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect()
    }
    fn polygon(value: &serde_json::Value) -> Option<Vec<Vec<(f64, f64)>>> {
        value.as_array()?.iter().map(ring).collect()
    }
    fn walk(value: &serde_json::Value, area: &mut Area) -> std::result::Result<(), &'static str> {
        match value.get("type").and_then(|t| t.as_str()) {
            Some("FeatureCollection") => {
                for feature in value.get("features").and_then(|f| f.as_array()).ok_or("缺少 features")? {
                    walk(feature, area)?;
                }
            }
            Some("Feature") => walk(value.get("geometry").ok_or("要素缺少 geometry")?, area)?,
            Some("Polygon") => area
                .polygons
                .push(polygon(value.get("coordinates").ok_or("缺少坐标")?).ok_or("坐标格式错误")?),
            Some("MultiPolygon") => {
                for p in value.get("coordinates").and_then(|c| c.as_array()).ok_or("缺少坐标")? {
                    area.polygons.push(polygon(p).ok_or("坐标格式错误")?);
                }
            }
            _ => return Err("只支持 Polygon、MultiPolygon、Feature 和 FeatureCollection"),
        }
        Ok(())
    }
    walk(&value, &mut area).map_err(bad)?;
    if area.polygons.is_empty() {
        return Err(bad("没有多边形"));
    }
    if area.vertices() > 10_000 {
        return Err(bad("顶点超过 10,000 个"));
    }
    Ok(area)
}

/// Does a worker match one of the group or role words?
fn matches_group(groups: &[String], group: ForceGroup, roles: &[ForceRole]) -> bool {
    groups.is_empty()
        || groups.iter().any(|g| match g.trim() {
            "1" => group == ForceGroup::One,
            "3" => matches!(group, ForceGroup::Three(_)),
            "N" | "n" => matches!(group, ForceGroup::N(_)),
            word => {
                ForceGroup::parse(word) == Some(group)
                    || ForceRole::parse(word).is_some_and(|r| roles.contains(&r))
            }
        })
}

impl Station {
    /// The call-up's timing from the settings (seconds, down to one for tests).
    pub async fn callup_timing(&self) -> Result<CallupTiming> {
        let read = |v: Option<String>| v.and_then(|v| v.trim().parse::<i64>().ok()).filter(|s| *s > 0);
        let default = CallupTiming::default();
        Ok(CallupTiming {
            recall_after_s: read(self.store().setting(RECALL_AFTER).await?).unwrap_or(default.recall_after_s),
            backup_after_s: read(self.store().setting(BACKUP_AFTER).await?).unwrap_or(default.backup_after_s),
        })
    }

    /// The workers a selection reaches, with their village; `empty_selection` when nobody matches.
    async fn select_workers(
        &self,
        selection: &CallupSelection,
    ) -> Result<(Vec<(String, String, String)>, String)> {
        let scheme = self.scheme();
        let village_depth = scheme.village_depth();
        let village_len = scheme.level(village_depth).map_or(12, |l| l.code_len);
        let store = self.store();
        let tree = store.grid_tree((village_depth + 2) as i64).await?;
        let mut words = Vec::new();
        let mut prefixes: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for v in &selection.villages {
            let v = v.trim();
            let found =
                tree.iter().find(|n| n.depth as usize == village_depth && (n.code == v || n.name == v));
            match found {
                Some(node) => {
                    prefixes.push(node.code.clone());
                    names.push(node.name.clone());
                }
                None => return Err(ApiError::Invalid(format!("村（社区）“{v}”不存在"))),
            }
        }
        for g in &selection.grids {
            let g = g.trim();
            if store.grid_node(g).await?.is_none() {
                return Err(ApiError::UnknownGrid(g.to_string()));
            }
            prefixes.push(g.to_string());
            names.push(format!("网格 {g}"));
        }
        if !names.is_empty() {
            words.push(names.join("、"));
        }
        let area = selection.area.as_deref().map(parse_area).transpose()?;
        let mut area_grids: Option<Vec<String>> = None;
        if let Some(area) = &area {
            // A grid is touched when its centre, or the centre of a grid under it, lies in the area.
            let inside: Vec<&str> = tree
                .iter()
                .filter(|n| n.lon.zip(n.lat).is_some_and(|(lon, lat)| area.contains(lon, lat)))
                .map(|n| n.code.as_str())
                .collect();
            let mut touched: Vec<String> = Vec::new();
            for code in &inside {
                touched.push(code.to_string());
                if code.len() > village_len {
                    touched.push(code[..village_len].to_string());
                }
            }
            touched.sort();
            touched.dedup();
            words.push(format!("预警区域内网格 {} 个", touched.len()));
            area_grids = Some(touched);
        }
        if !selection.groups.is_empty() {
            words.push(format!("力量 {}", selection.groups.join("、")));
        }
        if selection.part_time_only {
            words.push("兼职网格员".into());
        }
        if selection.not_on_shift {
            words.push("当前不在班".into());
        }
        if words.is_empty() {
            return Err(ApiError::EmptySelection(
                "请指定叫应范围：村（社区）、网格、力量类别、兼职或预警区域".into(),
            ));
        }
        let not_on_shift: Option<HashSet<String>> = if selection.not_on_shift {
            Some(self.worker_board().await?.into_iter().filter(|r| r.on_shift).map(|r| r.worker.id).collect())
        } else {
            None
        };
        let workers = store.workers(&scheme).await?;
        let mut chosen = Vec::new();
        for record in workers {
            let w = &record.worker;
            let grids: Vec<&str> = w.grids.iter().map(|g| g.as_str()).collect();
            let under = |prefix: &str| grids.iter().any(|g| g.starts_with(prefix));
            if !prefixes.is_empty() && !prefixes.iter().any(|p| under(p)) {
                continue;
            }
            if let Some(touched) = &area_grids {
                // A village touched selects the people of the grids the area reaches, not the whole village:
                // only a grid of the worker's own that is touched, or that lies under a touched one.
                let hit = grids.iter().any(|g| {
                    touched.iter().any(|t| g == t || (t.len() > village_len && g.starts_with(t.as_str())))
                });
                if !hit {
                    continue;
                }
            }
            if !matches_group(&selection.groups, w.group, &w.roles) {
                continue;
            }
            if selection.part_time_only && w.employment != Employment::PartTime {
                continue;
            }
            if not_on_shift.as_ref().is_some_and(|on| on.contains(&w.id)) {
                continue;
            }
            let village =
                grids.first().map(|g| g[..village_len.min(g.len())].to_string()).unwrap_or_default();
            chosen.push((w.id.clone(), village, w.group.key().to_string()));
        }
        if chosen.is_empty() {
            return Err(ApiError::EmptySelection(format!(
                "所选范围内没有可叫应的人员（{}）",
                words.join("，")
            )));
        }
        Ok((chosen, words.join("，")))
    }

    /// Calls up a selection; one transaction with every call's message and audit record.
    pub async fn start_callup(
        &self,
        actor: &Actor,
        selection: &CallupSelection,
        reason: &str,
        reply_by: DateTime<Utc>,
        drill_id: Option<&str>,
    ) -> Result<CallupStarted> {
        allow(actor.role, StationAct::CallUp)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ApiError::Invalid("叫应必须填写事由".into()));
        }
        let now = self.now();
        if reply_by <= now {
            return Err(ApiError::Invalid("应答时限须在现在之后".into()));
        }
        let (chosen, words) = self.select_workers(selection).await?;
        let names = self.worker_names_of(chosen.iter().map(|(id, _, _)| id.as_str())).await?;
        let mut tx = self.store().begin_write().await?;
        let day = now.with_timezone(&redgrid_core::time::shanghai()).format("%Y%m%d");
        let serial = tx.count_rows("callups").await? + 1;
        let id = format!("CU-{day}-{serial:04}");
        let row = CallupRow {
            id: id.clone(),
            started_at: now,
            started_by_id: actor.id.clone(),
            started_by_name: actor.name.clone(),
            reason: reason.to_string(),
            selection: words.clone(),
            reply_by,
            drill_id: drill_id.map(String::from),
            closed_at: None,
        };
        let people: Vec<CallupPerson> = chosen
            .iter()
            .map(|(worker, village, group)| called(&id, worker, village, group, None, now))
            .collect();
        tx.insert_callup(&row, &people).await?;
        let mut audit = vec![station_audit(
            actor,
            now,
            "callup_start",
            None,
            format!(
                "叫应 {id}：{reason}（{words}，共 {} 人，{} 前应答）",
                people.len(),
                crate::accounts::local_time(reply_by)
            ),
        )];
        for p in &people {
            self.send_call(&mut tx, &row, p, 1, None, now).await?;
            audit.push(call_record(actor, now, &row.id, p, &names, "callup_call", 1));
        }
        tx.append_audit_batch(&audit).await?;
        self.broadcast_callup(&mut tx, &row, &people, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        tracing::info!(callup = %id, called = people.len(), by = %actor.id, "call-up started");
        Ok(CallupStarted {
            callup_id: id,
            called: people.len(),
            workers: people.into_iter().map(|p| p.worker_id).collect(),
            reply_by,
        })
    }

    async fn worker_names_of<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, String>> {
        let wanted: HashSet<&str> = ids.collect();
        Ok(self
            .store()
            .workers(&self.scheme())
            .await?
            .into_iter()
            .filter(|r| wanted.contains(r.worker.id.as_str()))
            .map(|r| (r.worker.id, r.worker.name))
            .collect())
    }

    /// Queues one call to a person's terminal.
    async fn send_call(
        &self,
        tx: &mut WriteTx,
        row: &CallupRow,
        person: &CallupPerson,
        call: u32,
        backup_for: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let message = CallupMessage {
            callup_id: row.id.clone(),
            reason: row.reason.clone(),
            reply_by: Some(row.reply_by),
            call,
            backup_for: backup_for.map(String::from),
            drill: row.drill_id.is_some(),
            at: now,
        };
        let topic = self.topics().terminal(&person.worker_id, TerminalChannel::Callup);
        tx.enqueue(self.station_id(), &topic, &redgrid_bus::payload::encode_callup(&message), false, now)
            .await?;
        Ok(())
    }

    /// `broadcast/callup` for terminals that do not read their own call-up topic.
    async fn broadcast_callup(
        &self,
        tx: &mut WriteTx,
        row: &CallupRow,
        people: &[CallupPerson],
        now: DateTime<Utc>,
    ) -> Result<()> {
        for chunk in people.chunks(BROADCAST_CHUNK) {
            let broadcast = Broadcast::Callup(Callup {
                callup_id: row.id.clone(),
                reason: row.reason.clone(),
                workers: chunk.iter().map(|p| p.worker_id.clone()).collect(),
                reply_by: Some(row.reply_by),
                at: now,
                drill: row.drill_id.is_some(),
            });
            let topic = self.topics().broadcast(broadcast.kind());
            let payload = redgrid_bus::payload::encode_broadcast(&broadcast);
            tx.enqueue(self.station_id(), &topic, &payload, broadcast.kind().retained(), now).await?;
        }
        Ok(())
    }

    /// The officer records a person's answer given by phone, in person or by radio.
    pub async fn answer_callup(
        &self,
        actor: &Actor,
        callup_id: &str,
        worker_id: &str,
        state: CallupState,
        channel: AnswerChannel,
        note: &str,
    ) -> Result<()> {
        allow(actor.role, StationAct::CallUp)?;
        if state == CallupState::Silent {
            return Err(ApiError::Invalid("应答须为“可到岗”或“不能到岗”".into()));
        }
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        self.record_answer(&mut tx, actor, callup_id, worker_id, state, channel, note, None, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A terminal's answer, inside ingest's transaction; audited as the worker's own act over MQTT.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn answer_from_terminal(
        &self,
        tx: &mut WriteTx,
        worker_id: &str,
        callup_id: &str,
        available: bool,
        note: &str,
        position: Option<(f64, f64)>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let name = self.person_name(worker_id).await?;
        let actor =
            Actor { id: worker_id.into(), name, role: Role::GridWorker, station: "mqtt:terminal".into() };
        let state = if available { CallupState::Available } else { CallupState::Unavailable };
        self.record_answer(
            tx,
            &actor,
            callup_id,
            worker_id,
            state,
            AnswerChannel::Terminal,
            note,
            position,
            at,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_answer(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        callup_id: &str,
        worker_id: &str,
        state: CallupState,
        channel: AnswerChannel,
        note: &str,
        position: Option<(f64, f64)>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let Some(row) = tx.callup(callup_id).await? else {
            return Err(ApiError::UnknownCallup(format!("叫应 {callup_id} 不存在")));
        };
        if row.closed_at.is_some() {
            return Err(ApiError::UnknownCallup(format!("叫应 {callup_id} 已结束，不再接收应答")));
        }
        let Some(mut person) = tx.callup_person(callup_id, worker_id).await? else {
            return Err(ApiError::Invalid(format!("网格员 {worker_id} 不在叫应 {callup_id} 的名单中")));
        };
        let note: String = note.trim().chars().take(500).collect();
        person.state = state.key().into();
        person.answered_at = Some(at);
        person.channel = Some(channel.key().into());
        person.note = note.clone();
        if let Some((lat, lon)) = position {
            person.lat = Some(lat);
            person.lon = Some(lon);
        }
        tx.answer_callup(&person).await?;
        let by = if channel == AnswerChannel::Terminal {
            String::new()
        } else {
            format!("，{}代为登记", actor.name)
        };
        let reason = format!(
            "叫应 {callup_id}：{worker_id} {}（{}{by}）{}",
            state.name_zh(),
            channel.name_zh(),
            if note.is_empty() { String::new() } else { format!("：{note}") }
        );
        tx.append_audit(&station_audit(actor, at, "callup_answer", None, reason)).await?;
        Ok(())
    }

    /// The answer board.
    pub async fn callup_status(&self, callup_id: &str) -> Result<CallupStatus> {
        let store = self.store();
        let callup = store
            .callup(callup_id)
            .await?
            .ok_or_else(|| ApiError::UnknownCallup(format!("叫应 {callup_id} 不存在")))?;
        let people = store.callup_people(callup_id).await?;
        let names = self.worker_names_of(people.iter().map(|p| p.worker_id.as_str())).await?;
        let village_names: HashMap<String, String> = {
            let mut codes: Vec<&str> = people.iter().map(|p| p.village_code.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            let names = self.grid_names().names(self, &codes).await?;
            names.into_iter().filter_map(|(code, name)| Some((code, name?))).collect()
        };
        let mut by_village: BTreeMap<String, VillageTally> = BTreeMap::new();
        let mut board = Vec::with_capacity(people.len());
        for p in &people {
            let state = CallupState::parse(&p.state).unwrap_or(CallupState::Silent);
            let tally = by_village.entry(p.village_code.clone()).or_insert_with(|| VillageTally {
                village_code: p.village_code.clone(),
                village_name: village_names.get(&p.village_code).cloned().unwrap_or_default(),
                ..VillageTally::default()
            });
            tally.called += 1;
            match state {
                CallupState::Available => tally.available += 1,
                CallupState::Unavailable => tally.unavailable += 1,
                CallupState::Silent => tally.silent += 1,
            }
            board.push(BoardPerson {
                worker_id: p.worker_id.clone(),
                name: names.get(&p.worker_id).cloned().unwrap_or_default(),
                village_code: p.village_code.clone(),
                group: p.force_group.clone(),
                state,
                answered_at: p.answered_at,
                channel: p.channel.clone(),
                calls: p.calls,
                backup_for: p.backup_for.clone(),
                note: p.note.clone(),
            });
        }
        let count = |s: CallupState| board.iter().filter(|p| p.state == s).count();
        Ok(CallupStatus {
            called: board.len(),
            available: count(CallupState::Available),
            unavailable: count(CallupState::Unavailable),
            silent: count(CallupState::Silent),
            callup,
            by_village: by_village.into_values().collect(),
            people: board,
        })
    }

    /// Ends a call-up: later answers are refused.
    pub async fn close_callup(&self, actor: &Actor, callup_id: &str) -> Result<()> {
        allow(actor.role, StationAct::CallUp)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let row = tx
            .callup(callup_id)
            .await?
            .ok_or_else(|| ApiError::UnknownCallup(format!("叫应 {callup_id} 不存在")))?;
        if row.closed_at.is_some() {
            return Err(ApiError::UnknownCallup(format!("叫应 {callup_id} 已结束")));
        }
        tx.close_callup(callup_id, now).await?;
        tx.append_audit(&station_audit(actor, now, "callup_close", None, format!("结束叫应 {callup_id}")))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The watchdog's round: silent people called again, and silent people's backups called. Returns
    /// `(recalled, backups called)`.
    pub async fn check_callups(&self) -> Result<(usize, usize)> {
        let now = self.now();
        let timing = self.callup_timing().await?;
        let store = self.store();
        let recalls = store.callup_recalls_due(now - Duration::seconds(timing.recall_after_s)).await?;
        let backups_due = store.callup_backups_due(now - Duration::seconds(timing.backup_after_s)).await?;
        if recalls.is_empty() && backups_due.is_empty() {
            return Ok((0, 0));
        }
        let backups: HashMap<String, String> = store.worker_backups().await?.into_iter().collect();
        let station = Actor {
            id: "station".into(),
            name: "指挥台".into(),
            role: Role::System,
            station: self.station_id().into(),
        };
        let ids = recalls
            .iter()
            .chain(&backups_due)
            .map(|p| p.worker_id.as_str())
            .chain(backups.values().map(String::as_str));
        let names = self.worker_names_of(ids).await?;
        let scheme = self.scheme();
        let village_len = scheme.level(scheme.village_depth()).map_or(12, |l| l.code_len);
        let mut tx = store.begin_write().await?;
        let mut audit: Vec<AuditEntry> = Vec::new();
        let mut calls: HashMap<String, CallupRow> = HashMap::new();
        let mut recalled = 0;
        for p in &recalls {
            let row = match calls.get(&p.callup_id) {
                Some(row) => row.clone(),
                None => match tx.callup(&p.callup_id).await? {
                    Some(row) => calls.entry(p.callup_id.clone()).or_insert(row).clone(),
                    None => continue,
                },
            };
            tx.recall(&p.callup_id, &p.worker_id, now).await?;
            let call = (p.calls + 1) as u32;
            self.send_call(&mut tx, &row, p, call, p.backup_for.as_deref(), now).await?;
            audit.push(call_record(&station, now, &row.id, p, &names, "callup_recall", call));
            recalled += 1;
        }
        let mut backed = 0;
        for p in &backups_due {
            tx.mark_backup_called(&p.callup_id, &p.worker_id).await?;
            let Some(backup) = backups.get(&p.worker_id) else { continue };
            if tx.callup_person(&p.callup_id, backup).await?.is_some() {
                continue;
            }
            let Some(record) = store.worker(backup, &scheme).await? else { continue };
            let row = match tx.callup(&p.callup_id).await? {
                Some(row) => row,
                None => continue,
            };
            let village = record
                .worker
                .grids
                .first()
                .map(|g| g.as_str()[..village_len.min(g.as_str().len())].to_string())
                .unwrap_or_default();
            let group = record.worker.group.key();
            let person = called(&p.callup_id, backup, &village, group, Some(&p.worker_id), now);
            tx.add_callup_people(std::slice::from_ref(&person)).await?;
            self.send_call(&mut tx, &row, &person, 1, Some(&p.worker_id), now).await?;
            audit.push(call_record(&station, now, &row.id, &person, &names, "callup_backup", 1));
            backed += 1;
        }
        if !audit.is_empty() {
            tx.append_audit_batch(&audit).await?;
            for id in calls.keys() {
                tx.append_feed(now, redgrid_store::FeedEntity::Callup, id, "recalled", 0).await?;
            }
        }
        tx.commit().await?;
        self.wake_outbox();
        if recalled + backed > 0 {
            tracing::info!(recalled, backups = backed, "call-up: silent people called again");
        }
        Ok((recalled, backed))
    }
}

/// A person just called, silent until they answer.
fn called(
    callup_id: &str,
    worker: &str,
    village: &str,
    group: &str,
    backup_for: Option<&str>,
    now: DateTime<Utc>,
) -> CallupPerson {
    CallupPerson {
        callup_id: callup_id.into(),
        worker_id: worker.into(),
        village_code: village.into(),
        force_group: group.into(),
        backup_for: backup_for.map(String::from),
        calls: 1,
        first_called_at: now,
        last_called_at: now,
        backup_called: false,
        state: CallupState::Silent.key().into(),
        answered_at: None,
        channel: None,
        note: String::new(),
        lat: None,
        lon: None,
    }
}

/// The audit record of one call to one person.
fn call_record(
    actor: &Actor,
    at: DateTime<Utc>,
    callup_id: &str,
    person: &CallupPerson,
    names: &HashMap<String, String>,
    command: &str,
    call: u32,
) -> AuditEntry {
    let name = names.get(&person.worker_id).map_or("", String::as_str);
    let what = match (&person.backup_for, call) {
        (Some(silent), _) if command == "callup_backup" => format!("{silent} 未应答，叫应其备岗人员"),
        (_, 1) => "叫应".to_string(),
        (_, n) => format!("第 {n} 次叫应"),
    };
    station_audit(
        actor,
        at,
        command,
        None,
        format!("叫应 {callup_id}：{what} {name}（{}）", person.worker_id),
    )
}
