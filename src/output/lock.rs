//! One writer per output directory: an advisory `flock` on `DIR/.lock`, held for the
//! whole `run` (or `replay`) and released by the kernel when the process exits, however
//! it exits (a SIGKILL included), so a crash never leaves a stale lock behind. The file
//! holds the holder's pid so that a refused second run can name it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// A held lock; dropping it (or exiting) releases it.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

impl DirLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why the directory could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it (its pid when the file names one).
    Held { dir: PathBuf, pid: Option<u32> },
    /// The directory or lock file could not be created or locked.
    Io { path: PathBuf, error: io::Error },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { dir, pid } => {
                let who = pid.map_or("another activesynth process".to_string(), |p| {
                    format!("another activesynth process (pid {p})")
                });
                write!(
                    f,
                    "{} is in use by {who}; wait for it to finish or choose another --out",
                    dir.display()
                )
            }
            LockError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for LockError {}

/// Lock `dir` (created if missing) for this process, without waiting.
pub fn lock_dir(dir: &Path) -> Result<DirLock, LockError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |error| LockError::Io { path, error }
    };
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join(".lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_err(&path))?;
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(LockError::Held {
                dir: dir.to_path_buf(),
                pid: text.trim().parse().ok(),
            });
        }
        return Err(LockError::Io { path, error });
    }
    let write_pid = |f: &mut File| -> io::Result<()> {
        f.set_len(0)?;
        f.rewind()?;
        writeln!(f, "{}", std::process::id())?;
        f.flush()
    };
    write_pid(&mut file).map_err(io_err(&path))?;
    Ok(DirLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_the_pid_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_dir(dir.path()).unwrap();
        assert!(first.path().ends_with(".lock"));
        // flock locks belong to the open file description: a second open in the same
        // process conflicts just as another process would.
        match lock_dir(dir.path()) {
            Err(LockError::Held { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        assert!(lock_dir(dir.path()).is_ok());
    }
}
