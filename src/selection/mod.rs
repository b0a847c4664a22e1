//! selection (in progress).
