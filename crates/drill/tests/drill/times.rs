//! Offsets from the start of the drill: typed text, Excel time values, and the order of injects.

use std::time::Duration;

use crate::support::{csv, parse_ok, text_row, xlsx, Cell};

fn offsets(file: &redgrid_drill::ScenarioFile) -> Vec<(u32, u64)> {
    file.injects.iter().map(|i| (i.seq, i.offset.as_secs())).collect()
}

#[test]
fn text_with_one_colon_is_mm_ss_and_with_two_h_mm_ss() {
    let file = parse_ok(
        &csv(&[
            "1,05:30,叫应,大圩村,,,,,,a,,",
            "2,1:05:30,叫应,大圩村,,,,,,b,,",
            "3,50:00,叫应,大圩村,,,,,,c,,",
        ]),
        "t.csv",
    );
    // 50:00 is fifty minutes (minutes may pass 59 without an hour field), before 1:05:30.
    assert_eq!(offsets(&file), [(1, 330), (3, 3000), (2, 3930)]);
}

#[test]
fn injects_are_sorted_by_offset_then_seq_whatever_the_file_order() {
    let file = parse_ok(
        &csv(&[
            "5,10:00,叫应,大圩村,,,,,,e,,",
            "3,2:00,叫应,大圩村,,,,,,c,,",
            "4,2:00,叫应,大圩村,,,,,,d,,",
            "1,2:00,叫应,大圩村,,,,,,a,,",
        ]),
        "order.csv",
    );
    assert_eq!(offsets(&file), [(1, 120), (3, 120), (4, 120), (5, 600)]);
    // The row stays the row in the file, for errors and the scorecard to point back to.
    assert_eq!(file.injects.iter().map(|i| i.row).collect::<Vec<_>>(), [5, 3, 4, 2]);
}

#[test]
fn excel_time_values_are_read_as_h_mm_ss() {
    let header = text_row("序号,时间,类型,村社区,内容");
    let row = |seq: f64, time: Cell<'static>| {
        vec![Cell::Number(seq), time, Cell::Text("叫应"), Cell::Text("大圩村"), Cell::Text("到岗")]
    };
    let bytes = xlsx(&[(
        "演练脚本",
        vec![
            header,
            // A time cell (h:mm:ss): 0:05:00 is 5/1440 of a day.
            row(1.0, Cell::Formatted(5.0 / 1440.0, "h:mm:ss")),
            // A duration cell ([h]:mm:ss) of 1:30:15.
            row(2.0, Cell::Formatted((3600.0 + 30.0 * 60.0 + 15.0) / 86_400.0, "[h]:mm:ss")),
            // Shown as mm:ss, still the same value of a day: 12 minutes 30 seconds.
            row(3.0, Cell::Formatted(750.0 / 86_400.0, "mm:ss")),
            // A plain number, no format: a fraction of a day all the same (a quarter day, 6 hours).
            row(4.0, Cell::Number(0.25)),
            // Text typed into a text cell: one colon, mm:ss.
            row(5.0, Cell::Text("07:00")),
        ],
    )]);
    let file = parse_ok(&bytes, "times.xlsx");
    let by_seq = |seq: u32| file.injects.iter().find(|i| i.seq == seq).expect("present").offset;
    assert_eq!(by_seq(1), Duration::from_secs(300));
    assert_eq!(by_seq(2), Duration::from_secs(5415));
    assert_eq!(by_seq(3), Duration::from_secs(750));
    assert_eq!(by_seq(4), Duration::from_secs(6 * 3600));
    assert_eq!(by_seq(5), Duration::from_secs(7 * 60), "text 07:00 is seven minutes, not seven hours");
}

#[test]
fn an_excel_date_in_the_time_column_is_refused_as_over_a_day() {
    let bytes = xlsx(&[(
        "Sheet1",
        vec![
            text_row("序号,时间,类型,村社区,内容"),
            vec![
                Cell::Number(1.0),
                Cell::Formatted(45_943.5, "yyyy-mm-dd hh:mm"),
                Cell::Text("叫应"),
                Cell::Text("大圩村"),
                Cell::Text("到岗"),
            ],
        ],
    )]);
    let errors = crate::support::parse_errors(&bytes, "date.xlsx");
    assert_eq!((errors[0].0, errors[0].1.as_str()), (2, "时间"));
    assert!(errors[0].2.contains("超过 24 小时"), "{errors:?}");
}
