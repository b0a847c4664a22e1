//! The `/provenance` group of every file activesynth writes: which program, which
//! source, which command, on which host, when, and from which scenario, so that a file
//! found later says how it was made. Replay ignores the group (it differs between two
//! executions of one scenario by design).

use crate::output::h5::{Attr, H5Builder, H5File};
use anyhow::Result;
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// The group's path.
pub const GROUP: &str = "/provenance";

/// The group's `description` attribute (extended by [`write_shard`] and [`write_merged`]).
const DESCRIPTION: &str = "how this file was made: program version, source commit \
     (\"unknown\" when not built from a git checkout), command line, host, the CPU \
     features that choose the matrix kernels, UTC start and end times, and the SHA-256 of \
     the canonical scenario text";

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

pub use crate::atomic::host;

/// The CPU features that choose the student's matrix kernels, e.g.
/// `x86_64 avx512f fma avx2 avx`: `matrixmultiply` picks AVX-512, FMA+AVX2, AVX or SSE2
/// code at run time, and those round differently, so result bits are reproducible across
/// machines only between machines that list the same features (docs/cluster.md).
pub fn cpu_features() -> String {
    #[allow(unused_mut)]
    let mut s = std::env::consts::ARCH.to_string();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    for (name, on) in [
        ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
        ("fma", std::arch::is_x86_feature_detected!("fma")),
        ("avx2", std::arch::is_x86_feature_detected!("avx2")),
        ("avx", std::arch::is_x86_feature_detected!("avx")),
    ] {
        if on {
            s.push(' ');
            s.push_str(name);
        }
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        s.push_str(" neon");
    }
    s
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
    f.attr(GROUP, "cpu_features", cpu_features())?;
    f.attr(GROUP, "start_time", iso8601(started))?;
    f.attr(GROUP, "end_time", iso8601(SystemTime::now()))?;
    if let Some(s) = scenario {
        f.attr(GROUP, "scenario_sha256", sha256_hex(s))?;
    }
    f.attr(GROUP, "description", DESCRIPTION)?;
    Ok(())
}

/// The shard of a results file written by `run --shard I/N`, from its `/provenance`
/// attributes `shard_index`, `shard_count` and `shard_runs`; `None` for a whole
/// execution (or a merge of shards).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardInfo {
    pub shard: crate::engine::shard::Shard,
    /// The run paths (`task/repR/strategy`) the shard executed, in canonical order.
    pub runs: Vec<String>,
}

/// Records in `/provenance` that the file holds only shard `shard` of its scenario, and
/// which runs (`runs`: run paths in canonical order). Call after [`write`].
pub fn write_shard(
    f: &mut H5Builder,
    shard: crate::engine::shard::Shard,
    runs: &[String],
) -> Result<()> {
    f.attr(GROUP, "shard", shard.to_string())?;
    f.attr(GROUP, "shard_index", shard.index as i64)?;
    f.attr(GROUP, "shard_count", shard.count as i64)?;
    f.attr(GROUP, "shard_runs", Attr::Strs(runs.to_vec()))?;
    f.attr(
        GROUP,
        "description",
        format!(
            "{DESCRIPTION}; this file is shard {shard} of its scenario (run --shard): \
             shard_index and shard_count (1-based), shard_runs lists its runs \
             (task/repR/strategy); `activesynth merge` combines the shards"
        ),
    )?;
    Ok(())
}

/// Records in `/provenance` that the file is the merge of `inputs` (one line per shard
/// file: `I/N path (host, git commit, start – end)`). Call after [`write`].
pub fn write_merged(f: &mut H5Builder, count: u32, inputs: &[String]) -> Result<()> {
    f.attr(GROUP, "merged_shard_count", count as i64)?;
    f.attr(GROUP, "merged_from", Attr::Strs(inputs.to_vec()))?;
    f.attr(
        GROUP,
        "description",
        format!(
            "{DESCRIPTION}; this file was merged (activesynth merge) from \
             merged_shard_count shards, listed in merged_from as `I/N path (host, commit, \
             start – end)`; its result tensors are those of one run"
        ),
    )?;
    Ok(())
}

/// The shard a results file holds ([`write_shard`]), if it is one.
pub fn read_shard(f: &H5File) -> Result<Option<ShardInfo>> {
    let attrs = match f.attrs(GROUP) {
        Ok(a) => a,
        // Files from before provenance existed: whole executions.
        Err(_) => return Ok(None),
    };
    let (Some(Attr::I64(i)), Some(Attr::I64(n))) =
        (attrs.get("shard_index"), attrs.get("shard_count"))
    else {
        return Ok(None);
    };
    let runs = match attrs.get("shard_runs") {
        Some(Attr::Strs(v)) => v.clone(),
        Some(Attr::Str(s)) => vec![s.clone()],
        _ => anyhow::bail!("{GROUP}: shard_index and shard_count without shard_runs"),
    };
    let (index, count) = (u32::try_from(*i)?, u32::try_from(*n)?);
    anyhow::ensure!(
        count >= 1 && (1..=count).contains(&index),
        "{GROUP}: invalid shard {index}/{count}"
    );
    Ok(Some(ShardInfo {
        shard: crate::engine::shard::Shard { index, count },
        runs,
    }))
}

/// A `/provenance` attribute as text ("unknown" when absent).
pub fn read_str(f: &H5File, name: &str) -> String {
    f.attr(GROUP, name)
        .ok()
        .flatten()
        .and_then(|a| a.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
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
