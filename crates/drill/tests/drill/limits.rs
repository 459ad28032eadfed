//! Hostile files: refused with a clean error before anything large is built.

use crate::support::{csv, parse_errors, text_row, xlsx, HEADER};

#[test]
fn a_sparse_workbook_spanning_the_whole_sheet_is_refused_without_materialising_it() {
    // 1.6 KB on disk; calamine's worksheet_range would allocate 16384 × 1048576 cells for it.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "序号").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000, "the file is small: {} bytes", bytes.len());
    let errors = parse_errors(&bytes, "sparse.xlsx");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].0, errors[0].1.as_str()), (0, ""));
    assert!(errors[0].2.contains("A1:XFD1048576"), "{}", errors[0].2);
    assert!(errors[0].2.contains("超过 64 列"), "{}", errors[0].2);
}

#[test]
fn a_file_over_five_mebibytes_is_refused_before_decoding() {
    let mut bytes = csv(&["1,0:10,叫应,大圩村,,,,,,到岗,,"]);
    bytes.resize(5 * 1024 * 1024 + 1, b' ');
    let errors = parse_errors(&bytes, "big.csv");
    assert!(errors[0].2.contains("超过演练脚本的上限 5 MiB"), "{}", errors[0].2);
}

#[test]
fn more_than_two_thousand_injects_are_refused() {
    let lines: Vec<String> = (1..=2001).map(|n| format!("{n},0:10,叫应,大圩村,,,,,,到岗,,")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let errors = parse_errors(&csv(&lines), "many.csv");
    assert_eq!(errors[0].2, "演练脚本超过 2000 条，请拆分为几个脚本");
    // Exactly 2000 is allowed.
    assert_eq!(crate::support::parse_ok(&csv(&lines[..2000]), "2000.csv").injects.len(), 2000);

    let mut rows = vec![text_row("序号,时间,类型,村社区,内容")];
    let numbers: Vec<String> = (1..=2001).map(|n| n.to_string()).collect();
    for n in &numbers {
        rows.push(vec![
            crate::support::Cell::Text(n),
            crate::support::Cell::Text("0:10"),
            crate::support::Cell::Text("叫应"),
            crate::support::Cell::Text("大圩村"),
            crate::support::Cell::Text("到岗"),
        ]);
    }
    let errors = parse_errors(&xlsx(&[("Sheet1", rows)]), "many.xlsx");
    assert_eq!(errors[0].2, "演练脚本超过 2000 条，请拆分为几个脚本");
}

#[test]
fn more_than_sixty_four_columns_are_refused() {
    let wide = format!("{HEADER}{}", ",备注".repeat(60));
    let errors = parse_errors(format!("{wide}\n").as_bytes(), "wide.csv");
    assert_eq!(errors[0].2, "第 1 行超过 64 列：这不像演练脚本，请检查是否选错了文件");
    // Empty cells past the last value do not count: Excel writes them as trailing commas.
    let padded = format!("序号,时间,类型,村社区,内容{}\n1,0:10,叫应,大圩村,到岗\n", ",".repeat(200));
    assert_eq!(crate::support::parse_ok(padded.as_bytes(), "padded.csv").injects.len(), 1);

    let header: String = (0..65).map(|i| format!("列{i}")).collect::<Vec<_>>().join(",");
    let errors = parse_errors(&xlsx(&[("Sheet1", vec![text_row(&header)])]), "wide.xlsx");
    assert!(errors[0].2.contains("超过 64 列"), "{}", errors[0].2);
}

/// A header row and one inject, as inline strings.
const GOOD_ROWS: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><t>时间</t></is></c><c r="C1" t="inlineStr"><is><t>类型</t></is></c><c r="D1" t="inlineStr"><is><t>村社区</t></is></c><c r="E1" t="inlineStr"><is><t>内容</t></is></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>0:30</t></is></c><c r="C2" t="inlineStr"><is><t>叫应</t></is></c><c r="D2" t="inlineStr"><is><t>大圩村</t></is></c><c r="E2" t="inlineStr"><is><t>到岗</t></is></c></row>"#;

#[test]
fn the_handmade_workbook_of_these_tests_is_read_like_any_other() {
    // Without this, the refusals below could be a broken fixture rather than the limits.
    let file = crate::support::parse_ok(
        &crate::support::handmade_xlsx(&crate::support::sheet_xml("A1:E2", GOOD_ROWS), None),
        "ok.xlsx",
    );
    assert_eq!((file.injects[0].seq, file.injects[0].content.as_str()), (1, "到岗"));
}

#[test]
fn a_cell_beyond_the_declared_dimension_is_still_caught_while_streaming() {
    // The sheet claims A1:E2 but has a value at XFD1048576: the declared check passes, the cell's own
    // position does not.
    let rows =
        format!(r#"{GOOD_ROWS}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#);
    let bytes = crate::support::handmade_xlsx(&crate::support::sheet_xml("A1:E2", &rows), None);
    let errors = parse_errors(&bytes, "lying.xlsx");
    assert_eq!(
        errors,
        [(0, String::new(), "第 1048576 行超过 64 列：这不像演练脚本，请检查是否选错了文件".to_string())]
    );
}

#[test]
fn a_workbook_declaring_a_huge_unzipped_size_is_refused_before_calamine_opens_it() {
    let bytes =
        crate::support::handmade_xlsx(&crate::support::sheet_xml("A1:E2", GOOD_ROWS), Some(100 << 20));
    let errors = parse_errors(&bytes, "bomb.xlsx");
    assert_eq!(errors[0].2, "工作簿 bomb.xlsx 解压后超过 64 MiB，不像演练脚本，已拒绝读取");
}
