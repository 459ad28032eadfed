//! Phase one: the rows of a scenario file given their meaning, without looking at the township.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use redgrid_core::event::{Category, Severity};

use crate::error::{RowError, ScenarioErrors};
use crate::table::{self, number_text, CellValue, Row};
use crate::vocabulary::{Column, ExpectedAction, InjectKind, ACTION_SEPARATORS};

/// The longest offset from the start of a drill; longer is a typo (or a date in the time column).
const MAX_OFFSET: Duration = Duration::from_secs(24 * 3600);

/// A scenario file read and typed, its references to the township still as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    pub title: String,
    pub description: String,
    pub author: String,
    /// Sorted by (offset, seq).
    pub injects: Vec<RawInject>,
    /// The header each column was written with, for errors found when resolving.
    pub(crate) headers: BTreeMap<Column, String>,
}

/// One row of the file: typed, but naming its village, grid, camera and worker as the author did (by
/// name or by code).
#[derive(Debug, Clone, PartialEq)]
pub struct RawInject {
    /// The row in the file, the header being row 1.
    pub row: u32,
    pub seq: u32,
    /// From the start of the drill, in whole seconds.
    pub offset: Duration,
    pub kind: InjectKind,
    pub village: String,
    pub grid: Option<String>,
    pub camera: Option<String>,
    pub worker: Option<String>,
    pub category: Option<Category>,
    pub severity: Severity,
    pub content: String,
    pub expected: Vec<ExpectedAction>,
    pub objective: String,
}

impl ScenarioFile {
    /// The header a column was written with, or its Chinese header if the file has no such column.
    pub(crate) fn header(&self, column: Column) -> &str {
        self.headers.get(&column).map_or(column.header_zh(), String::as_str)
    }
}

/// Reads a scenario file: XLSX (`.xlsx`, `.xlsm`, or any file starting like a zip) or CSV (`.csv`,
/// `.txt`, anything else; UTF-8 with or without BOM, or GBK). Every bad cell is reported, or none.
pub fn parse(bytes: &[u8], file_name: &str) -> Result<ScenarioFile, ScenarioErrors> {
    let table = table::read(bytes, file_name)?;
    let mut errors = Vec::new();

    // Which column is where, as written.
    let mut columns: BTreeMap<Column, (usize, String)> = BTreeMap::new();
    for (index, cell) in table.header.iter().enumerate() {
        let written = cell.text();
        let Some(column) = Column::from_header(&written) else { continue };
        if let Some((_, first)) = columns.get(&column) {
            errors.push(RowError::cell(
                1,
                &written,
                format!("与「{first}」是同一列（{}），一列只能出现一次", column.header_zh()),
            ));
            continue;
        }
        columns.insert(column, (index, written));
    }
    for column in Column::ALL.into_iter().filter(|c| c.is_required()) {
        if !columns.contains_key(&column) {
            errors.push(RowError::header(
                column.header_zh(),
                format!("缺少必需的列「{}」（英文表头可写 {}）", column.header_zh(), column.english_keys()),
            ));
        }
    }

    let headers: BTreeMap<Column, String> = columns.iter().map(|(c, (_, h))| (*c, h.clone())).collect();
    let mut injects = Vec::new();
    let mut seq_rows: HashMap<u32, u32> = HashMap::new();
    for row in &table.rows {
        let cells = RowCells { row, columns: &columns };
        if let Some(inject) = read_row(&cells, &mut seq_rows, &mut errors) {
            injects.push(inject);
        }
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors::from_unsorted(errors));
    }
    if injects.is_empty() {
        return Err(RowError::file("演练脚本中没有任何条目：表头下面至少要有一行").into());
    }
    injects.sort_by_key(|i| (i.offset, i.seq));
    let metadata = table.metadata;
    Ok(ScenarioFile {
        title: metadata.title,
        description: metadata.description,
        author: metadata.author,
        injects,
        headers,
    })
}

/// One row's cells by column, and where to report a problem with them.
struct RowCells<'a> {
    row: &'a Row,
    columns: &'a BTreeMap<Column, (usize, String)>,
}

