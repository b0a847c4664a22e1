//! The `/provenance` group of every file activesynth writes: which program, which
//! source, which command, on which host, when, and from which scenario, so that a file
//! found later says how it was made. Replay ignores the group (it differs between two
//! executions of one scenario by design).

use crate::output::h5::H5Builder;
use anyhow::Result;
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// The group's path.
pub const GROUP: &str = "/provenance";

/// `2026-11-28T17:45:03Z` (UTC, second resolution) without a date library.
pub fn iso8601(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The git commit of the source tree this binary was built from, captured by `build.rs`
/// at build time (`+dirty` when the sources had uncommitted changes); `None` when the
/// binary was built outside a git checkout (e.g. from a source archive).
pub fn source_commit() -> Option<String> {
    option_env!("ACTIVESYNTH_BUILD_COMMIT")
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// The host name (`/proc/sys/kernel/hostname`, then `$HOSTNAME`), or "unknown".
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The command line, each argument quoted when it holds a space or a quote.
pub fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.is_empty() || a.contains([' ', '"', '\'', '\t']) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Hex SHA-256 of a text (the canonical scenario).
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes the `/provenance` group's attributes. `scenario` is the canonical scenario
/// text when the file comes from one (its hash is recorded), `started` when the work
/// began; the end time is now.
pub fn write(f: &mut H5Builder, scenario: Option<&str>, started: SystemTime) -> Result<()> {
    f.group(GROUP)?;
    f.attr(GROUP, "activesynth_version", env!("CARGO_PKG_VERSION"))?;
    f.attr(
        GROUP,
        "git_commit",
        source_commit().unwrap_or_else(|| "unknown".into()),
    )?;
    f.attr(GROUP, "command", command_line())?;
    f.attr(GROUP, "host", host())?;
    f.attr(GROUP, "start_time", iso8601(started))?;
    f.attr(GROUP, "end_time", iso8601(SystemTime::now()))?;
    if let Some(s) = scenario {
        f.attr(GROUP, "scenario_sha256", sha256_hex(s))?;
    }
    f.attr(
        GROUP,
        "description",
        "how this file was made: program version, source commit (\"unknown\" when not \
         built from a git checkout), command line, host, UTC start and end times, and the \
         SHA-256 of the canonical scenario text",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn iso_dates_match_python() {
        // datetime.fromtimestamp(t, timezone.utc).isoformat() for these t.
        let at = |s: u64| iso8601(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_801_503), "2026-11-27T17:45:03Z");
    }

    #[test]
    fn hash_is_sha256() {
        // hashlib.sha256(b"abc").hexdigest()
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
