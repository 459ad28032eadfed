//! `redgrid init`, `redgrid account …` and `--as`: a township's own station from the command line, with
//! passwords from the environment or standard input, never argv.

use crate::{redgrid, redgrid_with_password, redgrid_with_stdin, temp_dir, text};

const ADMIN_PASSWORD: &str = "大圩镇综治-管理2026";

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

#[test]
fn init_then_accounts_then_acting_as_an_account() {
    let dir = temp_dir("init");
    let db = format!("sqlite://{}", dir.join("station.db").display());

    let weak = redgrid_with_password(
        "1234567890",
        &["init", "--db", &db, "--centre", "大圩镇综治中心", "--township", "450802101", "--admin", "zhang"],
    );
    assert_eq!(weak.status.code(), Some(2), "a weak password is refused: {}", text(&weak));
    assert!(text(&weak).contains("weak_password"), "{}", text(&weak));

    let init = redgrid_with_stdin(
        &format!("{ADMIN_PASSWORD}\n"),
        &[
            "init",
            "--db",
            &db,
            "--centre",
            "大圩镇综治中心",
            "--township",
            "450802101",
            "--admin",
            "zhang",
            "--json",
        ],
    );
    assert!(init.status.success(), "init: {}", text(&init));
    let summary = json(&init);
    assert_eq!(summary["township_name"], "大圩镇");
    assert!(summary["villages"].as_i64().unwrap() > 5);
    let again = redgrid_with_password(
        ADMIN_PASSWORD,
        &["init", "--db", &db, "--centre", "x", "--township", "450802101", "--admin", "li"],
    );
    assert_eq!(again.status.code(), Some(2), "a second init is refused: {}", text(&again));

    // Without --as the CLI is the administrator (the OS user) for accounts.
    let add = redgrid_with_password(
        "值班-黄志明-2026",
        &["account", "add", "duty1", "--role", "duty_officer", "--name", "黄志明", "--db", &db, "--json"],
    );
    assert!(add.status.success(), "account add: {}", text(&add));
    assert_eq!(json(&add)["role"], "duty_officer");
    let list = redgrid(&["account", "list", "--db", &db, "--json"]);
    let accounts = json(&list);
    let ids: Vec<&str> =
        accounts.as_array().unwrap().iter().map(|a| a["account"].as_str().unwrap()).collect();
    assert_eq!(ids, ["duty1", "zhang"]);
    assert_eq!(accounts[0]["must_change_password"], false);
    assert!(accounts[0]["locked_until"].is_null());
    let search = redgrid(&["audit", "search", "--db", &db, "--json"]);
    assert!(text(&search).contains("os:"), "the CLI's acts are audited as the OS user: {}", text(&search));

    // An act for a person needs --as and that person's password; a wrong one is refused and audited.
    let anonymous = redgrid(&["camera", "muted", "--db", &db]);
    assert!(anonymous.status.success(), "reading needs no account: {}", text(&anonymous));
    let mute = ["camera", "mute", "C1", "--minutes", "30", "--reason", "误报较多", "--db", &db];
    let no_as = redgrid(&mute);
    assert!(!no_as.status.success() && text(&no_as).contains("--as"), "{}", text(&no_as));
    let mut as_duty1 = vec!["--as", "duty1"];
    as_duty1.extend(mute);
    let wrong = redgrid_with_password("不是这个密码-2026", &as_duty1);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong).contains("bad_credentials"), "{}", text(&wrong));
    let right = redgrid_with_password("值班-黄志明-2026", &as_duty1);
    // The camera does not exist in a fresh station: the refusal is the camera's, past the sign-in.
    assert!(!text(&right).contains("bad_credentials"), "the password was accepted: {}", text(&right));
    let failures = redgrid(&["audit", "search", "--actor", "duty1", "--db", &db, "--json"]);
    assert!(text(&failures).contains("sign_in_failed"), "{}", text(&failures));

    // Reset forces a change; `account passwd` takes the current and the new password on two lines.
    let reset = redgrid_with_password("临时密码-请尽快修改", &["account", "reset", "duty1", "--db", &db]);
    assert!(reset.status.success(), "{}", text(&reset));
    let must = redgrid_with_password("临时密码-请尽快修改", &as_duty1);
    assert!(text(&must).contains("must_change_password"), "{}", text(&must));
    let passwd = redgrid_with_stdin(
        "临时密码-请尽快修改\n黄志明的-新密码-2026\n",
        &["--as", "duty1", "account", "passwd", "--db", &db],
    );
    assert!(passwd.status.success(), "passwd: {}", text(&passwd));
    let after = redgrid(&["account", "list", "--db", &db, "--json"]);
    assert_eq!(json(&after)[0]["must_change_password"], false);

    // Role and scope; the last administrator stays.
    let role = redgrid(&["account", "role", "duty1", "leader", "--db", &db, "--json"]);
    assert_eq!(json(&role)["role"], "leader");
    let scope = redgrid(&["account", "scope", "duty1", "--villages", "450802101201", "--db", &db, "--json"]);
    assert_eq!(json(&scope)["scope"], "villages:450802101201");
    let last = redgrid(&["account", "disable", "zhang", "--db", &db]);
    assert_eq!(last.status.code(), Some(2));
    assert!(text(&last).contains("last_administrator"), "{}", text(&last));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn init_refuses_a_demo_database_and_the_demo_cannot_be_simulated_on_a_real_one() {
    let dir = temp_dir("init_demo");
    let demo = format!("sqlite://{}", dir.join("demo.db").display());
    let seeded = redgrid(&["demo", "seed", "--db", &demo, "--days", "1"]);
    assert!(seeded.status.success(), "{}", text(&seeded));
    let init = redgrid_with_password(
        ADMIN_PASSWORD,
        &["init", "--db", &demo, "--centre", "x", "--township", "450802101", "--admin", "zhang"],
    );
    assert_eq!(init.status.code(), Some(2), "{}", text(&init));

    let real = format!("sqlite://{}", dir.join("real.db").display());
    let init = redgrid_with_password(
        ADMIN_PASSWORD,
        &["init", "--db", &real, "--centre", "大圩镇综治中心", "--township", "450802101", "--admin", "zhang"],
    );
    assert!(init.status.success(), "{}", text(&init));
    let sim = redgrid(&["sim", "--db", &real, "--broker", "mqtt://127.0.0.1:1"]);
    assert!(!sim.status.success(), "the simulator refuses a real database: {}", text(&sim));
    assert!(text(&sim).contains("不是演示数据库"), "{}", text(&sim));
    std::fs::remove_dir_all(dir).ok();
}
