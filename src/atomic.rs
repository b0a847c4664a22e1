//! Crash-safe file writes: write `NAME.tmp`, fsync it, rename over `NAME`, fsync the
//! directory. A reader (or a resumed run) therefore sees either the old complete file or
//! the new complete file, never a torn one.
//!
//! Every temporary file of the project ends in [`TMP_SUFFIX`]: a process killed mid-write
//! leaves one behind, and [`sweep_tmp`] removes them when the next `run` starts (under
//! the output directory's lock, so never a live writer's).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Suffix of every temporary file.
pub const TMP_SUFFIX: &str = ".tmp";

/// A per-process temporary sibling, `NAME.<pid>@<host>.tmp`, for files that several
/// processes, possibly on several hosts of a cluster, may write at once (a shared
/// `--cache-dir`; docs/cluster.md).
pub fn tmp_path_pid(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(
        ".{}@{}{TMP_SUFFIX}",
        std::process::id(),
        host_tag()
    ));
    path.with_file_name(name)
}

/// The host name (`/proc/sys/kernel/hostname`, then `$HOSTNAME`), or "unknown". Lives
/// here, at the bottom layer, because temporary file names carry it; `/provenance`
/// records it too.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// This host's name as it appears in temporary file names: only `[A-Za-z0-9_-]` (so
/// that the name still splits at its dots).
fn host_tag() -> String {
    host()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Who wrote a temporary file, as far as its name says.
#[derive(Debug, PartialEq, Eq)]
enum Owner {
    /// No pid in the name.
    Unknown,
    /// A process of this host (or of an older build, which did not record the host).
    Local(u32),
    /// A process of another host, whose liveness cannot be checked from here.
    Remote,
}

/// A temporary file of another host is presumed dead (a crashed node) after this long;
/// writing a checkpoint takes seconds.
const REMOTE_STALE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Whether `name` is a temporary file a project process wrote, and who wrote it when the
/// name records it (`NAME.<pid>@<host>.tmp`, the older `NAME.<pid>.tmp` and
/// `.NAME.tmp<pid>`).
fn tmp_owner(name: &str) -> Option<Owner> {
    if let Some(stem) = name.strip_suffix(TMP_SUFFIX) {
        let Some((_, tag)) = stem.rsplit_once('.') else {
            return Some(Owner::Unknown);
        };
        let (pid, host) = match tag.split_once('@') {
            Some((p, h)) => (p, Some(h)),
            None => (tag, None),
        };
        return Some(match (pid.parse().ok(), host) {
            (None, _) => Owner::Unknown,
            (Some(p), None) => Owner::Local(p),
            (Some(p), Some(h)) if h == host_tag() => Owner::Local(p),
            (Some(_), Some(_)) => Owner::Remote,
        });
    }
    let (_, pid) = name.rsplit_once(".tmp")?;
    (name.starts_with('.') && !pid.is_empty())
        .then(|| pid.parse().ok())
        .flatten()
        .map(Owner::Local)
}

/// Remove leftover temporary files directly inside each of `dirs` (missing ones are
/// skipped). With `only_dead`, a file whose name records a pid of this host is removed
/// only when that process no longer exists (a shared cache another live process may be
/// writing), one of another host only when it is older than a day, and files without a
/// pid are kept. Returns the paths removed.
pub fn sweep_tmp(dirs: &[PathBuf], only_dead: bool) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(owner) = tmp_owner(&name) else {
                continue;
            };
            let live = |p: u32| Path::new("/proc").join(p.to_string()).exists();
            let stale = || {
                e.metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > REMOTE_STALE)
            };
            let keep = match owner {
                Owner::Unknown => true,
                Owner::Local(p) => live(p),
                Owner::Remote => !stale(),
            };
            if only_dead && keep {
                continue;
            }
            if e.file_type().is_ok_and(|t| t.is_file()) && fs::remove_file(e.path()).is_ok() {
                removed.push(e.path());
            }
        }
    }
    removed
}

/// The temporary sibling a write goes through: `NAME` + `.tmp` in the same directory
/// (same filesystem, so the rename is atomic).
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically (see the module doc). Creates missing parent
/// directories. On error the temporary file is removed and `path` is left untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let tmp = tmp_path(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; not every platform can open a directory.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmp_name_appends_suffix() {
        assert_eq!(
            tmp_path(Path::new("out/results.h5")),
            PathBuf::from("out/results.h5.tmp")
        );
    }

    #[test]
    fn replaces_content_and_leaves_no_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.bin");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second!").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second!");
        assert!(!tmp_path(&p).exists());
    }

    #[test]
    fn sweep_removes_leftovers_and_spares_live_writers() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let me = std::process::id();
        let mine = tmp_path_pid(Path::new("base-gh.ckpt"));
        let host = host_tag();
        for n in [
            "results.h5.tmp".to_string(),
            format!("base-ab.ckpt.{me}.tmp"),
            mine.to_string_lossy().into_owned(),
            "base-cd.ckpt.4000000000.tmp".to_string(),
            format!("base-ij.ckpt.4000000000@{host}.tmp"),
            // Another host's live writer: its pid means nothing here.
            "base-kl.ckpt.4000000000@some-other-node.tmp".to_string(),
            ".base-ef.ckpt.tmp4000000000".to_string(),
            "keep.h5".to_string(),
        ] {
            fs::write(d.join(n), b"x").unwrap();
        }
        assert_eq!(
            mine.to_string_lossy(),
            format!("base-gh.ckpt.{me}@{host}.tmp")
        );
        // Another host's writer that died two days ago (a crashed node).
        let old = d.join("base-mn.ckpt.1@some-other-node.tmp");
        fs::write(&old, b"x").unwrap();
        let two_days = std::time::Duration::from_secs(2 * 24 * 3600);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - two_days)
            .unwrap();
        // A shared cache: only the dead writers' files go (pid 4e9 cannot exist).
        let mut gone = sweep_tmp(&[d.to_path_buf()], true);
        gone.sort();
        assert_eq!(
            gone,
            vec![
                d.join(".base-ef.ckpt.tmp4000000000"),
                d.join("base-cd.ckpt.4000000000.tmp"),
                d.join(format!("base-ij.ckpt.4000000000@{host}.tmp")),
                old,
            ]
        );
        // The locked output directory: every temporary file goes, nothing else.
        assert_eq!(sweep_tmp(&[d.to_path_buf()], false).len(), 4);
        let left: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, vec!["keep.h5".to_string()]);
    }

    #[test]
    fn failed_write_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bin");
        write_atomic(&p, b"old").unwrap();
        // A directory squatting on the tmp name makes File::create fail.
        fs::create_dir(tmp_path(&p)).unwrap();
        assert!(write_atomic(&p, b"new").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old");
    }
}
