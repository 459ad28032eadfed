//! The single-station default, end to end: `serve` starts the station's own Mosquitto from the stored
//! logins; a terminal with an issued login is heard on its own topics only; anonymous senders are refused;
//! a revoke (by this process or another on the same database) takes effect on the running broker.

use std::time::Duration;

use redgrid_api::serve::{start, BrokerChoice, ServeOptions};
use redgrid_api::store::broker_logins::LoginKind;
use redgrid_core::closed_loop::{Actor, Role};
use rumqttc::{AsyncClient, ConnectReturnCode, Event, MqttOptions, Packet, QoS};
use serde_json::json;

use crate::station::demo_station;

fn administrator() -> Actor {
    Actor { id: "admin".into(), name: "管理员".into(), role: Role::Administrator, station: "test".into() }
}

/// Connects with `credentials` and returns the client once the broker has accepted it, or the refusal.
async fn sender(port: u16, id: &str, credentials: Option<(&str, &str)>) -> Result<AsyncClient, String> {
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some((user, password)) = credentials {
        options.set_credentials(user, password);
    }
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    match tokio::time::timeout(Duration::from_secs(10), eventloop.poll()).await.expect("the broker answers") {
        Ok(Event::Incoming(Packet::ConnAck(ack))) if ack.code == ConnectReturnCode::Success => {}
        other => return Err(format!("{other:?}")),
    }
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    Ok(client)
}

fn location(lat: f64, at: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    serde_json::to_vec(&json!({"v": 1, "lat": lat, "lon": 109.6, "at": at.to_rfc3339()})).unwrap()
}

async fn position(s: &redgrid_api::Station, worker: &str) -> Option<f64> {
    s.store().worker(worker, &s.scheme()).await.unwrap().unwrap().lat
}

