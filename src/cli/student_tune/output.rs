//! The table `student tune` prints and the CSV file it writes (`--out`), one line per
//! configuration of the grid.

use super::Row;
use crate::stats::summary;
use anyhow::Context as _;
use std::fmt::Write as _;

pub(super) fn rank_name(r: u32) -> String {
    if r == 0 {
        "full".into()
    } else {
        r.to_string()
    }
}

/// The table, one line per configuration.
pub(super) fn table(rows: &[Row], k: usize) -> String {
    let mut s = format!(
        "{:>8}  {:>5}  {:>6}  {:>8}  {:>8}  {:>7}  {:>17}  {:>10}  {:>7}\n",
        "lr", "rank", "epochs", "val acc", "gain", "SE", "95% t-interval", "best ep", "wall s"
    );
    for r in rows {
        let c = r.config;
        let ci = if k >= 2 {
            format!("[{:+.3}, {:+.3}]", r.low, r.high)
        } else {
            "-".into()
        };
        let se = if k >= 2 {
            format!("{:.3}", r.se)
        } else {
            "-".into()
        };
        let eps: Vec<String> = r.fits.iter().map(|f| f.best_epoch.to_string()).collect();
        let flag = if r.diverged() { "  diverged" } else { "" };
        let _ = writeln!(
            s,
            "{:>8}  {:>5}  {:>6}  {:>8.3}  {:>+8.3}  {:>7}  {:>17}  {:>10}  {:>7.1}{flag}",
            c.lr,
            rank_name(c.rank),
            c.epochs,
            r.val_mean(),
            r.gain,
            se,
            ci,
            eps.join(","),
            r.secs()
        );
    }
    s
}

pub(super) fn write_csv(path: &std::path::Path, rows: &[Row]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "lr",
        "lora_rank",
        "epochs",
        "replicates",
        "base_val_accuracy",
        "val_accuracy",
        "gain",
        "gain_se",
        "gain_low",
        "gain_high",
        "val_by_replicate",
        "best_epoch_by_replicate",
        "diverged",
        "wall_s",
    ])?;
    let join = |v: Vec<String>| v.join(";");
    for r in rows {
        w.write_record([
            r.config.lr.to_string(),
            r.config.rank.to_string(),
            r.config.epochs.to_string(),
            r.fits.len().to_string(),
            summary::mean(&r.base).to_string(),
            r.val_mean().to_string(),
            r.gain.to_string(),
            r.se.to_string(),
            r.low.to_string(),
            r.high.to_string(),
            join(r.fits.iter().map(|f| f.val.to_string()).collect()),
            join(r.fits.iter().map(|f| f.best_epoch.to_string()).collect()),
            r.diverged().to_string(),
            format!("{:.1}", r.secs()),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    crate::atomic::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))
}
