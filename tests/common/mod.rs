//! Helpers shared by the integration tests that drive the binary on the tiny scenario.
#![allow(dead_code)] // each test crate uses a subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_activesynth");

/// `tests/data/loop/tiny.toml`: the closed loop in a few seconds.
pub fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/loop/tiny.toml")
}

/// The binary with a clean environment for the fault-injection hooks.
pub fn activesynth() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("ACTIVESYNTH_INJECT_PANIC");
    c.env_remove("ACTIVESYNTH_INJECT_NAN");
    c
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
