//! `--villages 原=新,…`: one scenario run in other villages.

use redgrid_drill::{parse_village_mapping, Scenario};

use crate::support::{demo_catalogue, parse_ok, triple};

fn flood() -> Scenario {
    let (name, bytes) = redgrid_drill::shipped()[0];
    parse_ok(bytes, name).resolve(&demo_catalogue()).expect("resolves")
}

fn pairs(text: &str) -> Vec<(String, String)> {
    parse_village_mapping(text).expect("a valid mapping")
}

#[test]
fn mapping_text_takes_either_comma_and_equals_sign() {
    assert_eq!(
        pairs("大圩村=上莲村， 新建村＝450802101204 ,"),
        [("大圩村".to_string(), "上莲村".to_string()), ("新建村".to_string(), "450802101204".to_string())]
    );
    let errors = parse_village_mapping("大圩村=,新建村").expect_err("two bad pairs");
    let messages: Vec<String> = errors.errors.into_iter().map(|e| e.message).collect();
    assert_eq!(
        messages,
        [
            "无法解读“大圩村=”，村（社区）替换应写成 原村=新村，多对用逗号分隔",
            "无法解读“新建村”，村（社区）替换应写成 原村=新村，多对用逗号分隔"
        ]
    );
    assert!(parse_village_mapping(" , ").is_err(), "an empty mapping is refused");
}

#[test]
fn a_village_moves_with_its_grids_and_cameras() {
    let mut scenario = flood();
    let before = scenario.clone();
    scenario.remap_villages(&pairs("大圩村=上莲村"), &demo_catalogue()).expect("both villages exist");
    let moved: Vec<_> = scenario.injects.iter().filter(|i| i.village_code == "450802101203").collect();
    let was: Vec<_> = before.injects.iter().filter(|i| i.village_code == "450802101201").collect();
    assert_eq!(moved.len(), was.len(), "every 大圩村 inject moved to 上莲村");
    assert!(!scenario.injects.iter().any(|i| i.village_code == "450802101201"));
    let seq3 = scenario.injects.iter().find(|i| i.seq == 3).unwrap();
    assert_eq!(seq3.grid.as_deref(), Some("450802101203002"), "the same small grid of the new village");
    let seq4 = scenario.injects.iter().find(|i| i.seq == 4).unwrap();
    assert_eq!(seq4.camera_id.as_deref(), Some("C45080210120301"), "上莲村村口 for 大圩村村口");
    let untouched = scenario.injects.iter().find(|i| i.seq == 5).unwrap();
    assert_eq!(untouched.village_code, "450802101202", "新建村 was not in the mapping");
}

#[test]
fn pairs_apply_at_once_so_two_villages_can_swap() {
    let mut scenario = flood();
    scenario.remap_villages(&pairs("大圩村=新建村,新建村=大圩村"), &demo_catalogue()).expect("swap");
    let village = |seq: u32| scenario.injects.iter().find(|i| i.seq == seq).unwrap().village_code.clone();
    assert_eq!(village(3), "450802101202", "a 大圩村 row is now in 新建村");
    assert_eq!(village(5), "450802101201", "and a 新建村 row in 大圩村, not moved twice");
}

#[test]
fn unknown_or_unused_villages_are_refused_and_nothing_changes() {
    let mut scenario = flood();
    let before = scenario.clone();
    let errors = scenario
        .remap_villages(&pairs("小河村=上莲村,大圩村=450802101299,上莲村=民乐村"), &demo_catalogue())
        .expect_err("three bad pairs");
    let messages: Vec<String> = errors.errors.into_iter().map(|e| e.message).collect();
    assert_eq!(
        messages,
        [
            "--villages 的原村“小河村”：本乡镇没有名为“小河村”的村（社区），请填写村（社区）名称或 12 位区划代码",
            "--villages 的新村“450802101299”：区划代码 450802101299 不是本乡镇的村（社区）",
            "演练脚本中没有用到村（社区）“上莲村”，无法替换",
        ]
    );
    assert_eq!(scenario, before, "a refused mapping changes nothing");
}

#[test]
fn a_camera_with_no_counterpart_in_the_new_village_is_an_error_on_its_row() {
    let (name, bytes) = redgrid_drill::shipped()[1];
    assert_eq!(name, "market-crowd-night.csv");
    let mut scenario = parse_ok(bytes, name).resolve(&demo_catalogue()).expect("resolves");
    let before = scenario.clone();
    let errors =
        scenario.remap_villages(&pairs("大圩社区=新建村"), &demo_catalogue()).expect_err("market cameras");
    let errors: Vec<_> = errors.errors.into_iter().map(triple).collect();
    // The market's cameras are the township's, named 大圩镇…, with no counterpart in 新建村.
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3, 8], "{errors:?}");
    assert!(errors.iter().all(|e| e.1 == "摄像头"));
    assert_eq!(
        errors[0].2,
        "第 2 行「摄像头」：换到新建村后找不到与“大圩镇集贸市场中心”对应的摄像头，请在脚本中为该村指定摄像头"
    );
    assert_eq!(scenario, before);
}

#[test]
fn a_grid_with_no_counterpart_is_dropped_to_village_level() {
    let mut scenario = flood();
    // Seq 9 is in the central school's grid (450802101001902), which only the seat 大圩社区 has.
    scenario.remap_villages(&pairs("大圩社区=民乐村"), &demo_catalogue()).expect("cameras have counterparts");
    let seq9 = scenario.injects.iter().find(|i| i.seq == 9).unwrap();
    assert_eq!((seq9.village_code.as_str(), seq9.grid.as_deref()), ("450802101205", None));
    let seq10 = scenario.injects.iter().find(|i| i.seq == 10).unwrap();
    assert_eq!(seq10.camera_id.as_deref(), Some("C45080210120501"), "民乐村村口 for 大圩社区村口, by id");
}
