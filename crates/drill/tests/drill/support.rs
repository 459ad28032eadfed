//! Shared fixtures: a header line, a small township, an XLSX builder, and the demo township's layout as
//! `crates/demo/src/township.rs` makes it regardless of its random seed.

use redgrid_drill::{
    Catalogue, CatalogueCamera, CatalogueGrid, CatalogueVillage, CatalogueWorker, RowError, ScenarioFile,
};
use rust_xlsxwriter::Workbook;

/// The full header, in the format's order.
pub const HEADER: &str = "序号,时间,类型,村社区,网格,摄像头,人员,类别,等级,内容,预期处置,考核目标";

/// A CSV of the full header and the given lines.
pub fn csv(lines: &[&str]) -> Vec<u8> {
    let mut text = format!("{HEADER}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.into_bytes()
}

pub fn parse_ok(bytes: &[u8], name: &str) -> ScenarioFile {
    match redgrid_drill::parse(bytes, name) {
        Ok(file) => file,
        Err(errors) => panic!("{name} should parse, got:\n{errors}"),
    }
}

/// The errors of a file that must not parse, as (row, column, message).
pub fn parse_errors(bytes: &[u8], name: &str) -> Vec<(u32, String, String)> {
    match redgrid_drill::parse(bytes, name) {
        Ok(file) => panic!("{name} should not parse, got {} injects", file.injects.len()),
        Err(errors) => {
            assert!(!errors.errors.is_empty(), "an Err always carries at least one error");
            errors.errors.into_iter().map(triple).collect()
        }
    }
}

pub fn triple(e: RowError) -> (u32, String, String) {
    (e.row, e.column, e.message)
}

fn village(code: &str, name: &str) -> CatalogueVillage {
    CatalogueVillage { code: code.into(), name: name.into() }
}

fn grid(code: &str) -> CatalogueGrid {
    CatalogueGrid { code: code.into(), village_code: code[..12].into() }
}

fn camera(id: &str, name: &str, village_code: &str) -> CatalogueCamera {
    CatalogueCamera { id: id.into(), name: name.into(), village_code: Some(village_code.into()) }
}

fn worker(id: &str, name: &str) -> CatalogueWorker {
    CatalogueWorker { id: id.into(), name: name.into() }
}

/// A small township: two villages, a grid in each, a camera in each, three workers of whom two share a
/// name, and two villages that share a name.
pub fn small_catalogue() -> Catalogue {
    Catalogue {
        villages: vec![
            village("450802101201", "大圩村"),
            village("450802101202", "新建村"),
            village("450802101203", "同名村"),
            village("450802101204", "同名村"),
        ],
        grids: vec![grid("450802101201001"), grid("450802101202001")],
        cameras: vec![
            camera("C45080210120101", "大圩村村口", "450802101201"),
            camera("C45080210120201", "新建村村口", "450802101202"),
            camera("C45080210120301", "同名摄像头", "450802101203"),
            camera("C45080210120302", "同名摄像头", "450802101203"),
        ],
        workers: vec![worker("W1010001", "黄伟"), worker("W1010002", "李芳"), worker("W1010003", "李芳")],
    }
}

/// The demo township 港北区大圩镇 (450802101) as far as `township.rs` makes it the same for every seed:
/// its villages from `assets/divisions/guigang-villages.csv` under their short names; small grids 001–004
/// (a community has 4–7, a village 6–10); the dedicated grids 901–904 under the seat 大圩社区; each
/// village's first two cameras (村口, 村委会门前) and the three market cameras; and workers W1010001 to
/// W1010262 (at least 10 per community and 14 per village are always made). Names of workers are random
/// in the demo, so they are made up here and the shipped scenarios name workers by id.
pub fn demo_catalogue() -> Catalogue {
    let villages = [
        ("450802101001", "大圩社区"),
        ("450802101201", "大圩村"),
        ("450802101202", "新建村"),
        ("450802101203", "上莲村"),
        ("450802101204", "寻杨村"),
        ("450802101205", "民乐村"),
        ("450802101206", "甘岭村"),
        ("450802101207", "永隆村"),
        ("450802101208", "大仁村"),
        ("450802101209", "仁心村"),
        ("450802101210", "长安村"),
        ("450802101211", "石古村"),
        ("450802101212", "永福村"),
        ("450802101213", "何村村"),
        ("450802101214", "解放村"),
        ("450802101215", "东塘村"),
        ("450802101216", "东篁村"),
        ("450802101217", "中西村"),
        ("450802101218", "乐堂村"),
    ];
    let mut catalogue = Catalogue::default();
    for (code, name) in villages {
        catalogue.villages.push(village(code, name));
        for small in 1..=4 {
            catalogue.grids.push(grid(&format!("{code}{small:03}")));
        }
        catalogue.cameras.push(camera(&format!("C{code}01"), &format!("{name}村口"), code));
        catalogue.cameras.push(camera(&format!("C{code}02"), &format!("{name}村委会门前"), code));
    }
    for dedicated in 901..=904 {
        catalogue.grids.push(grid(&format!("450802101001{dedicated}")));
    }
    for (k, label) in ["集贸市场东门", "集贸市场西门", "集贸市场中心"].into_iter().enumerate()
    {
        let id = format!("C450802101001901M{}", k + 1);
        catalogue.cameras.push(camera(&id, &format!("大圩镇{label}"), "450802101001"));
    }
    for serial in 1..=262 {
        catalogue.workers.push(worker(&format!("W101{serial:04}"), &format!("网格员{serial}")));
    }
    catalogue
}

/// A cell of a test workbook.
pub enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    /// A number shown with the given Excel number format (a time, say).
    Formatted(f64, &'a str),
}

/// An XLSX with the given sheets, each a name and rows of cells starting at A1.
pub fn xlsx(sheets: &[(&str, Vec<Vec<Cell<'_>>>)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).expect("a valid sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::Text("") => {}
                    Cell::Text(text) => {
                        sheet.write_string(r, c, *text).expect("write");
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, c, *n).expect("write");
                    }
                    Cell::Formatted(n, format) => {
                        let format = rust_xlsxwriter::Format::new().set_num_format(*format);
                        sheet.write_number_with_format(r, c, *n, &format).expect("write");
                    }
                }
            }
        }
    }
    workbook.save_to_buffer().expect("an in-memory workbook")
}

