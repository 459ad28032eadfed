//! Drill scenarios against the real demo township: the catalogue the station builds from its registers,
//! the shipped scenarios, and a file whose references are wrong.

use crate::station::demo_station;

/// The seat community of 大圩镇 and one of its dedicated grids (the market, `901`).
const SEAT: &str = "450802101001";
const DEDICATED: &str = "450802101001901";

#[tokio::test]
async fn every_shipped_scenario_resolves_against_the_demo_township() {
    let t = demo_station(1).await;
    for (name, bytes) in redgrid_drill::shipped() {
        let parsed = redgrid_drill::parse(bytes, name).unwrap_or_else(|e| panic!("{name} parses:\n{e}"));
        let validation = t.station.validate_drill_scenario(bytes, name).await.unwrap();
        let messages: Vec<&str> = validation.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            Vec::<&str>::new(),
            "{name} is written for the demo township, so every village, grid, camera and worker it names \
             is in the registers"
        );
        assert!(validation.ok, "{name}: no errors means it can be run");
        assert_eq!(validation.title, parsed.title, "{name}: the title is the file's own");
        assert_eq!(validation.injects, parsed.injects.len(), "{name}: resolving drops no inject");
        let scenario = validation.scenario.expect("a valid scenario comes with what to run");
        assert_eq!(scenario.injects.len(), parsed.injects.len(), "{name}: the scenario has every row");
    }
}

#[tokio::test]
async fn unknown_references_are_reported_each_on_its_own_row_and_column() {
    let t = demo_station(1).await;
    let csv = "# 标题：引用有误的演练\n\
               序号,时间,类型,村社区,摄像头,人员,类别,内容\n\
               1,00:00,群众上报,不存在村,,,民生服务,群众反映路灯不亮\n\
               2,01:00,视频告警,大圩村,不存在的摄像头,,安全隐患,检测到人员逗留\n\
               3,02:00,失联,大圩村,,W9999999,,\n";
    let validation = t.station.validate_drill_scenario(csv.as_bytes(), "bad.csv").await.unwrap();
    assert!(!validation.ok, "a scenario naming what the township does not have cannot be run");
    assert!(validation.scenario.is_none(), "and nothing to run comes with it");
    assert_eq!(validation.title, "引用有误的演练", "the file was read, so its title is known");
    assert_eq!(validation.injects, 3, "every row parsed; only the references are wrong");
    let placed: Vec<(u32, &str)> = validation.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        placed,
        [(2, "村社区"), (3, "摄像头"), (4, "人员")],
        "one error per unknown reference, on the row and column as the author sees them in Excel \
         (the header is row 1)"
    );
    for (error, named) in validation.errors.iter().zip(["不存在村", "不存在的摄像头", "W9999999"])
    {
        let place = format!("第 {} 行「{}」", error.row, error.column);
        assert!(error.message.starts_with(&place), "the message places itself: {}", error.message);
        assert!(error.message.contains(named), "and names what was not found: {}", error.message);
    }
}

#[tokio::test]
async fn the_catalogue_holds_dedicated_grids_and_cameras_under_their_village_but_no_households() {
    let t = demo_station(1).await;
    let catalogue = t.station.drill_catalogue().await.unwrap();
    let seat = catalogue.villages.iter().find(|v| v.code == SEAT).expect("the seat community is a village");
    assert_eq!(seat.name, "大圩社区", "villages go by the short name the registers hold");
    assert_eq!(catalogue.villages.len(), 19, "大圩镇 has 19 villages and communities");
    let dedicated = catalogue.grids.iter().find(|g| g.code == DEDICATED).expect("dedicated grids are grids");
    assert_eq!(dedicated.village_code, SEAT, "a dedicated grid lies in the village it hangs under");
    assert!(
        catalogue.grids.iter().all(|g| g.code.starts_with(&g.village_code) && g.village_code.len() == 12),
        "every grid's village is the 12-digit prefix of its code"
    );
    assert!(
        catalogue.grids.iter().any(|g| g.code.len() == 17),
        "micro grids are there, since an item may be placed on one"
    );
    assert!(
        catalogue.grids.iter().all(|g| g.code.len() < 20),
        "household grids are not: no drill item is placed on a household, and there are too many"
    );
    let market_camera = catalogue
        .cameras
        .iter()
        .find(|c| c.name == "大圩镇集贸市场中心")
        .expect("the market's cameras are registered");
    assert_eq!(
        market_camera.village_code.as_deref(),
        Some(SEAT),
        "a camera on a dedicated grid lies in that grid's village"
    );
    assert_eq!(
        catalogue.workers.len(),
        t.station.store().workers(&t.station.scheme()).await.unwrap().len(),
        "every worker may be named"
    );
}
