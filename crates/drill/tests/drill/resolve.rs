//! References checked against the township: found by code, id or name; unknown and ambiguous ones
//! reported with their row and column.

use redgrid_drill::{ExpectedAction, InjectKind};

use crate::support::{csv, parse_ok, small_catalogue, triple};

fn resolve_errors(lines: &[&str]) -> Vec<(u32, String, String)> {
    let file = parse_ok(&csv(lines), "refs.csv");
    match file.resolve(&small_catalogue()) {
        Ok(scenario) => panic!("should not resolve, got {} injects", scenario.injects.len()),
        Err(errors) => errors.errors.into_iter().map(triple).collect(),
    }
}

#[test]
fn references_resolve_by_code_id_or_trimmed_name() {
    let file = parse_ok(
        &csv(&[
            "1,0:10,视频告警,大圩村,450802101201001,大圩村村口,W1010001,社会治安,较大,村口聚集,受理、派遣,",
            "2,0:20,Frigate告警,450802101202, ,C45080210120201,,安全隐患,2,有人倒地,受理,",
            "3,0:30,失联, 新建村 ,,,黄伟,,,,,改派",
        ]),
        "ok.csv",
    );
    let scenario = file.resolve(&small_catalogue()).expect("every reference exists");
    let first = &scenario.injects[0];
    assert_eq!(first.village_code, "450802101201");
    assert_eq!(first.grid.as_deref(), Some("450802101201001"));
    assert_eq!(first.camera_id.as_deref(), Some("C45080210120101"), "camera by name");
    assert_eq!(first.worker_id.as_deref(), Some("W1010001"), "worker by id");
    assert_eq!(first.expected, [ExpectedAction::Accept, ExpectedAction::Dispatch]);
    assert_eq!(first.row, 2);
    let second = &scenario.injects[1];
    assert_eq!(second.village_code, "450802101202", "village by code");
    assert_eq!(second.grid, None, "a cell of spaces is empty");
    assert_eq!(second.camera_id.as_deref(), Some("C45080210120201"), "camera by id");
    let third = &scenario.injects[2];
    assert_eq!(third.kind, InjectKind::Unreachable);
    assert_eq!(third.village_code, "450802101202", "name with spaces around it");
    assert_eq!(third.worker_id.as_deref(), Some("W1010001"), "worker by a name only he has");
}

#[test]
fn unknown_references_are_reported_per_cell() {
    let errors = resolve_errors(&[
        "1,0:10,群众上报,小河村,,,,社会治安,,x,,",
        "2,0:20,群众上报,450802101299,,,,社会治安,,x,,",
        "3,0:30,视频告警,大圩村,450802101201999,后山摄像头,W9999999,社会治安,,x,,",
    ]);
    assert_eq!(
        errors,
        vec![
            (
                2,
                "村社区".into(),
                "第 2 行「村社区」：本乡镇没有名为“小河村”的村（社区），请填写村（社区）名称或 12 位区划代码"
                    .into()
            ),
            (3, "村社区".into(), "第 3 行「村社区」：区划代码 450802101299 不是本乡镇的村（社区）".into()),
            (4, "网格".into(), "第 4 行「网格」：本乡镇没有网格代码“450802101201999”".into()),
            (4, "摄像头".into(), "第 4 行「摄像头」：本乡镇没有名称或编号为“后山摄像头”的摄像头".into()),
            (4, "人员".into(), "第 4 行「人员」：本乡镇没有编号或姓名为“W9999999”的网格员".into()),
        ]
    );
}

#[test]
fn ambiguous_names_ask_for_the_code_or_id() {
    let errors = resolve_errors(&[
        "1,0:10,群众上报,同名村,,,,社会治安,,x,,",
        "2,0:20,Frigate告警,450802101203,,同名摄像头,李芳,社会治安,,x,,",
    ]);
    assert_eq!(
        errors,
        vec![
            (
                2,
                "村社区".into(),
                "第 2 行「村社区」：“同名村”对应多个村（社区）：同名村（450802101203）、同名村（450802101204），名称有歧义，请改填 12 位区划代码".into()
            ),
            (
                3,
                "摄像头".into(),
                "第 3 行「摄像头」：名为“同名摄像头”的摄像头有多个（编号 C45080210120301、C45080210120302），请改填摄像头编号".into()
            ),
            (3, "人员".into(), "第 3 行「人员」：名为“李芳”的人员有 2 位（编号 W1010002、W1010003），请改填人员编号".into()),
        ]
    );
}

#[test]
fn a_grid_or_camera_of_another_village_is_refused() {
    let errors = resolve_errors(&["1,0:10,视频告警,新建村,450802101201001,大圩村村口,,社会治安,,x,,"]);
    assert_eq!(
        errors,
        vec![
            (2, "网格".into(), "第 2 行「网格」：网格 450802101201001 属于大圩村，不在本行的村社区「新建村」内".into()),
            (
                2,
                "摄像头".into(),
                "第 2 行「摄像头」：摄像头“大圩村村口”（C45080210120101）在大圩村，不在本行的村社区「新建村」内".into()
            ),
        ]
    );
}

#[test]
fn resolve_errors_name_the_column_as_written() {
    let bytes = "seq,time,kind,Village,content\n1,0:10,callup,小河村,到岗\n".as_bytes();
    let errors = parse_ok(bytes, "en.csv").resolve(&small_catalogue()).expect_err("unknown village");
    assert_eq!(errors.errors[0].column, "Village");
}
