//! `redgrid drill validate`: a scenario file checked against a station's township, with the answer for
//! people and for scripts, and exit 2 for a file that cannot be run.

use crate::{redgrid, temp_dir, text};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

fn shipped(name: &str) -> String {
    format!("{}/../../assets/drills/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_shipped_scenario_is_valid_and_a_bad_one_names_its_cells() {
    let dir = temp_dir("drill");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let seeded = redgrid(&["demo", "seed", "--db", &db, "--days", "1"]);
    assert!(seeded.status.success(), "demo seed: {}", text(&seeded));

    let flood = shipped("flood-evacuation-three-villages.csv");
    let valid = redgrid(&["drill", "validate", &flood, "--db", &db, "--json"]);
    assert_eq!(
        valid.status.code(),
        Some(0),
        "a scenario written for the demo township runs: {}",
        text(&valid)
    );
    let answer = json(&valid);
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["title"], "洪水转移演练（三村）", "the title from the file's # lines");
    assert_eq!(answer["injects"], 13, "the flood drill has thirteen rows");
    assert_eq!(answer["errors"], serde_json::json!([]), "and nothing to fix");
    let mut keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["errors", "injects", "ok", "title"], "exactly the four fields scripts read");
    let human = redgrid(&["drill", "validate", &flood, "--db", &db]);
    assert_eq!(human.status.code(), Some(0));
    assert!(
        text(&human).contains("演练脚本有效：《洪水转移演练（三村）》，共 13 条"),
        "one line for people: {}",
        text(&human)
    );

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "序号,时间,类型,村社区,内容\n1,7分,群众上报,不存在村,群众反映路灯不亮\n").unwrap();
    let bad = bad.display().to_string();
    let invalid = redgrid(&["drill", "validate", &bad, "--db", &db, "--json"]);
    assert_eq!(invalid.status.code(), Some(2), "a file that cannot be run exits 2: {}", text(&invalid));
    let answer = json(&invalid);
    assert_eq!(answer["ok"], false, "{answer}");
    let errors = answer["errors"].as_array().expect("errors is a list");
    let time = errors
        .iter()
        .find(|e| e["column"] == "时间")
        .unwrap_or_else(|| panic!("“7分” is not a time the format knows: {answer}"));
    assert_eq!(time["row"], 2, "the first row under the header is row 2, as Excel shows it");
    let message = time["message"].as_str().unwrap();
    assert!(message.contains("第 2 行"), "the message places itself for people: {message}");
    assert!(message.contains("7分"), "and quotes what was written: {message}");
    assert!(
        errors.iter().all(|e| e["column"] != "村社区"),
        "the unknown village waits: the township is looked at only once the file itself reads: {answer}"
    );
    let human = redgrid(&["drill", "validate", &bad, "--db", &db]);
    assert_eq!(human.status.code(), Some(2));
    assert!(text(&human).contains(message), "the same sentence, one line per error: {}", text(&human));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_file_that_is_not_a_scenario_is_refused_with_a_reason() {
    // The file is refused before the township is looked at, so an empty station is enough.
    let dir = temp_dir("drill_not_a_sheet");
    let db = format!("sqlite://{}", dir.join("empty.db").display());

    let notes = dir.join("会议纪要.xlsx");
    std::fs::write(&notes, "这是一份会议纪要，不是演练脚本。\n").unwrap();
    let refused = redgrid(&["drill", "validate", &notes.display().to_string(), "--db", &db]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("不是有效的 .xlsx 工作簿"),
        "a text file named .xlsx is told so, not reported as a broken zip: {}",
        text(&refused)
    );

    let video = dir.join("huge.csv");
    std::fs::File::create(&video).unwrap().set_len(6 * 1024 * 1024).unwrap();
    let refused = redgrid(&["drill", "validate", &video.display().to_string(), "--db", &db, "--json"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let answer = json(&refused);
    assert_eq!(answer["ok"], false);
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("超过演练脚本的上限 5 MiB"),
        "a file past the limit is refused by its size: {answer}"
    );
    assert_eq!(answer["errors"][0]["row"], 0, "row 0: the file as a whole");
    std::fs::remove_dir_all(dir).ok();
}

/// A short scenario for the demo township: a worker's report, a resident's, a hotline call, a call-up.
const SHORT: &str = "# 标题：短演练\n序号,时间,类型,村社区,人员,类别,内容,预期处置\n\
1,00:00,网格员上报,大圩社区,W1010003,气象灾害,沿河道路积水,受理、派遣\n\
2,00:30,群众上报,大圩村,,民生服务,安置点缺少饮用水,受理\n\
3,01:00,电话,新建村,,气象灾害,老人家中进水,受理、派遣专职\n\
4,01:30,叫应,大圩村,,,防汛到岗叫应,叫应\n";

#[test]
fn a_drill_runs_through_the_station_serving_the_database_or_is_refused_without_one() {
    use std::process::{Command, Stdio};
    let dir = temp_dir("drill_run");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    assert!(redgrid(&["demo", "seed", "--db", &db, "--days", "1"]).status.success());
    let file = dir.join("short.csv");
    std::fs::write(&file, SHORT).unwrap();
    let file = file.to_str().unwrap();

    let alone = crate::redgrid_with_password(
        "redgrid-demo",
        &["--as", "commissioner", "drill", "run", file, "--speed", "60", "--db", &db],
    );
    assert_eq!(alone.status.code(), Some(2), "{}", text(&alone));
    assert!(text(&alone).contains("no_station"), "{}", text(&alone));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_redgrid"))
        .args([
            "serve",
            "--db",
            &db,
            "--broker",
            "embedded",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--station",
            "drill-test",
        ])
        .env("REDGRID_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redgrid serve starts");
    // The station is there once its own presence is on the feed.
    let mut online = false;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let rt = tokio::runtime::Runtime::new().unwrap();
        online = rt.block_on(async {
            let store = redgrid_api::store::Store::open(&db).await.unwrap();
            store.stations_online().await.unwrap().contains(&"drill-test".to_string())
        });
        if online {
            break;
        }
    }
    assert!(online, "the station came up");
    let run = crate::redgrid_with_password(
        "redgrid-demo",
        &["--as", "commissioner", "drill", "run", file, "--speed", "60", "--db", &db],
    );
    let _ = serve.kill();
    let _ = serve.wait();
    assert!(run.status.success(), "{}", text(&run));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&run.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let drill_id = lines[0]["drill_id"].as_str().expect("the first line names the drill").to_string();
    assert_eq!(lines.len(), 5, "the drill, then one line per inject: {lines:?}");
    for line in &lines[1..] {
        assert_eq!(line["drill_id"], drill_id.as_str());
        assert!(line["injected_at"].is_string(), "{line}");
    }
    assert!(
        lines[1]["event_id"].is_i64() && lines[2]["event_id"].is_i64(),
        "the reports became events through the station: {lines:?}"
    );
    assert!(lines[3]["event_id"].is_null(), "a hotline call waits for the officer");
    assert!(lines[4]["detail"].as_str().unwrap().starts_with("叫应 CU-"));
    let list: serde_json::Value =
        serde_json::from_slice(&redgrid(&["drill", "list", "--db", &db, "--json"]).stdout).unwrap();
    assert_eq!(list[0]["drill_id"], drill_id.as_str());
    assert_eq!(
        (list[0]["state"].as_str(), list[0]["started_by"].as_str()),
        (Some("finished"), Some("梁文华"))
    );
    std::fs::remove_dir_all(dir).ok();
}
