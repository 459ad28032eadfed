//! Bytes to rows: format detection, text decoding, and the limits that keep a hostile file from taking
//! the station down.
//!
//! A scenario comes from outside (a USB stick, a chat group), so nothing here trusts it. The size of the
//! file is checked before it is decoded; an XLSX's declared unzipped sizes are checked before calamine
//! opens it; its sheets are streamed cell by cell with `worksheet_cells_reader`, because calamine's
//! `worksheet_range` allocates the whole rectangle a sheet's cells span, and a 2 KB file with cells at A1
//! and XFD1048576 spans seventeen billion of them.

use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, Xlsx};

use crate::error::{RowError, ScenarioErrors};
use crate::{MAX_COLUMNS, MAX_FILE_BYTES, MAX_INJECTS};

/// Most cells (empty ones included) streamed from one sheet. A scenario at its limits has
/// 2,001 × 12 cells; styled empty cells can add many more, but not millions.
const MAX_STREAMED_CELLS: u64 = 1_000_000;
/// Most bytes an XLSX may declare once unzipped. Calamine reads shared strings and styles whole, so a
/// zip bomb there would be materialised before any cell limit applies.
const MAX_UNZIPPED_BYTES: u64 = 64 * 1024 * 1024;

/// A cell as read, before it is given a meaning by its column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CellValue {
    Empty,
    Text(String),
    /// A number without a date or time format.
    Number(f64),
    /// A cell with a date or time format: days since the epoch, or a fraction of a day for a time.
    DayFraction(f64),
    /// An ISO 8601 duration (`PT1H2M`), as some writers store a duration.
    IsoDuration(String),
}

impl CellValue {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(text) | CellValue::IsoDuration(text) => text.trim().is_empty(),
            CellValue::Number(_) | CellValue::DayFraction(_) => false,
        }
    }

    /// The cell as text, trimmed. A whole number prints without a decimal point, since a 12-digit
    /// village code typed into Excel is stored as a number.
    pub(crate) fn text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(text) | CellValue::IsoDuration(text) => text.trim().to_string(),
            CellValue::Number(n) | CellValue::DayFraction(n) => number_text(*n),
        }
    }
}

pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// One non-blank row. `number` is the row as the author counts it: the header is row 1.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) number: u32,
    pub(crate) cells: Vec<CellValue>,
}

/// The title, description and author, from a `说明` sheet or `#` lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Metadata {
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) author: String,
}

impl Metadata {
    /// Takes one `key value` pair; a repeated key adds a line, so that a description can span several
    /// `# 说明：` lines. Unknown keys are someone's notes and are skipped.
    fn add(&mut self, key: &str, value: &str) {
        let key = key.trim().trim_end_matches([':', '：']).trim().to_lowercase();
        let target = match key.as_str() {
            "标题" | "title" => &mut self.title,
            "说明" | "描述" | "description" => &mut self.description,
            "编写人" | "作者" | "author" => &mut self.author,
            _ => return,
        };
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if !target.is_empty() {
            target.push('\n');
        }
        target.push_str(value);
    }

    /// Reads `标题：洪水转移演练` (the text of a `#` line after the `#`), with a full-width or ASCII colon.
    fn add_line(&mut self, line: &str) {
        if let Some(at) = line.find([':', '：']) {
            let colon = line[at..].chars().next().map_or(1, char::len_utf8);
            self.add(&line[..at], &line[at + colon..]);
        }
    }
}

/// The inject sheet: its header row first, then its non-blank rows, with the metadata.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) metadata: Metadata,
    /// The header row, row 1.
    pub(crate) header: Vec<CellValue>,
    pub(crate) rows: Vec<Row>,
}

/// Reads a file's bytes into the inject table.
pub(crate) fn read(bytes: &[u8], file_name: &str) -> Result<Table, ScenarioErrors> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(RowError::file(format!(
            "文件 {file_name} 有 {:.1} MiB，超过演练脚本的上限 5 MiB；请删去图片或无关的工作表",
            bytes.len() as f64 / (1024.0 * 1024.0)
        ))
        .into());
    }
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    // The content decides over the name: a workbook renamed to .csv is still a workbook.
    if is_zip {
        return read_xlsx(bytes, file_name);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(RowError::file(format!(
            "文件 {file_name} 是旧版 Excel（.xls）或加密的工作簿；请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再导入"
        ))
        .into());
    }
    if matches!(extension.as_str(), "xlsx" | "xlsm") {
        return Err(RowError::file(format!(
            "文件 {file_name} 不是有效的 .xlsx 工作簿（文件已损坏或并非 Excel 文件）"
        ))
        .into());
    }
    read_csv(bytes, file_name)
}

