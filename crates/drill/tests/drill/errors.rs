//! Every kind of bad cell, each reported with the row and column the author sees, all at once.

use crate::support::{csv, parse_errors, HEADER};

fn row(row: u32, column: &str, message: &str) -> (u32, String, String) {
    (row, column.to_string(), message.to_string())
}

#[test]
fn every_bad_cell_of_a_file_is_reported_at_once_in_row_order() {
    let bytes = csv(&[
        /* 2 */ "1,7分,群众上报,大圩村,,,,社会治安,一般,有人吵架,受理,",
        /* 3 */ "0,0:10,网格员上报,大圩村,,,,社会治安,,内容,,",
        /* 4 */ "3,0:20,巡逻,大圩村,,,,社会治安,,内容,,",
        /* 5 */ "4,0:30,视频告警,大圩村,,,,社会治安,,内容,,",
        /* 6 */ "5,0:40,失联,大圩村,,,,,,,,",
        /* 7 */ "6,0:50,群众上报,,,,,,,,,",
        /* 8 */ "7,1:00,群众上报,大圩村,,,,打架,特急,内容,受理、飞过去,",
        /* 9 */ "1,1:10,群众上报,大圩村,,,,社会治安,,内容,,",
        /* 10 */ "9,-1:00,群众上报,大圩村,,,,社会治安,,内容,,",
        /* 11 */ "10,25:00:00,群众上报,大圩村,,,,社会治安,,内容,,",
        /* 12 */ ",1:00,群众上报,大圩村,,,,社会治安,,内容,,",
        /* 13 */ ",,,,,,,,,,,",
        /* 14 */ "12,,电话,大圩村,,,,社会治安,,内容,,",
        /* 15 */ "13,1:00,,大圩村,,,,,,内容,,",
        /* 16 */ "14,2:00,叫应,大圩村,,,,,,叫应到岗,叫应,",
        /* 17 */ "15,3:75,叫应,大圩村,,,,,,叫应到岗,叫应,",
    ]);
    let kinds = "群众上报、网格员上报、视频告警、Frigate告警、电话、叫应、失联";
    let categories = "矛盾纠纷·山林土地水利、矛盾纠纷·邻里、矛盾纠纷·婚姻家庭、矛盾纠纷·劳资欠薪、矛盾纠纷·其他、社会治安、\
                      消防火情、安全隐患、医保服务、气象灾害、信访、反邪教、禁毒、反诈、民生服务、生态环境";
    // The blank row 13 is skipped but counted, as Excel shows it; the valid row 16 yields nothing.
    let expected = vec![
        row(2, "时间", "第 2 行「时间」：无法解读“7分”，应为 mm:ss 或 h:mm:ss"),
        row(3, "序号", "第 3 行「序号」：“0”不是正整数，序号应为 1、2、3……"),
        row(4, "类型", &format!("第 4 行「类型」：无法识别“巡逻”，应为{kinds}之一")),
        row(5, "摄像头", "第 5 行「摄像头」：「视频告警」必须填写摄像头（名称或编号）"),
        row(6, "人员", "第 6 行「人员」：「失联」必须填写失联的人员（编号或姓名）"),
        row(7, "村社区", "第 7 行「村社区」：不能为空，请填写村社区"),
        row(7, "内容", "第 7 行「内容」：不能为空，请填写内容"),
        row(7, "类别", "第 7 行「类别」：「群众上报」必须填写类别（只有叫应、失联可以不填）"),
        row(8, "类别", &format!("第 8 行「类别」：无法识别“打架”，应为{categories}之一")),
        row(8, "等级", "第 8 行「等级」：无法识别“特急”，应为 1–4 或 一般、较大、重大、特别重大"),
        row(
            8,
            "预期处置",
            "第 8 行「预期处置」：无法识别“飞过去”，应为受理、派遣、派遣专职、提级、结案、叫应，多项用“、”分隔",
        ),
        row(9, "序号", "第 9 行「序号」：序号 1 与第 2 行重复，每条的序号必须不同"),
        row(10, "时间", "第 10 行「时间」：“-1:00”为负数，时间是从演练开始起算的时长，不能为负"),
        row(11, "时间", "第 11 行「时间」：“25:00:00”超过 24 小时，演练中的时间应在开始后 24 小时内"),
        row(12, "序号", "第 12 行「序号」：不能为空，请填写序号"),
        row(14, "时间", "第 14 行「时间」：不能为空，请填写时间"),
        row(15, "类型", "第 15 行「类型」：不能为空，请填写类型"),
        row(17, "时间", "第 17 行「时间」：无法解读“3:75”：分、秒应在 0–59 之间，应为 mm:ss 或 h:mm:ss"),
    ];
    assert_eq!(parse_errors(&bytes, "bad.csv"), expected);
}

