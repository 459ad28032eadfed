//! Drill scenarios (演练脚本): the master scenario events list a political-legal commissioner writes in
//! Excel, read and checked before a drill starts, so that nothing fails half-way through the exercise.
//!
//! Reading is in two phases, because the first needs only the file and the second needs the township:
//!
//! - [`parse`] reads XLSX or CSV bytes into a [`ScenarioFile`]: every cell typed (times, kinds,
//!   categories, severities, expected actions), references to villages, grids, cameras and workers still
//!   as written. `table` turns bytes into rows under hard limits, since the file comes from outside;
//!   `file` gives the rows their meaning.
//! - [`ScenarioFile::resolve`] checks those references against a [`Catalogue`] of the township and gives
//!   a [`Scenario`] whose injects name villages, grids, cameras and workers by code and id (`resolve`).
//!
//! Both phases are all-or-nothing: a bad file yields every bad cell at once as [`ScenarioErrors`], each a
//! [`RowError`] naming the row and the column as the author sees them in Excel, so one round of fixes is
//! enough. [`Scenario::to_csv`] writes a scenario back in the same format (`write`), which is how a
//! real night is replayed as a drill. [`shipped`] holds the scenarios that come with the product.
//!
//! *Architecture invariant*: no I/O. The crate parses bytes it is given and reads no clock, file or
//! database; the caller loads the file and builds the catalogue.

mod error;
mod file;
mod resolve;
mod table;
mod vocabulary;
mod write;

pub mod score;
pub use error::{RowError, ScenarioErrors};
pub use file::{parse, RawInject, ScenarioFile};
pub use resolve::{
    parse_village_mapping, Catalogue, CatalogueCamera, CatalogueGrid, CatalogueVillage, CatalogueWorker,
    Inject, Scenario,
};
pub use vocabulary::{ExpectedAction, InjectKind};

/// Largest file accepted, before anything is decoded or unzipped.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Most injects in one scenario: a drill is half an hour to a few hours, not a register.
pub const MAX_INJECTS: usize = 2_000;
/// Most columns a sheet may use; the format has twelve, so more means the wrong file.
pub const MAX_COLUMNS: usize = 64;

/// The scenarios shipped with the product, as (file name, bytes), for the app to offer as they are or as
/// models to copy. They are written for the demo township (港北区大圩镇) and resolve against its catalogue.
pub fn shipped() -> Vec<(&'static str, &'static [u8])> {
    vec![
        (
            "flood-evacuation-three-villages.csv",
            include_bytes!("../../../assets/drills/flood-evacuation-three-villages.csv"),
        ),
        ("market-crowd-night.csv", include_bytes!("../../../assets/drills/market-crowd-night.csv")),
        ("factory-fire.csv", include_bytes!("../../../assets/drills/factory-fire.csv")),
        ("typhoon-callup-muster.csv", include_bytes!("../../../assets/drills/typhoon-callup-muster.csv")),
    ]
}
