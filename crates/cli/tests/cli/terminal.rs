//! `redgrid terminal issue|revoke|list`: broker logins from the command line, the password shown once or
//! written only into a private OwnTracks file, and `serve` refusing a password in the broker URL.

use std::os::unix::fs::PermissionsExt;

use crate::{redgrid, temp_dir, text};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

#[test]
fn logins_are_issued_listed_and_revoked_and_the_password_is_never_listed() {
    let dir = temp_dir("terminal");
    let db = format!("sqlite://{}", dir.join("t.db").display());
    assert!(redgrid(&["demo", "seed", "--db", &db, "--days", "1"]).status.success());
    let board = json(&redgrid(&["board", "--db", &db, "--json"]));
    let worker = board["workers"][0]["id"].as_str().unwrap().to_string();

    let issued = redgrid(&["terminal", "issue", &worker, "--db", &db, "--json"]);
    assert!(issued.status.success(), "{}", text(&issued));
    let issued = json(&issued);
    assert_eq!(issued["username"], worker.as_str());
    assert_eq!(issued["kind"], "worker");
    let password = issued["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 20);

    let nvr = redgrid(&["terminal", "issue", "east", "--nvr", "--db", &db, "--json"]);
    assert_eq!(json(&nvr)["username"], "nvr-east", "{}", text(&nvr));
    let bad = redgrid(&["terminal", "issue", "east;rm", "--source", "--db", &db]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let unknown = redgrid(&["terminal", "issue", "W-nobody", "--db", &db]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown).contains("not_found"), "{}", text(&unknown));

    let list = redgrid(&["terminal", "list", "--db", &db, "--json"]);
    let listed = text(&list);
    assert!(!listed.contains(&password), "the list never shows a password");
    assert!(!listed.contains("$7$"), "nor a hash");
    let names: Vec<String> =
        json(&list).as_array().unwrap().iter().map(|l| l["username"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, vec![worker.clone(), "nvr-east".to_string()]);

    let otrc = dir.join("phone.otrc");
    let written = redgrid(&[
        "terminal",
        "issue",
        &worker,
        "--otrc",
        otrc.to_str().unwrap(),
        "--host",
        "10.0.0.5",
        "--port",
        "8883",
        "--tls",
        "--db",
        &db,
        "--json",
    ]);
    assert!(written.status.success(), "{}", text(&written));
    assert!(json(&written).get("password").is_none(), "with --otrc the password goes only into the file");
    let config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&otrc).unwrap()).unwrap();
    assert_eq!(
        (config["host"].as_str(), config["port"].as_i64(), config["tls"].as_bool()),
        (Some("10.0.0.5"), Some(8883), Some(true))
    );
    assert_eq!(config["username"], worker.as_str());
    let new_password = config["password"].as_str().unwrap();
    assert!(new_password.len() >= 20 && new_password != password, "a reissue makes a new password");
    assert_eq!(std::fs::metadata(&otrc).unwrap().permissions().mode() & 0o777, 0o600);
    let again = redgrid(&["terminal", "issue", &worker, "--otrc", otrc.to_str().unwrap(), "--db", &db]);
    assert!(!again.status.success(), "an existing phone file is not overwritten");
    assert_eq!(std::fs::read_to_string(&otrc).unwrap(), serde_json::to_string_pretty(&config).unwrap());

    let revoked = redgrid(&["terminal", "revoke", &worker, "--db", &db, "--json"]);
    assert!(revoked.status.success(), "{}", text(&revoked));
    assert!(json(&revoked)["revoked_at"].is_string());
    let twice = redgrid(&["terminal", "revoke", &worker, "--db", &db]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice).contains("conflict"), "{}", text(&twice));

    let audit = redgrid(&["audit", "search", "--db", &db, "--limit", "10", "--json"]);
    let audit = text(&audit);
    assert!(audit.contains("broker_login_issued") && audit.contains("broker_login_revoked"), "{audit}");
    assert!(!audit.contains(&password) && !audit.contains(new_password), "no password in the audit");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn serve_refuses_a_password_in_the_broker_url() {
    let dir = temp_dir("serve-url");
    let db = format!("sqlite://{}", dir.join("t.db").display());
    let serve = redgrid(&["serve", "--db", &db, "--broker", "mqtt://station:hunter2@127.0.0.1:1883"]);
    assert_eq!(serve.status.code(), Some(2), "{}", text(&serve));
    assert!(text(&serve).contains("不能包含密码"), "{}", text(&serve));
    std::fs::remove_dir_all(&dir).ok();
}