fn too_many_injects() -> RowError {
    RowError::file(format!("演练脚本超过 {MAX_INJECTS} 条，请拆分为几个脚本"))
}

fn too_many_columns(row: u32) -> RowError {
    RowError::file(format!("第 {row} 行超过 {MAX_COLUMNS} 列：这不像演练脚本，请检查是否选错了文件"))
}

/// Takes the rows of a sheet (numbered from 1 in the sheet), reads leading `#` rows as metadata, and
/// numbers the rest so that the header is row 1.
fn into_table(sheet_rows: Vec<Row>, mut metadata: Metadata) -> Result<Table, ScenarioErrors> {
    let mut rows = sheet_rows.into_iter().peekable();
    while let Some(row) = rows.peek() {
        let first = row.cells.iter().find(|c| !c.is_empty()).map(CellValue::text).unwrap_or_default();
        let Some(line) = first.strip_prefix('#') else { break };
        metadata.add_line(line);
        rows.next();
    }
    let Some(header) = rows.next() else {
        return Err(
            RowError::file("文件中没有表头行：第一行应为「序号、时间、类型、村社区、内容」等列名").into()
        );
    };
    let base = header.number - 1;
    let rows: Vec<Row> = rows.map(|r| Row { number: r.number - base, cells: r.cells }).collect();
    if rows.len() > MAX_INJECTS {
        return Err(too_many_injects().into());
    }
    Ok(Table { metadata, header: header.cells, rows })
}

// ---------------------------------------------------------------------------------------------- CSV

/// UTF-8 (a BOM is dropped) if the bytes are valid UTF-8, else GBK: what Excel writes for "CSV UTF-8"
/// and for plain "CSV" on Chinese Windows.
fn decode(bytes: &[u8], file_name: &str) -> Result<String, ScenarioErrors> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
            .ok_or_else(|| {
                RowError::file(format!("文件 {file_name} 的文字编码无法识别，应为 UTF-8 或 GBK")).into()
            }),
    }
}

/// The text of a `#` line before the header, or `None` if the line is something else. Excel writes a
/// `#` line back with trailing commas for the empty cells, and in quotes if the text has a comma.
fn metadata_line(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if trimmed.starts_with('#') {
        return Some(trimmed.trim_end_matches([',', '\t']).trim()[1..].to_string());
    }
    if trimmed.starts_with("\"#") {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(trimmed.as_bytes());
        let record = reader.records().next()?.ok()?;
        return record.get(0).map(|first| first.trim()[1..].to_string());
    }
    None
}

fn read_csv(bytes: &[u8], file_name: &str) -> Result<Table, ScenarioErrors> {
    let text = decode(bytes, file_name)?;
    let text = text.trim_start_matches('\u{feff}');
    let mut metadata = Metadata::default();
    // The header is the first line that is neither blank nor a `#` line; what comes before it does not
    // count as rows.
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            start += line.len();
            continue;
        }
        match metadata_line(line) {
            Some(meta) => metadata.add_line(&meta),
            None => break,
        }
        start += line.len();
    }
    let rest = &text[start..];
    let first_line = rest.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(rest.as_bytes());
    let mut rows = Vec::new();
    // The csv reader skips blank lines and lets a quoted cell span lines; the row number Excel would show
    // counts each blank line as a row and each record, however many lines it spans, as one.
    let mut previous: Option<(u64, u64, u32)> = None; // (first line, newlines inside, row number)
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(
                    RowError::file(format!("文件 {file_name} 第 {line} 行附近的 CSV 格式有误：{e}")).into()
                );
            }
        }
        // A record's position is where the previous one ended, before the blank lines the reader skipped.
        let (mut line, byte) = record.position().map_or((1, 0), |p| (p.line(), p.byte() as usize));
        let mut skipped = rest.get(byte..).unwrap_or_default();
        while let Some(after) = skipped.strip_prefix('\n').or_else(|| skipped.strip_prefix("\r\n")) {
            line += 1;
            skipped = after;
        }
        let number = match previous {
            None => line as u32,
            Some((previous_line, inside, previous_number)) => {
                previous_number + (line.saturating_sub(previous_line + inside)).max(1) as u32
            }
        };
        let inside = record.iter().map(|field| field.matches('\n').count() as u64).sum();
        previous = Some((line, inside, number));
        let cells: Vec<CellValue> = record.iter().map(|v| CellValue::Text(v.to_string())).collect();
        let used = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
        if used == 0 {
            continue;
        }
        if used > MAX_COLUMNS {
            return Err(too_many_columns(number).into());
        }
        // Header plus the most injects; checked as rows arrive so that a huge file stops early.
        if rows.len() > MAX_INJECTS {
            return Err(too_many_injects().into());
        }
        rows.push(Row { number, cells: cells.into_iter().take(used).collect() });
    }
    into_table(rows, metadata)
}

