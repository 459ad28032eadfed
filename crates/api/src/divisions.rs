//! Administrative divisions (county, township, village) as published in the national statistical codes.
//!
//! The product ships Guigang's files in `assets/divisions/`; `redgrid import divisions DIR` reads any
//! files with the same columns.

use std::collections::BTreeMap;

/// The division files, as text.
#[derive(Debug, Clone, Copy)]
pub struct DivisionFiles<'a> {
    pub counties: &'a str,
    pub townships: &'a str,
    pub villages: &'a str,
    /// `code,name,longitude,latitude` of county (and prefecture) centres.
    pub centres: &'a str,
}

/// Guigang's divisions, built into the program.
pub const GUIGANG: DivisionFiles<'static> = DivisionFiles {
    counties: include_str!("../../../assets/divisions/guigang-counties.csv"),
    townships: include_str!("../../../assets/divisions/guigang-townships.csv"),
    villages: include_str!("../../../assets/divisions/guigang-villages.csv"),
    centres: include_str!("../../../assets/divisions/guangxi-centres.csv"),
};

#[derive(Debug, Clone, PartialEq)]
pub struct County {
    pub code: String,
    pub name: String,
    pub centre: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Township {
    pub code: String,
    pub name: String,
    pub county_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Village {
    pub code: String,
    pub name: String,
    pub township_code: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Divisions {
    pub counties: BTreeMap<String, County>,
    pub townships: BTreeMap<String, Township>,
    /// Villages in code order.
    pub villages: Vec<Village>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DivisionError {
    #[error("{file} 第 {line} 行：{message}")]
    BadLine { file: &'static str, line: usize, message: String },
    #[error("{file} 缺少列“{column}”")]
    MissingColumn { file: &'static str, column: &'static str },
}

/// A line number and the row's values by column name.
type CsvRow = (usize, BTreeMap<String, String>);

/// Reads a CSV with a header row into maps of column → value, keeping line numbers (1-based, header = 1).
fn read_csv(file: &'static str, text: &str, required: &[&'static str]) -> Result<Vec<CsvRow>, DivisionError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| DivisionError::BadLine { file, line: 1, message: e.to_string() })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    for column in required {
        if !headers.iter().any(|h| h == column) {
            return Err(DivisionError::MissingColumn { file, column });
        }
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| DivisionError::BadLine { file, line, message: e.to_string() })?;
        let row = headers.iter().cloned().zip(record.iter().map(|v| v.trim().to_string())).collect();
        rows.push((line, row));
    }
    Ok(rows)
}

fn digits(
    file: &'static str,
    line: usize,
    value: &str,
    len: usize,
    what: &str,
) -> Result<String, DivisionError> {
    if value.len() == len && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_string())
    } else {
        Err(DivisionError::BadLine {
            file, line, message: format!("{what}“{value}”应为 {len} 位数字")
        })
    }
}

impl Divisions {
    pub fn parse(files: DivisionFiles<'_>) -> Result<Divisions, DivisionError> {
        let mut centres = BTreeMap::new();
        for (line, row) in read_csv("centres", files.centres, &["code", "longitude", "latitude"])? {
            // Some counties in the source have no coordinates; they simply have no centre.
            if row["longitude"].is_empty() || row["latitude"].is_empty() {
                continue;
            }
            let parse = |key: &str| {
                row[key].parse::<f64>().map_err(|_| DivisionError::BadLine {
                    file: "centres",
                    line,
                    message: format!("{key}“{}”不是数字", row[key]),
                })
            };
            centres.insert(row["code"].clone(), (parse("longitude")?, parse("latitude")?));
        }
        let mut divisions = Divisions::default();
        for (line, row) in read_csv("counties", files.counties, &["code", "name"])? {
            let code = digits("counties", line, &row["code"], 6, "区县代码")?;
            let centre = centres.get(&code).copied();
            divisions.counties.insert(code.clone(), County { code, name: row["name"].clone(), centre });
        }
        for (line, row) in read_csv("townships", files.townships, &["code", "name"])? {
            let code = digits("townships", line, &row["code"], 9, "乡镇代码")?;
            let county_code = code[..6].to_string();
            divisions
                .townships
                .insert(code.clone(), Township { code, name: row["name"].clone(), county_code });
        }
        for (line, row) in read_csv("villages", files.villages, &["code", "name"])? {
            let code = digits("villages", line, &row["code"], 12, "村（社区）代码")?;
            let township_code = code[..9].to_string();
            if !divisions.townships.contains_key(&township_code) {
                return Err(DivisionError::BadLine {
                    file: "villages",
                    line,
                    message: format!("村（社区）{code} 所属乡镇 {township_code} 不在乡镇文件中"),
                });
            }
            divisions.villages.push(Village { code, name: row["name"].clone(), township_code });
        }
        divisions.villages.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(divisions)
    }

    pub fn villages_of<'a>(&'a self, township_code: &'a str) -> impl Iterator<Item = &'a Village> + 'a {
        self.villages.iter().filter(move |v| v.township_code == township_code)
    }

    /// The centre of a township's county, or of the prefecture when the county has none.
    pub fn county_centre(&self, township_code: &str) -> Option<(f64, f64)> {
        let county = self.counties.get(township_code.get(..6)?)?;
        county.centre
    }
}

/// Trims the administrative suffix from a village committee's name for display: `县东社区居委会` → `县东社区`.
pub fn short_village_name(name: &str) -> String {
    for suffix in ["村民委员会", "居民委员会", "村委会", "居委会"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return match suffix {
                "村民委员会" | "村委会" => format!("{stem}村"),
                _ if stem.ends_with("社区") => stem.to_string(),
                _ => format!("{stem}社区"),
            };
        }
    }
    name.to_string()
}
