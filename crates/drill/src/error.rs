//! The one error shape of both phases: a list of cells to fix, each placed as the author sees it.

use std::fmt;

/// One thing wrong with a scenario file.
///
/// `row` counts as in the spreadsheet with the header row as row 1, so the first inject is row 2 (in a
/// CSV the `#` lines before the header are not counted); 0 means the file as a whole (too large, not a
/// spreadsheet, a bad `--villages` argument). `column` is the header as written in the file, or the
/// Chinese header when the column is missing. `message` is a complete Chinese sentence that already
/// names the row and column, so that a list of them can be shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub row: u32,
    pub column: String,
    pub message: String,
}

impl RowError {
    /// An error in one cell: the message is prefixed with the row and column.
    pub(crate) fn cell(row: u32, column: &str, detail: impl fmt::Display) -> RowError {
        RowError {
            row, column: column.to_string(), message: format!("第 {row} 行「{column}」：{detail}")
        }
    }

    /// An error of the header row that belongs to no cell (a missing column).
    pub(crate) fn header(column: &str, detail: impl fmt::Display) -> RowError {
        RowError { row: 1, column: column.to_string(), message: format!("第 1 行：{detail}") }
    }

    /// An error of the file as a whole.
    pub(crate) fn file(detail: impl fmt::Display) -> RowError {
        RowError { row: 0, column: String::new(), message: detail.to_string() }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every error found in a file, in row order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors {
    pub errors: Vec<RowError>,
}

impl ScenarioErrors {
    pub(crate) fn one(error: RowError) -> ScenarioErrors {
        ScenarioErrors { errors: vec![error] }
    }

    /// Sorted by row, keeping the order found within a row (the order of the columns).
    pub(crate) fn from_unsorted(mut errors: Vec<RowError>) -> ScenarioErrors {
        errors.sort_by_key(|e| e.row);
        ScenarioErrors { errors }
    }
}

impl From<RowError> for ScenarioErrors {
    fn from(error: RowError) -> ScenarioErrors {
        ScenarioErrors::one(error)
    }
}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&error.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}