impl RowCells<'_> {
    fn has(&self, column: Column) -> bool {
        self.columns.contains_key(&column)
    }

    fn cell(&self, column: Column) -> &CellValue {
        self.columns
            .get(&column)
            .and_then(|(index, _)| self.row.cells.get(*index))
            .unwrap_or(&CellValue::Empty)
    }

    fn text(&self, column: Column) -> String {
        self.cell(column).text()
    }

    fn optional(&self, column: Column) -> Option<String> {
        Some(self.text(column)).filter(|t| !t.is_empty())
    }

    fn error(&self, column: Column, detail: impl std::fmt::Display) -> RowError {
        let header = self.columns.get(&column).map_or(column.header_zh(), |(_, h)| h.as_str());
        RowError::cell(self.row.number, header, detail)
    }
}

/// Reads one row, pushing an error for each bad cell; `None` if any cell was bad.
///
/// `seq_rows` holds the row of each seq seen so far, including rows bad in other cells, so that a
/// duplicate is reported however the first row fared.
fn read_row(
    cells: &RowCells<'_>,
    seq_rows: &mut HashMap<u32, u32>,
    errors: &mut Vec<RowError>,
) -> Option<RawInject> {
    let before = errors.len();
    // A missing required column is reported once on the header row, not again on every row.
    let required_empty = |column: Column, errors: &mut Vec<RowError>| {
        if cells.has(column) {
            errors.push(cells.error(column, format!("不能为空，请填写{}", column.header_zh())));
        }
    };

    let seq = match cells.cell(Column::Seq) {
        cell if cell.is_empty() => {
            required_empty(Column::Seq, errors);
            None
        }
        cell => match read_seq(cell).and_then(|seq| unique_seq(seq, cells.row.number, seq_rows)) {
            Ok(seq) => Some(seq),
            Err(detail) => {
                errors.push(cells.error(Column::Seq, detail));
                None
            }
        },
    };
    let offset = match cells.cell(Column::Time) {
        cell if cell.is_empty() => {
            required_empty(Column::Time, errors);
            None
        }
        cell => match read_offset(cell) {
            Ok(offset) => Some(offset),
            Err(detail) => {
                errors.push(cells.error(Column::Time, detail));
                None
            }
        },
    };
    let kind_text = cells.text(Column::Kind);
    let kind = if kind_text.is_empty() {
        required_empty(Column::Kind, errors);
        None
    } else {
        let kind = InjectKind::parse(&kind_text);
        if kind.is_none() {
            let names: Vec<&str> = InjectKind::ALL.iter().map(|k| k.name_zh()).collect();
            errors.push(
                cells.error(Column::Kind, format!("无法识别“{kind_text}”，应为{}之一", names.join("、"))),
            );
        }
        kind
    };

    let village = cells.text(Column::Village);
    if village.is_empty() {
        required_empty(Column::Village, errors);
    }
    let content = cells.text(Column::Content);
    let camera = cells.optional(Column::Camera);
    let worker = cells.optional(Column::Worker);
    let category_text = cells.text(Column::Category);
    let category = Some(&category_text).filter(|t| !t.is_empty()).and_then(|text| {
        let category = Category::parse(text).or_else(|| Category::parse(&text.to_ascii_lowercase()));
        if category.is_none() {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.name_zh()).collect();
            errors.push(
                cells.error(Column::Category, format!("无法识别“{text}”，应为{}之一", names.join("、"))),
            );
        }
        category
    });
    if let Some(kind) = kind {
        if kind.needs_content() && content.is_empty() {
            required_empty(Column::Content, errors);
        }
        if kind.needs_camera() && camera.is_none() {
            errors.push(
                cells.error(Column::Camera, format!("「{}」必须填写摄像头（名称或编号）", kind.name_zh())),
            );
        }
        if kind.needs_worker() && worker.is_none() {
            errors.push(
                cells
                    .error(Column::Worker, format!("「{}」必须填写失联的人员（编号或姓名）", kind.name_zh())),
            );
        }
        if kind.needs_category() && category_text.is_empty() {
            errors.push(cells.error(
                Column::Category,
                format!("「{}」必须填写类别（只有叫应、失联可以不填）", kind.name_zh()),
            ));
        }
    }

    let severity_text = cells.text(Column::Severity);
    let severity = if severity_text.is_empty() {
        // Most of what a centre handles is 一般, and a drill item left blank means an ordinary one.
        Some(Severity::General)
    } else {
        let severity =
            Severity::parse(&severity_text).or_else(|| Severity::parse(&severity_text.to_ascii_lowercase()));
        if severity.is_none() {
            errors.push(cells.error(
                Column::Severity,
                format!("无法识别“{severity_text}”，应为 1–4 或 一般、较大、重大、特别重大"),
            ));
        }
        severity
    };

    let mut expected = Vec::new();
    for token in
        cells.text(Column::Expected).split(ACTION_SEPARATORS).map(str::trim).filter(|t| !t.is_empty())
    {
        match ExpectedAction::parse(token) {
            Some(action) if !expected.contains(&action) => expected.push(action),
            Some(_) => {}
            None => {
                let names: Vec<&str> = ExpectedAction::ALL.iter().map(|a| a.name_zh()).collect();
                errors.push(cells.error(
                    Column::Expected,
                    format!("无法识别“{token}”，应为{}，多项用“、”分隔", names.join("、")),
                ));
            }
        }
    }

    if errors.len() > before {
        return None;
    }
    Some(RawInject {
        row: cells.row.number,
        seq: seq?,
        offset: offset?,
        kind: kind?,
        village,
        grid: cells.optional(Column::Grid),
        camera,
        worker,
        category,
        severity: severity?,
        content,
        expected,
        objective: cells.text(Column::Objective),
    })
}

