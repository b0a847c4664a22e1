//! Output layer: atomic file writes, HDF5 results files, and plots.

pub mod atomic;
pub mod h5;
pub mod lock;
pub mod plots;
pub mod provenance;
pub mod results;