async fn wait_for_position(s: &redgrid_api::Station, worker: &str, lat: f64) -> bool {
    for _ in 0..100 {
        if position(s, worker).await == Some(lat) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_station_broker_hears_issued_terminals_on_their_own_topics_only() {
    let t = demo_station(1).await;
    let s = t.station.clone();
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let (a, b) = (workers[0].worker.id.clone(), workers[1].worker.id.clone());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut options = ServeOptions::new(BrokerChoice::Embedded(format!("127.0.0.1:{port}").parse().unwrap()));
    let dir = std::env::temp_dir().join(format!("redgrid-api-broker-{}-{port}", std::process::id()));
    options.broker_dir = Some(dir.clone());
    let running = start(s.clone(), options).await.expect("the station starts its broker");
    assert!(running.sim_login.is_some(), "the simulator gets the managed broker's privileged login");
    assert!(!running.broker_url.contains(&s.managed_broker().unwrap().station_password));

    let admin = administrator();
    let issued = s.issue_broker_login(&admin, LoginKind::Worker, &a).await.unwrap();
    assert_eq!(issued.username, a);
    assert!(issued.password.len() >= 20);
    let stored = s.store().broker_logins().await.unwrap();
    assert!(stored.iter().all(|r| !r.password_hash.contains(&issued.password)), "only a hash is stored");
    let audit = s.store().recent_audit(5).await.unwrap();
    assert!(audit.iter().any(|r| r.entry.command == "broker_login_issued" && r.entry.actor_id == "admin"));
    let duty = Actor { role: Role::DutyOfficer, ..administrator() };
    let refused = s.issue_broker_login(&duty, LoginKind::Worker, &b).await.expect_err("an officer may not");
    assert_eq!(refused.code(), "forbidden");

    let anonymous = sender(port, "anon", None).await;
    assert!(anonymous.is_err(), "the station's broker refuses anonymous senders");
    // The broker takes the new login when the station's feed follower reloads it (a poll of 200 ms).
    let mut phone = Err(String::new());
    for _ in 0..25 {
        phone = sender(port, "phone-a", Some((&a, &issued.password))).await;
        if phone.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let phone = phone.expect("the issued login connects");

    let now = s.now();
    phone
        .publish(
            s.topics().terminal(&a, redgrid_bus::topics::TerminalChannel::Location),
            QoS::AtLeastOnce,
            false,
            location(23.25, now),
        )
        .await
        .unwrap();
    assert!(wait_for_position(&s, &a, 23.25).await, "the terminal's own fix reaches the station");
    let b_before = position(&s, &b).await;
    phone
        .publish(
            s.topics().terminal(&b, redgrid_bus::topics::TerminalChannel::Location),
            QoS::AtLeastOnce,
            false,
            location(23.75, now),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(position(&s, &b).await, b_before, "a fix sent as another worker never reaches the station");
    assert!(s.store().quarantine_list(10).await.unwrap().is_empty(), "it was the broker that dropped it");

    // Revoked in another process on the same database: the station's follower reloads its broker.
    let other = redgrid_api::Station::open(
        s.store().url(),
        Default::default(),
        std::sync::Arc::new(redgrid_api::SystemClock),
    )
    .await
    .unwrap();
    other.revoke_broker_login(&admin, &a).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The broker has dropped the revoked terminal's connection, so this is queued in vain or refused.
    let _ = phone
        .publish(
            s.topics().terminal(&a, redgrid_bus::topics::TerminalChannel::Location),
            QoS::AtLeastOnce,
            false,
            location(23.5, now),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(position(&s, &a).await, Some(23.25), "the revoked terminal is no longer heard");
    assert!(sender(port, "phone-a-again", Some((&a, &issued.password))).await.is_err());
    let again = s.revoke_broker_login(&admin, &a).await.expect_err("revoked twice");
    assert_eq!(again.code(), "conflict");

    running.stop().await;
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the broker stops with the station");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_login_name_that_would_break_the_broker_files_is_refused() {
    let t = demo_station(1).await;
    let s = &t.station;
    let admin = administrator();
    for bad in ["", "nvr 1", "a\nuser redgrid-station", "x#", "redgrid-station", &"n".repeat(65)] {
        let error = s.issue_broker_login(&admin, LoginKind::Nvr, bad).await.err();
        assert!(error.is_some(), "{bad:?} refused");
    }
    let unknown = s.issue_broker_login(&admin, LoginKind::Worker, "W-nobody").await.err().unwrap();
    assert_eq!(unknown.code(), "not_found");
    assert!(s.store().broker_logins().await.unwrap().is_empty(), "nothing was stored");
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made with openssl: (ca.crt, server.crt,
/// server.key) as PEM text.
fn test_certificates(dir: &std::path::Path) -> (String, String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out =
            std::process::Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=RedGrid Test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    (read("ca.crt"), read("server.crt"), read("server.key"))
}

async fn health_after(running: &redgrid_api::serve::Running, wait: Duration) -> redgrid_bus::client::Health {
    let mut health = running.health.clone();
    let _ =
        tokio::time::timeout(wait, health.wait_for(|h| *h == redgrid_bus::client::Health::Connected)).await;
    let shown = health.borrow().clone();
    shown
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_reaches_an_external_broker_over_tls_with_its_login_and_says_why_when_it_cannot() {
    use redgrid_bus::managed::{hash_password, station_acl};
    use redgrid_bus::mosquitto::{Mosquitto, MosquittoConfig};
    let dir = std::env::temp_dir().join(format!(
        "redgrid-tls-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    let (ca, cert, key) = test_certificates(&dir);
    let topics = redgrid_bus::topics::Topics::default();
    let logins = [redgrid_bus::managed::Login {
        username: "centre-station".into(),
        password_hash: hash_password("centre-pass-2026"),
        acl: station_acl(&topics),
    }];
    let (passwd, acl) = (redgrid_bus::managed::passwd_text(&logins), redgrid_bus::managed::acl_text(&logins));
    let broker = Mosquitto::start(&MosquittoConfig {
        logins: Some((passwd, acl)),
        tls: Some((cert, key)),
        ..MosquittoConfig::default()
    })
    .expect("a TLS Mosquitto starts");
    let url = format!("mqtts://centre-station@127.0.0.1:{}", broker.port);

    let t = demo_station(1).await;
    let mut options = ServeOptions::new(BrokerChoice::External(url.clone()));
    options.broker_password = Some("centre-pass-2026".into());
    options.broker_ca = Some(ca.clone().into_bytes());
    let running = start(t.station.clone(), options.clone()).await.unwrap();
    assert_eq!(health_after(&running, Duration::from_secs(15)).await, redgrid_bus::client::Health::Connected);
    assert_eq!(running.broker_url, url, "shown with its user, never its password");
    running.stop().await;

    // The wrong password: the status bar says the login was refused.
    let t = demo_station(1).await;
    let wrong = ServeOptions { broker_password: Some("not-the-password".into()), ..options.clone() };
    let running = start(t.station.clone(), wrong).await.unwrap();
    let shown = health_after(&running, Duration::from_secs(4)).await;
    assert!(shown.detail_zh().contains("用户名或密码错误"), "{}", shown.detail_zh());
    running.stop().await;

    // Without the centre's CA the certificate is not trusted, and it says so.
    let t = demo_station(1).await;
    let untrusted = ServeOptions { broker_ca: None, ..options.clone() };
    let running = start(t.station.clone(), untrusted).await.unwrap();
    let shown = health_after(&running, Duration::from_secs(4)).await;
    assert!(shown.detail_zh().contains("TLS"), "{}", shown.detail_zh());
    running.stop().await;

    // A CA for a plain mqtt:// URL is a mistake, refused before anything connects.
    let t = demo_station(1).await;
    let plain = ServeOptions {
        broker: BrokerChoice::External(format!("mqtt://centre-station@127.0.0.1:{}", broker.port)),
        ..options
    };
    let error = start(t.station.clone(), plain).await.err().expect("refused");
    assert!(error.to_string().contains("mqtts"), "{error}");
    std::fs::remove_dir_all(&dir).ok();
}