/// Records the row of a seq, refusing one already seen.
fn unique_seq(seq: u32, row: u32, seq_rows: &mut HashMap<u32, u32>) -> Result<u32, String> {
    match seq_rows.get(&seq) {
        Some(first) => Err(format!("序号 {seq} 与第 {first} 行重复，每条的序号必须不同")),
        None => {
            seq_rows.insert(seq, row);
            Ok(seq)
        }
    }
}

fn read_seq(cell: &CellValue) -> Result<u32, String> {
    let bad = || format!("“{}”不是正整数，序号应为 1、2、3……", cell.text());
    let seq = match cell {
        CellValue::Number(n) if n.fract() == 0.0 && *n >= 1.0 && *n <= f64::from(u32::MAX) => *n as u32,
        CellValue::Number(_) | CellValue::DayFraction(_) => return Err(bad()),
        other => {
            let text = other.text();
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            text.parse::<u32>().map_err(|_| bad())?
        }
    };
    if seq == 0 {
        return Err(bad());
    }
    Ok(seq)
}

fn unreadable_time(text: &str) -> String {
    format!("无法解读“{text}”，应为 mm:ss 或 h:mm:ss")
}

fn checked_offset(seconds: i64, shown: &str) -> Result<Duration, String> {
    if seconds < 0 {
        return Err(format!("“{shown}”为负数，时间是从演练开始起算的时长，不能为负"));
    }
    let offset = Duration::from_secs(seconds as u64);
    if offset > MAX_OFFSET {
        return Err(format!("“{shown}”超过 24 小时，演练中的时间应在开始后 24 小时内"));
    }
    Ok(offset)
}

/// The offset of an inject from the start of the drill.
///
/// Text with one colon is mm:ss and with two h:mm:ss, as the commissioner types them; a cell Excel holds
/// as a time (a fraction of a day) is read as h:mm:ss, since that is how Excel shows it.
fn read_offset(cell: &CellValue) -> Result<Duration, String> {
    match cell {
        CellValue::Number(days) | CellValue::DayFraction(days) => {
            if !days.is_finite() {
                return Err(unreadable_time(&cell.text()));
            }
            let seconds = (days * 86_400.0).round();
            if seconds > MAX_OFFSET.as_secs_f64() {
                let hours = seconds / 3600.0;
                return Err(format!(
                    "“{}”按 Excel 时间值折合 {hours:.0} 小时，超过 24 小时；若指分钟，请写成 mm:ss（如 5:00）",
                    number_text(*days)
                ));
            }
            checked_offset(seconds as i64, &cell.text())
        }
        CellValue::IsoDuration(text) => read_iso_duration(text.trim())
            .ok_or_else(|| unreadable_time(text.trim()))
            .and_then(|seconds| checked_offset(seconds, text.trim())),
        CellValue::Text(_) | CellValue::Empty => {
            let text = cell.text();
            let (negative, unsigned) = match text.strip_prefix(['-', '−']) {
                Some(rest) => (true, rest.trim()),
                None => (false, text.as_str()),
            };
            let parts: Vec<&str> = unsigned.split([':', '：']).map(str::trim).collect();
            let numbers: Option<Vec<i64>> = parts
                .iter()
                .map(|p| {
                    (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 6)
                        .then(|| p.parse().ok())?
                })
                .collect();
            let seconds = match (parts.len(), numbers.as_deref()) {
                (2, Some(&[minutes, seconds])) if seconds < 60 => minutes * 60 + seconds,
                (3, Some(&[hours, minutes, seconds])) if minutes < 60 && seconds < 60 => {
                    hours * 3600 + minutes * 60 + seconds
                }
                (2 | 3, Some(_)) => {
                    return Err(format!("无法解读“{text}”：分、秒应在 0–59 之间，应为 mm:ss 或 h:mm:ss"))
                }
                _ => return Err(unreadable_time(&text)),
            };
            checked_offset(if negative { -seconds } else { seconds }, &text)
        }
    }
}

