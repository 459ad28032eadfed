//! A scenario written back as the CSV the commissioner edits: how a real night becomes a drill.

use crate::resolve::{lookup_is, Catalogue, Scenario};
use crate::vocabulary::Column;

impl Scenario {
    /// The scenario as a UTF-8 CSV with `#` metadata lines and the Chinese headers, which [`crate::parse`]
    /// reads back to the same scenario (rows renumbered in time order). Villages, cameras and workers are
    /// written by name where the name alone finds them in the catalogue, since the file is for people to
    /// edit, and by code or id where it does not.
    pub fn to_csv(&self, catalogue: &Catalogue) -> String {
        let mut out = String::new();
        for (key, value) in [("标题", &self.title), ("说明", &self.description), ("编写人", &self.author)]
        {
            for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
                out.push_str(&format!("# {key}：{line}\n"));
            }
        }
        let mut writer =
            csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let header: Vec<&str> = Column::ALL.iter().map(|c| c.header_zh()).collect();
        // Writing to a Vec cannot fail, and every record has the header's length.
        let _ = writer.write_record(&header);
        for inject in &self.injects {
            let village = catalogue
                .villages
                .iter()
                .find(|v| v.code == inject.village_code)
                .filter(|v| lookup_is(&catalogue.villages, &v.name, |x| &x.code, |x| &x.name, &v.code))
                .map_or(inject.village_code.clone(), |v| v.name.clone());
            let camera = inject.camera_id.as_ref().map(|id| {
                catalogue
                    .cameras
                    .iter()
                    .find(|c| &c.id == id)
                    .filter(|c| lookup_is(&catalogue.cameras, &c.name, |x| &x.id, |x| &x.name, &c.id))
                    .map_or(id.clone(), |c| c.name.clone())
            });
            let worker = inject.worker_id.as_ref().map(|id| {
                catalogue
                    .workers
                    .iter()
                    .find(|w| &w.id == id)
                    .filter(|w| lookup_is(&catalogue.workers, &w.name, |x| &x.id, |x| &x.name, &w.id))
                    .map_or(id.clone(), |w| w.name.clone())
            });
            let seconds = inject.offset.as_secs();
            let expected: Vec<&str> = inject.expected.iter().map(|a| a.name_zh()).collect();
            let record = [
                inject.seq.to_string(),
                // Always two colons: one colon would read back as mm:ss.
                format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60),
                inject.kind.name_zh().to_string(),
                village,
                inject.grid.clone().unwrap_or_default(),
                camera.unwrap_or_default(),
                worker.unwrap_or_default(),
                inject.category.map(|c| c.name_zh().to_string()).unwrap_or_default(),
                inject.severity.name_zh().to_string(),
                inject.content.clone(),
                expected.join("、"),
                inject.objective.clone(),
            ];
            let _ = writer.write_record(&record);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(&bytes));
        out
    }
}