#[test]
fn missing_and_repeated_columns_are_errors_of_row_one_named_as_written() {
    // English headers in any case are accepted; 时间 and TIME are the same column, 内容 is missing.
    let bytes = "seq,TIME,Kind,时间,village,Category\n1,7分,hotline,0:10,大圩村,fire\n".as_bytes();
    let errors = parse_errors(bytes, "english.csv");
    assert_eq!(
        errors,
        vec![
            (1, "时间".into(), "第 1 行「时间」：与「TIME」是同一列（时间），一列只能出现一次".into()),
            (
                1,
                "内容".into(),
                "第 1 行：缺少必需的列「内容」（英文表头可写 content 或 title 或 text）".into()
            ),
            // The bad time is reported under the header as written; the missing 内容 is not repeated per row.
            (2, "TIME".into(), "第 2 行「TIME」：无法解读“7分”，应为 mm:ss 或 h:mm:ss".into()),
        ]
    );
}

#[test]
fn a_column_needed_by_a_kind_but_absent_from_the_file_is_named_in_chinese() {
    let bytes =
        "序号,时间,类型,村社区,内容,类别\n1,0:10,Frigate告警,大圩村,有人翻越围栏,社会治安\n".as_bytes();
    assert_eq!(
        parse_errors(bytes, "no-camera-column.csv"),
        vec![(2, "摄像头".into(), "第 2 行「摄像头」：「Frigate告警」必须填写摄像头（名称或编号）".into())]
    );
}

#[test]
fn every_required_column_missing_is_listed() {
    let errors = parse_errors("备注\n随便写点什么\n".as_bytes(), "notes.csv");
    let columns: Vec<&str> = errors.iter().map(|(_, c, _)| c.as_str()).collect();
    assert_eq!(columns, ["序号", "时间", "类型", "村社区", "内容"], "the five required columns, in order");
    assert!(errors.iter().all(|(row, _, _)| *row == 1), "missing columns belong to the header row");
}

#[test]
fn files_that_are_not_scenarios_fail_as_a_whole() {
    let cases: [(Vec<u8>, &str, &str); 5] = [
        (Vec::new(), "empty.csv", "没有表头行"),
        (format!("{HEADER}\n").into_bytes(), "header-only.csv", "没有任何条目"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest".to_vec(), "old.xls", "旧版 Excel"),
        (b"not a zip".to_vec(), "fake.xlsx", "不是有效的 .xlsx"),
        (b"\xff\xff\xff\xfe".to_vec(), "binary.csv", "文字编码无法识别"),
    ];
    for (bytes, name, needle) in cases {
        let errors = parse_errors(&bytes, name);
        assert_eq!(errors.len(), 1, "{name}: one error for the whole file");
        let (row, column, message) = &errors[0];
        assert_eq!((*row, column.as_str()), (0, ""), "{name}: row 0 and no column mean the whole file");
        assert!(message.contains(needle), "{name}: {message:?} should contain {needle:?}");
    }
}

#[test]
fn display_lists_one_error_per_line_and_json_has_row_column_message() {
    let errors =
        redgrid_drill::parse(&csv(&["1,7分,叫应,大圩村,,,,,,x,,", "1,0:10,叫应,大圩村,,,,,,x,,"]), "a.csv")
            .expect_err("two bad rows");
    assert_eq!(
        errors.to_string(),
        "第 2 行「时间」：无法解读“7分”，应为 mm:ss 或 h:mm:ss\n第 3 行「序号」：序号 1 与第 2 行重复，每条的序号必须不同"
    );
    let json = serde_json::to_value(&errors.errors[0]).expect("serialisable");
    assert_eq!(
        json,
        serde_json::json!({"row": 2, "column": "时间", "message": "第 2 行「时间」：无法解读“7分”，应为 mm:ss 或 h:mm:ss"})
    );
}
