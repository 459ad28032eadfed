//! CSV as Excel writes it on Chinese Windows: GBK, UTF-8 with a BOM, CRLF, trailing commas, tabs.

use redgrid_drill::InjectKind;

use crate::support::{csv, parse_ok};

const LINES: &[&str] = &["1,0:30,群众上报,大圩村,,,,社会治安,一般,村口有人聚集争吵,受理、派遣,"];

#[test]
fn gbk_csv_is_detected_and_decoded() {
    let text = String::from_utf8(csv(LINES)).unwrap();
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy, "the test text is representable in GBK");
    assert!(std::str::from_utf8(&gbk).is_err(), "GBK bytes of Chinese text are not valid UTF-8");
    let file = parse_ok(&gbk, "gbk.csv");
    assert_eq!(file.injects[0].village, "大圩村");
    assert_eq!(file.injects[0].content, "村口有人聚集争吵");
}

#[test]
fn a_bom_does_not_spoil_the_first_header() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(csv(LINES));
    let file = parse_ok(&bytes, "bom.csv");
    // Were the BOM left on, 序号 would not be recognised and the file would fail.
    assert_eq!(file.injects[0].seq, 1);
}

#[test]
fn a_bom_before_metadata_lines_is_dropped_too() {
    let mut bytes = "\u{feff}# 标题：带 BOM 的脚本\n".as_bytes().to_vec();
    bytes.extend(csv(LINES));
    assert_eq!(parse_ok(&bytes, "bom-meta.csv").title, "带 BOM 的脚本");
}

#[test]
fn excel_resaved_csv_with_crlf_and_trailing_commas_reads_the_same() {
    let text = "# 标题：另存的脚本,,,,\r\n序号,时间,类型,村社区,内容,类别,,,\r\n1,0:30,电话,大圩村,来电,反诈,,,\r\n,,,,,,,,\r\n";
    let file = parse_ok(text.as_bytes(), "resaved.csv");
    assert_eq!(file.title, "另存的脚本", "trailing commas of a # line are not part of the title");
    assert_eq!(file.injects.len(), 1, "the all-empty row is skipped");
    assert_eq!(file.injects[0].kind, InjectKind::Hotline);
}

#[test]
fn tab_separated_text_is_read() {
    let text = "序号\t时间\t类型\t村社区\t内容\n1\t1:00\t叫应\t大圩村\t到岗\n";
    let file = parse_ok(text.as_bytes(), "tabs.txt");
    assert_eq!(file.injects[0].kind, InjectKind::Callup);
}

#[test]
fn quoted_cells_may_hold_commas_and_line_breaks_and_rows_still_count_as_in_excel() {
    // Row 2 spans two lines of text; a blank line makes row 3; then row 4; two blank CRLF lines (rows 5
    // and 6) and a row of empty cells (row 7) before row 8. Excel shows them with these numbers.
    let text = "序号,时间,类型,村社区,内容\n1,0:10,叫应,大圩村,\"第一行,\n第二行\"\n\n2,7分,叫应,大圩村,x\n\r\n\r\n,,,,\n3,8分,叫应,大圩村,x\n";
    let errors = crate::support::parse_errors(text.as_bytes(), "multiline.csv");
    let rows: Vec<u32> = errors.iter().map(|e| e.0).collect();
    assert_eq!(rows, [4, 8], "{errors:?}");
}
