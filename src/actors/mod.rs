//! actors (in progress).
