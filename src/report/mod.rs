//! `activesynth report`: turn one or several results files into a significance report
//! (`report.md`/`report.html`), tidy statistics (`stats.csv`, `stats.h5`) and plots
//! (`plots/*.svg|png`). docs/architecture.md §6–7; the paper's 5.4 and C.3–C.5.
//!
//! Module map: [`merge`] reads and merges inputs, [`world`] checks whether the world can
//! rank strategies at all (shown first), [`analyses`] (curves, win rate,
//! efficiency, TVD, tokens, Vendi), [`inference`] (Spearman, cumulative accuracy,
//! paired tests) and [`items`] (paired differences by test item) compute, [`sections`] writes the text into a [`doc::Doc`], [`figures`]
//! draws, [`files`] writes the stats files.

pub mod analyses;
pub mod contamination;
pub mod contrasts;
pub mod doc;
pub mod figures;
pub mod files;
pub mod inference;
pub mod items;
pub mod merge;
pub mod planning;
pub mod section_kit;
pub mod sections;
pub mod sections_contrasts;
pub mod sections_items;
pub mod sections_stats;
pub mod world;
pub mod world_check;
pub mod world_section;
pub mod world_w1;

use crate::atomic::write_atomic;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

pub use merge::{DuplicateReplicate, IncompatibleInputs};

/// Output format of the human-readable report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Html,
}

/// What to write and where.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Output directory; `None` = the first input's directory.
    pub out_dir: Option<PathBuf>,
    /// Win-rate α (the paper's 1.0).
    pub alpha: f64,
    pub formats: Vec<Format>,
    /// Draw the plots (SVG + PNG); off saves time in tests and scripts.
    pub plots: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            out_dir: None,
            alpha: crate::stats::winrate::DEFAULT_ALPHA,
            formats: vec![Format::Md],
            plots: true,
        }
    }
}

/// The files a report wrote.
#[derive(Clone, Debug, Default)]
pub struct ReportFiles {
    pub markdown: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub stats_csv: PathBuf,
    pub stats_h5: PathBuf,
    /// Every plot file (SVG and PNG).
    pub plots: Vec<PathBuf>,
    /// All numbers of the report (what `stats.csv` holds).
    pub stats: files::Stats,
}

/// Write the report of `inputs` (results files of the same scenario schema). An
/// [`IncompatibleInputs`] error (downcast from the `anyhow::Error`) names the field
/// that differs between files.
pub fn write_report(inputs: &[PathBuf], opts: &ReportOptions) -> Result<ReportFiles> {
    anyhow::ensure!(
        opts.alpha.is_finite() && opts.alpha >= 0.0,
        "--alpha must be a finite number >= 0, got {}",
        opts.alpha
    );
    let m = merge::load(inputs)?;
    let out: PathBuf = match &opts.out_dir {
        Some(d) => d.clone(),
        None => inputs[0]
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    let out = if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let seed = m.seeds.first().copied().unwrap_or(0);
    let mut stats = files::Stats::default();
    // First: whether this world can rank strategies at all (docs/world-checks.md).
    let contamination = contamination::compute(&m);
    let world_checks = world::compute(&m, &contamination, &mut stats);
    contamination::push_stats(&contamination, &mut stats);
    let curves = analyses::curves(&m, &mut stats);
    let win = analyses::win_rate(&m, &curves, opts.alpha, &mut stats)?;
    let eff: Vec<(String, Result<Vec<analyses::EffRow>, String>)> = curves
        .iter()
        .map(|tc| {
            (
                tc.task.clone(),
                analyses::efficiency(&m, tc, seed, &mut stats),
            )
        })
        .collect();
    let paired = inference::paired_tests(&m, &mut stats);
    let paired_task = contrasts::per_task_vs_random(&m, &mut stats);
    let variants = contrasts::variants(&m, &mut stats);
    let items = items::compute(&m, &mut stats);
    let aggregate = inference::aggregate(&m, seed, &mut stats);
    let paired_win = analyses::paired_win_rate(&m, opts.alpha, &mut stats)?;
    let power = planning::power_rows(&m, &mut stats);
    let corr = inference::correlations(&m, &mut stats);
    let cum = inference::cumulative(&m, &mut stats);
    let tvd = analyses::tvd(&m, &mut stats);
    let tokens = analyses::tokens(&m, &mut stats);
    let vendi = analyses::vendi(&m, seed, &mut stats);
    let figures = if opts.plots {
        let empty = Vec::new();
        figures::write_all(&out, &m, &curves, &win, cum.as_ref().unwrap_or(&empty))?
    } else {
        Vec::new()
    };
    let doc = sections::build(&sections::Inputs {
        m: &m,
        world: &world_checks,
        contamination: &contamination,
        alpha: opts.alpha,
        seed,
        curves: &curves,
        win: &win,
        eff: &eff,
        corr: &corr,
        cum: &cum,
        tvd: &tvd,
        paired: &paired,
        paired_task: &paired_task,
        variants: &variants,
        items: &items,
        aggregate: &aggregate,
        paired_win: &paired_win,
        power: &power,
        tokens: &tokens,
        vendi: &vendi,
        figures: &figures,
    });
    let mut rf = ReportFiles {
        stats_csv: out.join("stats.csv"),
        stats_h5: out.join("stats.h5"),
        ..Default::default()
    };
    for fmt in &opts.formats {
        let (path, text) = match fmt {
            Format::Md => (out.join("report.md"), doc.to_markdown()),
            Format::Html => (
                out.join("report.html"),
                doc.to_html(&format!("activesynth report: {}", m.scenario_name)),
            ),
        };
        write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        match fmt {
            Format::Md => rf.markdown = Some(path),
            Format::Html => rf.html = Some(path),
        }
    }
    files::write_csv(&rf.stats_csv, &stats)?;
    files::write_h5(&rf.stats_h5, &stats)?;
    for fg in &figures {
        for ext in ["svg", "png"] {
            rf.plots.push(out.join(format!("{}.{ext}", fg.stem)));
        }
    }
    rf.stats = stats;
    Ok(rf)
}
