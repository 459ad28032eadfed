//! Title, description and author: a 说明 sheet in a workbook, `#` lines in a CSV; and which sheet holds
//! the injects.

use crate::support::{csv, parse_ok, text_row, xlsx};

#[test]
fn csv_hash_lines_before_the_header_carry_the_metadata_and_do_not_count_as_rows() {
    let mut bytes =
        "# 标题：洪水转移演练\n# 说明: 第一段\n\n# 说明：第二段\n# 编写人：梁文华\n# 备注：不认识的键\n"
            .as_bytes()
            .to_vec();
    bytes.extend(csv(&["1,7分,叫应,大圩村,,,,,,到岗,,"]));
    let errors = crate::support::parse_errors(&bytes, "meta-bad.csv");
    assert_eq!(errors[0].0, 2, "the header is row 1 whatever precedes it");

    let mut bytes =
        "# title: Flood drill\n# 说明：第一段\n# description：第二段\n# author：梁文华\n".as_bytes().to_vec();
    bytes.extend(csv(&["1,0:10,叫应,大圩村,,,,,,到岗,,"]));
    let file = parse_ok(&bytes, "meta.csv");
    assert_eq!(file.title, "Flood drill");
    assert_eq!(file.description, "第一段\n第二段", "repeated description lines are joined");
    assert_eq!(file.author, "梁文华");
}

#[test]
fn xlsx_metadata_comes_from_the_notes_sheet_whatever_its_position() {
    let bytes = xlsx(&[
        (
            "说明",
            vec![
                text_row("标题,台风叫应集结"),
                text_row("描述,检验叫应"),
                text_row("作者：,梁文华"),
                text_row("备注,略"),
            ],
        ),
        ("Sheet2", vec![text_row("序号,时间,类型,村社区,内容"), text_row("1,0:10,叫应,大圩村,到岗")]),
    ]);
    let file = parse_ok(&bytes, "meta.xlsx");
    assert_eq!(
        (file.title.as_str(), file.description.as_str(), file.author.as_str()),
        ("台风叫应集结", "检验叫应", "梁文华")
    );
    assert_eq!(file.injects.len(), 1, "the injects are read from the first sheet that is not 说明");
}

#[test]
fn a_sheet_named_injects_is_preferred_to_the_first_sheet() {
    let bytes = xlsx(&[
        ("草稿", vec![text_row("序号,时间,类型,村社区,内容"), text_row("1,0:10,叫应,大圩村,草稿里的")]),
        ("说明", vec![text_row("title,正式脚本")]),
        ("Injects", vec![text_row("序号,时间,类型,村社区,内容"), text_row("7,0:20,叫应,新建村,正式的")]),
    ]);
    let file = parse_ok(&bytes, "named.xlsx");
    assert_eq!(file.title, "正式脚本");
    assert_eq!(file.injects[0].content, "正式的");
    assert_eq!(file.injects[0].seq, 7);
}

#[test]
fn hash_rows_above_the_header_of_a_sheet_are_metadata_too() {
    // What a CSV from to_csv becomes once opened in Excel and saved as a workbook.
    let bytes = xlsx(&[(
        "演练脚本",
        vec![
            text_row("# 标题：另存为工作簿"),
            text_row("序号,时间,类型,村社区,内容"),
            text_row("1,7分,叫应,大圩村,到岗"),
        ],
    )]);
    let errors = crate::support::parse_errors(&bytes, "hash.xlsx");
    assert_eq!(errors[0].0, 2, "rows are counted from the header, not from the sheet's first row");
}

#[test]
fn xlsx_numbers_in_text_columns_read_as_typed() {
    // A 12-digit village code and a severity typed as numbers come back without a decimal point.
    let bytes = xlsx(&[(
        "Sheet1",
        vec![
            text_row("序号,时间,类型,村社区,内容,等级,类别"),
            vec![
                crate::support::Cell::Number(1.0),
                crate::support::Cell::Text("0:10"),
                crate::support::Cell::Text("电话"),
                crate::support::Cell::Number(450_802_101_201.0),
                crate::support::Cell::Text("来电"),
                crate::support::Cell::Number(3.0),
                crate::support::Cell::Text("fire"),
            ],
        ],
    )]);
    let file = parse_ok(&bytes, "numbers.xlsx");
    assert_eq!(file.injects[0].village, "450802101201");
    assert_eq!(file.injects[0].severity, redgrid_core::event::Severity::Major);
    assert_eq!(file.injects[0].category, Some(redgrid_core::event::Category::Fire));
}