// --------------------------------------------------------------------------------------------- XLSX

fn read_u16(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as u64)
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as u64)
}

/// The sum of the unzipped sizes a zip declares in its central directory, or `None` if the directory
/// cannot be read (calamine then reports the file as broken) or is ZIP64 (no real scenario needs it).
fn declared_unzipped_bytes(bytes: &[u8]) -> Option<u64> {
    const END_OF_DIRECTORY: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const DIRECTORY_ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let lowest = bytes.len().saturating_sub(22 + 65_535);
    let end = (lowest..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&at| bytes[at..].starts_with(&END_OF_DIRECTORY))?;
    let entries = read_u16(bytes, end + 10)?;
    let mut at = usize::try_from(read_u32(bytes, end + 16)?).ok()?;
    let mut total = 0u64;
    for _ in 0..entries {
        if !bytes.get(at..)?.starts_with(&DIRECTORY_ENTRY) {
            return None;
        }
        let size = read_u32(bytes, at + 24)?;
        if size == u64::from(u32::MAX) {
            return Some(u64::MAX);
        }
        total += size;
        let name = read_u16(bytes, at + 28)? as usize;
        let extra = read_u16(bytes, at + 30)? as usize;
        let comment = read_u16(bytes, at + 32)? as usize;
        at += 46 + name + extra + comment;
    }
    Some(total)
}

/// `A`, …, `Z`, `AA`, … for a 0-based column index.
fn column_letters(mut col: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

fn unreadable(file_name: &str, e: impl std::fmt::Display) -> ScenarioErrors {
    RowError::file(format!("无法读取工作簿 {file_name}：{e}")).into()
}

fn read_xlsx(bytes: &[u8], file_name: &str) -> Result<Table, ScenarioErrors> {
    if declared_unzipped_bytes(bytes).is_some_and(|total| total > MAX_UNZIPPED_BYTES) {
        return Err(RowError::file(format!(
            "工作簿 {file_name} 解压后超过 {} MiB，不像演练脚本，已拒绝读取",
            MAX_UNZIPPED_BYTES / (1024 * 1024)
        ))
        .into());
    }
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(file_name, e))?;
    let sheets: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let is_notes = |name: &str| name.trim() == "说明";
    let inject_sheet = sheets
        .iter()
        .find(|n| matches!(n.trim().to_lowercase().as_str(), "演练脚本" | "injects"))
        .or_else(|| sheets.iter().find(|n| !is_notes(n)))
        .cloned()
        .ok_or_else(|| {
            RowError::file(format!("工作簿 {file_name} 中没有演练脚本工作表（除「说明」外至少要有一张表）"))
        })?;
    let mut metadata = Metadata::default();
    if let Some(notes) = sheets.iter().find(|n| is_notes(n)).cloned() {
        for row in read_sheet(&mut workbook, &notes, file_name)? {
            let mut cells = row.cells.iter();
            if let (Some(key), Some(value)) = (cells.next(), cells.next()) {
                metadata.add(&key.text(), &value.text());
            }
        }
    }
    let rows = read_sheet(&mut workbook, &inject_sheet, file_name)?;
    into_table(rows, metadata)
}

