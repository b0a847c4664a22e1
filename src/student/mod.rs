//! student (in progress).