/// `PT1H2M3S` (and `P1DT…`, `-PT…`) to seconds; fractional seconds are rounded.
fn read_iso_duration(text: &str) -> Option<i64> {
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text),
    };
    let body = text.strip_prefix('P')?;
    let mut seconds = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    for c in body.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                seconds += value
                    * match (in_time, unit) {
                        (false, 'D') => 86_400.0,
                        (true, 'H') => 3600.0,
                        (true, 'M') => 60.0,
                        (true, 'S') => 1.0,
                        _ => return None,
                    };
            }
        }
    }
    number.is_empty().then_some((sign * seconds).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> CellValue {
        CellValue::Text(t.into())
    }

    #[test]
    fn one_colon_is_minutes_and_seconds_two_colons_hours() {
        assert_eq!(read_offset(&text("7:30")), Ok(Duration::from_secs(7 * 60 + 30)));
        assert_eq!(read_offset(&text("1:07:30")), Ok(Duration::from_secs(3600 + 7 * 60 + 30)));
        // Minutes past 59 are still minutes when there is no hour field: 75:00 is an hour and a quarter.
        assert_eq!(read_offset(&text("75:00")), Ok(Duration::from_secs(75 * 60)));
        assert_eq!(read_offset(&text("12：05")), Ok(Duration::from_secs(12 * 60 + 5)), "full-width colon");
    }

    #[test]
    fn bad_times_say_what_was_expected() {
        assert_eq!(read_offset(&text("7分")), Err("无法解读“7分”，应为 mm:ss 或 h:mm:ss".to_string()));
        assert!(read_offset(&text("1:2:3:4")).unwrap_err().contains("无法解读"));
        assert!(read_offset(&text("5:75")).unwrap_err().contains("0–59"));
        assert!(read_offset(&text("-5:00")).unwrap_err().contains("不能为负"));
        assert!(read_offset(&text("24:00:01")).unwrap_err().contains("超过 24 小时"));
        assert_eq!(read_offset(&text("24:00:00")), Ok(MAX_OFFSET), "24 h itself is allowed");
    }

    #[test]
    fn excel_time_values_are_fractions_of_a_day() {
        // 0:05:00 is 5/1440 of a day; floating error must round to the second, not truncate below it.
        assert_eq!(read_offset(&CellValue::DayFraction(5.0 / 1440.0)), Ok(Duration::from_secs(300)));
        assert_eq!(read_offset(&CellValue::Number(0.5)), Ok(Duration::from_secs(12 * 3600)));
        assert!(read_offset(&CellValue::Number(5.0)).unwrap_err().contains("120 小时"));
        assert!(read_offset(&CellValue::Number(-0.1)).unwrap_err().contains("不能为负"));
    }

    #[test]
    fn iso_durations_are_read() {
        assert_eq!(read_iso_duration("PT1H2M3S"), Some(3723));
        assert_eq!(read_iso_duration("P1DT1S"), Some(86_401));
        assert_eq!(read_iso_duration("PT1X"), None);
        assert_eq!(read_iso_duration("1H"), None);
    }

    #[test]
    fn seq_must_be_a_positive_whole_number() {
        assert_eq!(read_seq(&text("12")), Ok(12));
        assert_eq!(read_seq(&CellValue::Number(3.0)), Ok(3), "Excel stores typed numbers as floats");
        assert!(read_seq(&CellValue::Number(3.5)).is_err());
        assert!(read_seq(&text("0")).is_err());
        assert!(read_seq(&text("-1")).is_err());
        assert!(read_seq(&text("一")).is_err());
    }
}
