//! scoring (in progress).
