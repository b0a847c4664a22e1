//! Records the git commit the binary is built from, so `/provenance/git_commit` names
//! the source of the code that ran, not whatever the checkout holds when a run writes
//! its file (a binary built at one commit and run after a `git pull` used to record the
//! newer commit).

use std::process::Command;

/// Paths whose contents make the binary; a change to one reruns this script.
const SOURCES: [&str; 5] = ["src", "kernels", "Cargo.toml", "Cargo.lock", "build.rs"];

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    for p in SOURCES {
        println!("cargo:rerun-if-changed={p}");
    }
    // A new commit or a staged change moves HEAD, the branch ref or the index.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/index");
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        println!("cargo:rerun-if-changed={common}/packed-refs");
        if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={common}/{r}");
        }
    }
    let commit = git(&["rev-parse", "HEAD"])
        .filter(|h| !h.is_empty())
        .map(|head| {
            let mut args = vec!["status", "--porcelain", "--untracked-files=no", "--"];
            args.extend(SOURCES);
            let dirty = git(&args).is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{head}+dirty")
            } else {
                head
            }
        })
        .unwrap_or_default();
    println!("cargo:rustc-env=ACTIVESYNTH_BUILD_COMMIT={commit}");
}
