//! `redgrid bench ingest`: alerts through a real broker into a station, measured.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use redgrid_api::{Station, StationConfig, SystemClock};
use redgrid_bus::client::{connect, Health, MqttConfig};
use redgrid_bus::mosquitto::{Mosquitto, MosquittoConfig};
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_store::{Store, StoreConfig, Synchronous};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;

/// A Frigate `new` event of about 400 bytes whose start time is when it was sent.
fn frigate_alert(id: &str, camera: &str, sent: f64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "new",
        "after": {
            "id": id, "camera": camera, "frame_time": sent, "label": "person", "sub_label": null,
            "top_score": 0.87, "score": 0.84, "false_positive": false, "start_time": sent, "end_time": null,
            "current_zones": ["market_gate"], "entered_zones": ["market_gate"], "has_snapshot": true,
            "has_clip": true, "stationary": false, "box": [424, 500, 536, 712], "area": 23744, "ratio": 2.11,
            "region": [264, 450, 667, 853], "motionless_count": 0, "position_changes": 2
        }
    }))
    .expect("JSON values serialise")
}

fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

fn publisher(host: &str, port: u16, id: &str) -> (AsyncClient, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let mut options = MqttOptions::new(id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_inflight(200);
    let (client, mut eventloop) = AsyncClient::new(options, 1000);
    let (acks, ack_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    if acks.send(()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(%error, "benchmark publisher lost its connection");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    });
    (client, ack_rx)
}

/// Publishes `n` alerts on `topic`, waiting for every PUBACK; returns when all are acknowledged.
async fn publish_all(
    client: &AsyncClient,
    acks: &mut tokio::sync::mpsc::UnboundedReceiver<()>,
    topic: &str,
    prefix: &str,
    camera: &str,
    n: usize,
) -> anyhow::Result<()> {
    let sender = {
        let client = client.clone();
        let (topic, prefix, camera) = (topic.to_string(), prefix.to_string(), camera.to_string());
        tokio::spawn(async move {
            for i in 0..n {
                client
                    .publish(
                        &topic,
                        QoS::AtLeastOnce,
                        false,
                        frigate_alert(&format!("{prefix}-{i}"), &camera, epoch_seconds()),
                    )
                    .await?;
            }
            anyhow::Ok(())
        })
    };
    for _ in 0..n {
        acks.recv().await.context("发布端断开")?;
    }
    sender.await??;
    Ok(())
}

async fn raw_subscriber_rate(host: &str, port: u16, n: usize, camera: &str) -> anyhow::Result<f64> {
    let topic = format!("bench/raw/{}", std::process::id());
    let mut options = MqttOptions::new(format!("bench-raw-sub-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    client.subscribe(&topic, QoS::AtLeastOnce).await?;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut count = 0usize;
        let mut started = None;
        let mut done_tx = Some(done_tx);
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::Publish(_)) = event {
                started.get_or_insert_with(Instant::now);
                count += 1;
                if count == n {
                    if let (Some(tx), Some(started)) = (done_tx.take(), started) {
                        tx.send(started.elapsed()).ok();
                    }
                }
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (publisher, mut acks) = publisher(host, port, &format!("bench-raw-pub-{}", std::process::id()));
    publish_all(&publisher, &mut acks, &topic, "raw", camera, n).await?;
    let elapsed =
        tokio::time::timeout(Duration::from_secs(120), done_rx).await.context("裸订阅端未收齐")??;
    Ok(n as f64 / elapsed.as_secs_f64())
}

pub async fn run(broker: &str, db: Option<String>, alerts: usize, out: &Path) -> anyhow::Result<()> {
    let own = if broker == "mosquitto" { Some(Mosquitto::start(&MosquittoConfig::default())?) } else { None };
    let broker_url = match &own {
        Some(own) => format!("mqtt://127.0.0.1:{}", own.port),
        None => broker.to_string(),
    };
    let temp = std::env::temp_dir().join(format!("redgrid-bench-ingest-{}", std::process::id()));
    let db = db.unwrap_or_else(|| format!("sqlite://{}", temp.join("station.db").display()));
    let store =
        Store::open_with(&db, StoreConfig { synchronous: Synchronous::Normal, max_read_connections: 4 })
            .await?;
    let station = Station::with_store(store.clone(), StationConfig::default(), Arc::new(SystemClock)).await?;
    demo::seed(&station, &DemoConfig { history_days: 1, ..DemoConfig::default() }).await?;
    let camera =
        store.cameras(&station.scheme()).await?.into_iter().next().context("演示数据中没有摄像头")?;
    let config = MqttConfig::from_url(&broker_url, "redgrid-bench-station")?;
    let (host, port) = (config.host.clone(), config.port);

    let raw_per_s = raw_subscriber_rate(&host, port, alerts, &camera.nvr_name).await?;
    eprintln!("裸订阅端：{raw_per_s:.0} 条/秒");

    let mut config = config;
    config.subscriptions = station.topics().subscriptions();
    let link = connect(config);
    let mut health = link.health.clone();
    tokio::time::timeout(Duration::from_secs(10), health.wait_for(|h| *h == Health::Connected)).await??;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let ingest = tokio::spawn(redgrid_api::serve::run_ingest(station.clone(), link, shutdown));
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Sustained: publish everything as fast as acknowledgements allow; time until the last is stored.
    let before = store.alert_count().await?;
    let (publisher, mut acks) = publisher(&host, port, "redgrid-bench-publisher");
    let started = Instant::now();
    publish_all(&publisher, &mut acks, "frigate/events", "bench", &camera.nvr_name, alerts).await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while store.alert_count().await? - before < alerts as i64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sustained_s = started.elapsed().as_secs_f64();
    let stored = store.alert_count().await? - before;
    let alerts_per_s = stored as f64 / sustained_s;
    eprintln!("站点入库：{alerts_per_s:.0} 条/秒（{stored}/{alerts}）");

    // Latency at 1,000 alerts/s: the change feed is watched; each alert's start time is when it was sent.
    let rate_n = 5_000usize;
    let feed_from = store.feed_head().await?;
    let paced = {
        let publisher = publisher.clone();
        let camera = camera.nvr_name.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(1));
            for i in 0..rate_n {
                tick.tick().await;
                let payload = frigate_alert(&format!("paced-{i}"), &camera, epoch_seconds());
                publisher.publish("frigate/events", QoS::AtLeastOnce, false, payload).await?;
            }
            anyhow::Ok(())
        })
    };
    let mut latencies = Vec::with_capacity(rate_n);
    let mut cursor = feed_from;
    let deadline = Instant::now() + Duration::from_secs(120);
    while latencies.len() < rate_n && Instant::now() < deadline {
        let entries = store.feed_since(cursor, 5_000).await?;
        let seen = epoch_seconds();
        for entry in &entries {
            cursor = entry.seq;
            if entry.entity == "alert" && entry.change == "new" {
                let id: i64 = entry.entity_id.parse().unwrap_or_default();
                if let Some(alert) = store.alerts_by_ids(&[id]).await?.first() {
                    if alert.alert_key.starts_with("frigate:paced-") {
                        latencies.push((seen - alert.first_at.timestamp_micros() as f64 / 1e6) * 1000.0);
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    paced.await??;
    while acks.try_recv().is_ok() {}
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pick = |p: f64| {
        latencies.get(((latencies.len().saturating_sub(1)) as f64 * p) as usize).copied().unwrap_or(f64::NAN)
    };

    let duplicated: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(updates - 1), 0) AS BIGINT) FROM camera_alerts")
            .fetch_one(store.read_pool())
            .await?;
    let total_expected = (alerts + rate_n) as i64;
    let total_stored = store.alert_count().await? - before;
    stop.send_replace(true);
    ingest.abort();
    let result = json!({
        "broker": broker_url,
        "broker_config": own.as_ref().map(|o| o.config_text.clone()),
        "store": store.backend().name(),
        "synchronous": Synchronous::Normal.pragma(),
        "alerts": alerts,
        "alerts_per_s": alerts_per_s,
        "raw_subscriber_per_s": raw_per_s,
        "ratio_to_raw": alerts_per_s / raw_per_s,
        "latency_rate_per_s": 1000,
        "latency_samples": latencies.len(),
        "latency_p50_ms": pick(0.5),
        "latency_p99_ms": pick(0.99),
        "lost": total_expected - total_stored,
        "duplicated": duplicated,
    });
    say!("{}", serde_json::to_string_pretty(&result)?);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&result)?)?;
    std::fs::remove_dir_all(&temp).ok();
    Ok(())
}
