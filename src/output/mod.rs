//! Output layer: HDF5 results files and plots (atomic writes: `crate::atomic`).

pub mod h5;
pub mod lock;
pub mod plots;
pub mod provenance;
pub mod results;
