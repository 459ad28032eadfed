//! Cameras, named as their NVR knows them so that alerts can be matched to a place and a grid.

use crate::grid::GridCode;

#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    pub id: String,
    /// The camera's name in the NVR's own configuration (Frigate's camera key).
    pub nvr_name: String,
    pub name: String,
    pub grid: GridCode,
    pub lon: f64,
    pub lat: f64,
}