/// A row of text cells from a comma-separated line (no quoting needed in tests).
pub fn text_row(line: &str) -> Vec<Cell<'_>> {
    line.split(',').map(Cell::Text).collect()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A zip of stored (uncompressed) entries, written by hand so that a test can make it say what no
/// spreadsheet program would: `declared_size` overrides the unzipped size in the central directory.
pub fn stored_zip(entries: &[(&str, &[u8])], declared_size: Option<u32>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let (crc, size) = (crc32(data), data.len() as u32);
        let header = |signature: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(signature.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes()); // version made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(0u16.to_le_bytes()); // stored
            h.extend(0u32.to_le_bytes()); // time and date
            h.extend(crc.to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend(if central { declared_size.unwrap_or(size) } else { size }.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend(*data);
        directory.extend(header(0x0201_4b50, true));
    }
    let directory_offset = out.len() as u32;
    out.extend(&directory);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((directory.len() as u32).to_le_bytes());
    out.extend(directory_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A minimal workbook of one sheet whose XML is given as it is, dimension and all.
pub fn handmade_xlsx(sheet_xml: &str, declared_size: Option<u32>) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let workbook_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    stored_zip(
        &[
            ("[Content_Types].xml", content_types.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet_xml.as_bytes()),
        ],
        declared_size,
    )
}

/// A sheet's XML around the given `<sheetData>` content and `<dimension ref>`.
pub fn sheet_xml(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}
