//! Drill scenarios (演练脚本) checked against this station's township before a drill starts.
//!
//! `redgrid-drill` does no I/O, so the station builds the [`Catalogue`] it resolves against from the
//! registers, and gives every caller (the CLI, the desktop shell, the tests) one check with one answer.

use redgrid_drill::{CatalogueCamera, CatalogueGrid, CatalogueVillage, CatalogueWorker};

// The types of the answers, so that the CLI and the shell reach the drill crate through the facade alone.
pub use redgrid_drill::{Catalogue, RowError, Scenario, MAX_FILE_BYTES};

use crate::{Result, Station};

/// What checking a scenario file found.
///
/// A bad file is an answer, not an error: the commissioner needs every cell to fix at once, so the
/// errors are data here and `Err` is kept for a station that cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillValidation {
    /// Whether the file can be run as it is: no errors, and `scenario` is there.
    pub ok: bool,
    /// The title from the file's metadata; empty when the file could not be read at all.
    pub title: String,
    /// How many injects the file has, counted before the township is looked at, so that a file whose
    /// references do not resolve still says how long it is; 0 when it could not be read.
    pub injects: usize,
    /// Every problem, in row order: those of reading the file if it could not be read, else those of
    /// resolving it against the township.
    pub errors: Vec<RowError>,
    /// The scenario ready to run, when `ok`.
    pub scenario: Option<Scenario>,
}

impl Station {
    /// The township as a scenario may name it: villages by their short names as the registers hold them
    /// (大圩村), every grid below a village with the village it lies in, the cameras with their
    /// villages, and the workers.
    ///
    /// Grids are read down to the level above the households: a drill places items on small, micro and
    /// dedicated grids, never on a household, and a township's household grids outnumber all its other
    /// grids together, many times over.
    pub async fn drill_catalogue(&self) -> Result<Catalogue> {
        let scheme = self.scheme();
        let village_depth = scheme.village_depth();
        let village_len = scheme.level(village_depth).map_or(12, |level| level.code_len);
        let deepest = scheme.levels().len().saturating_sub(1);
        let above_households = scheme.depth_of_key("household").map_or(deepest, |d| d.saturating_sub(1));
        let max_depth = above_households.max(village_depth);

        let mut catalogue = Catalogue::default();
        for node in self.store().grid_tree(max_depth as i64).await? {
            let depth = usize::try_from(node.depth).unwrap_or(0);
            if depth == village_depth {
                catalogue.villages.push(CatalogueVillage { code: node.code, name: node.name });
            } else if depth > village_depth && node.code.len() > village_len {
                let village_code = node.code[..village_len].to_string();
                catalogue.grids.push(CatalogueGrid { code: node.code, village_code });
            }
        }
        for camera in self.store().cameras(&scheme).await? {
            // A camera registered on the township itself lies in no village; the check that an alert
            // comes from the row's village is then skipped rather than failed.
            let village_code =
                camera.grid.ancestor_at(village_depth, &scheme).map(|village| village.as_str().to_string());
            catalogue.cameras.push(CatalogueCamera { id: camera.id, name: camera.name, village_code });
        }
        for record in self.store().workers(&scheme).await? {
            catalogue.workers.push(CatalogueWorker { id: record.worker.id, name: record.worker.name });
        }
        Ok(catalogue)
    }

    /// Reads a scenario file and checks it against the township, so that nothing fails half-way
    /// through the drill. The registers are read only once the file itself is sound: a file that is
    /// not a scenario costs nothing at city scale.
    pub async fn validate_drill_scenario(&self, bytes: &[u8], file_name: &str) -> Result<DrillValidation> {
        let file = match redgrid_drill::parse(bytes, file_name) {
            Ok(file) => file,
            Err(unreadable) => {
                return Ok(DrillValidation {
                    ok: false,
                    title: String::new(),
                    injects: 0,
                    errors: unreadable.errors,
                    scenario: None,
                })
            }
        };
        let catalogue = self.drill_catalogue().await?;
        let (errors, scenario) = match file.resolve(&catalogue) {
            Ok(scenario) => (Vec::new(), Some(scenario)),
            Err(unresolved) => (unresolved.errors, None),
        };
        Ok(DrillValidation {
            ok: scenario.is_some(),
            title: file.title,
            injects: file.injects.len(),
            errors,
            scenario,
        })
    }
}