fn cell_value(value: DataRef<'_>) -> CellValue {
    match value {
        DataRef::Empty => CellValue::Empty,
        DataRef::Int(i) => CellValue::Number(i as f64),
        DataRef::Float(f) => CellValue::Number(f),
        DataRef::String(s) | DataRef::DateTimeIso(s) => CellValue::Text(s),
        DataRef::SharedString(s) => CellValue::Text(s.to_string()),
        DataRef::Bool(b) => CellValue::Text(if b { "TRUE" } else { "FALSE" }.to_string()),
        DataRef::DateTime(dt) => CellValue::DayFraction(dt.as_f64()),
        DataRef::DurationIso(s) => CellValue::IsoDuration(s),
        DataRef::Error(e) => CellValue::Text(e.to_string()),
    }
}

/// Streams one sheet's non-blank rows, numbered as in Excel (from 1), refusing a sheet past the limits
/// before it is held in memory.
fn read_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
    file_name: &str,
) -> Result<Vec<Row>, ScenarioErrors> {
    let mut cells = workbook.worksheet_cells_reader(sheet).map_err(|e| unreadable(file_name, e))?;
    let declared = cells.dimensions();
    let declared_rows = u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1;
    let declared_columns = u64::from(declared.end.1.saturating_sub(declared.start.1)) + 1;
    if declared.end.1 as usize >= MAX_COLUMNS || declared_rows * declared_columns > MAX_STREAMED_CELLS {
        return Err(RowError::file(format!(
            "工作表「{sheet}」声明的范围为 {}{}:{}{}，超过 {MAX_COLUMNS} 列或 {MAX_STREAMED_CELLS} 个单元格，不像演练脚本，已拒绝读取；\
             请把脚本复制到新的工作簿再保存",
            column_letters(declared.start.1),
            declared.start.0 + 1,
            column_letters(declared.end.1),
            declared.end.0 + 1
        ))
        .into());
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut streamed = 0u64;
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(file_name, e))? {
        streamed += 1;
        if streamed > MAX_STREAMED_CELLS {
            return Err(RowError::file(format!(
                "工作表「{sheet}」的单元格超过 {MAX_STREAMED_CELLS} 个，已拒绝读取"
            ))
            .into());
        }
        let (row, col) = cell.get_position();
        let value = cell_value(cell.get_value().clone());
        if value.is_empty() {
            continue;
        }
        let number = row.saturating_add(1);
        // A declared dimension can lie; the real position of every cell with a value is checked too.
        if col as usize >= MAX_COLUMNS {
            return Err(too_many_columns(number).into());
        }
        let row_index = match rows.last() {
            Some(last) if last.number == number => rows.len() - 1,
            _ => {
                // Header, the most injects, and a few `#` rows before the header.
                if rows.len() > MAX_INJECTS + 16 {
                    return Err(too_many_injects().into());
                }
                rows.push(Row { number, cells: Vec::new() });
                rows.len() - 1
            }
        };
        let cells = &mut rows[row_index].cells;
        if cells.len() <= col as usize {
            cells.resize(col as usize + 1, CellValue::Empty);
        }
        cells[col as usize] = value;
    }
    // Rows are written in order by every spreadsheet program, but nothing forces a file to be.
    rows.sort_by_key(|r| r.number);
    rows.dedup_by(|later, earlier| {
        if later.number != earlier.number {
            return false;
        }
        for (i, cell) in std::mem::take(&mut later.cells).into_iter().enumerate() {
            if !cell.is_empty() {
                if earlier.cells.len() <= i {
                    earlier.cells.resize(i + 1, CellValue::Empty);
                }
                earlier.cells[i] = cell;
            }
        }
        true
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_excel() {
        // Excel's last column is XFD (index 16383); AA follows Z.
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn metadata_takes_either_colon_and_joins_repeated_keys() {
        let mut metadata = Metadata::default();
        metadata.add_line(" 标题：洪水转移演练");
        metadata.add_line(" description: 第一段");
        metadata.add_line(" 说明：第二段");
        metadata.add_line(" 备注：不认识的键被跳过");
        assert_eq!(metadata.title, "洪水转移演练");
        assert_eq!(metadata.description, "第一段\n第二段", "a repeated key adds a line");
        assert_eq!(metadata.author, "");
    }

    #[test]
    fn excel_resaved_metadata_lines_lose_their_trailing_commas_and_quotes() {
        assert_eq!(metadata_line("# 标题：演练,,,,\r\n").as_deref(), Some(" 标题：演练"));
        assert_eq!(metadata_line("\"# 说明：甲,乙\",,,\n").as_deref(), Some(" 说明：甲,乙"));
        assert_eq!(metadata_line("序号,时间"), None);
    }
}
