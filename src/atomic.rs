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

/// A per-process temporary sibling, `NAME.<pid>.tmp`, for files that several processes
/// may write at once (a shared `--cache-dir`).
pub fn tmp_path_pid(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{}{TMP_SUFFIX}", std::process::id()));
    path.with_file_name(name)
}

/// Whether `name` is a temporary file a project process wrote, and the pid that wrote
/// it when the name records one (`NAME.<pid>.tmp`, or the old `.NAME.tmp<pid>`).
fn tmp_owner(name: &str) -> Option<Option<u32>> {
    if let Some(stem) = name.strip_suffix(TMP_SUFFIX) {
        let pid = stem.rsplit_once('.').and_then(|(_, p)| p.parse().ok());
        return Some(pid);
    }
    let (_, pid) = name.rsplit_once(".tmp")?;
    (name.starts_with('.') && !pid.is_empty())
        .then(|| pid.parse().ok())
        .flatten()
        .map(Some)
}

/// Remove leftover temporary files directly inside each of `dirs` (missing ones are
/// skipped). With `only_dead`, a file whose name records a pid is removed only when that
/// process no longer exists (a shared cache another live process may be writing), and
/// files without a pid are kept. Returns the paths removed.
pub fn sweep_tmp(dirs: &[PathBuf], only_dead: bool) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = tmp_owner(&name) else {
                continue;
            };
            let live = |p: u32| Path::new("/proc").join(p.to_string()).exists();
            if only_dead && pid.is_none_or(live) {
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
        for n in [
            "results.h5.tmp".to_string(),
            format!("base-ab.ckpt.{me}.tmp"),
            "base-cd.ckpt.4000000000.tmp".to_string(),
            ".base-ef.ckpt.tmp4000000000".to_string(),
            "keep.h5".to_string(),
        ] {
            fs::write(d.join(n), b"x").unwrap();
        }
        // A shared cache: only the dead writer's files go (pid 4e9 cannot exist).
        let mut gone = sweep_tmp(&[d.to_path_buf()], true);
        gone.sort();
        assert_eq!(
            gone,
            vec![
                d.join(".base-ef.ckpt.tmp4000000000"),
                d.join("base-cd.ckpt.4000000000.tmp")
            ]
        );
        // The locked output directory: every temporary file goes, nothing else.
        assert_eq!(sweep_tmp(&[d.to_path_buf()], false).len(), 2);
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
