//! Instants, and the local calendar of Asia/Shanghai.
//!
//! China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every date the
//! product handles and spares the core a time-zone database.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// An instant, always UTC inside the program.
pub type Instant = DateTime<Utc>;

/// The offset of Asia/Shanghai.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The local date of an instant in Asia/Shanghai.
pub fn local_date(at: Instant) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// The instant a local date starts (00:00 Asia/Shanghai).
pub fn start_of_local_day(date: NaiveDate) -> Instant {
    shanghai()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// A calendar month in Asia/Shanghai, as statistics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// The month an instant falls in, in Asia/Shanghai.
    pub fn of(at: Instant) -> Month {
        let date = local_date(at);
        Month { year: date.year(), month: date.month() }
    }

    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let month: u32 = month.parse().ok()?;
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Month { year, month })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("validated on construction")
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    /// The half-open span `[start, end)` of the month in UTC instants.
    pub fn span(self) -> (Instant, Instant) {
        (start_of_local_day(self.first_day()), start_of_local_day(self.next().first_day()))
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}
