//! The machine-readable side of the report: every number the report prints, as tidy rows
//! (`stats.csv`) and as arrays under named groups (`stats.h5`), so a researcher can
//! re-plot or re-test without parsing Markdown.

use crate::atomic::write_atomic;
use crate::output::h5::H5Builder;
use anyhow::{anyhow, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// One number of the report: (section, task, strategy, setting, statistic, value).
/// `task`/`strategy` are `all` when pooled; `setting` is e.g. `t=2`, `final` or a
/// strategy label (for matrices).
#[derive(Clone, Debug, PartialEq)]
pub struct StatRow {
    pub section: String,
    pub task: String,
    pub strategy: String,
    pub setting: String,
    pub statistic: String,
    pub value: f64,
}

/// The collected rows, in the order they were computed.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub rows: Vec<StatRow>,
}

impl Stats {
    /// Append one row.
    pub fn push(
        &mut self,
        section: &str,
        task: &str,
        strategy: &str,
        setting: &str,
        statistic: &str,
        value: f64,
    ) {
        self.rows.push(StatRow {
            section: section.into(),
            task: task.into(),
            strategy: strategy.into(),
            setting: setting.into(),
            statistic: statistic.into(),
            value,
        });
    }

    /// Look a value up (first match); used by tests and by the text.
    pub fn get(
        &self,
        section: &str,
        task: &str,
        strategy: &str,
        setting: &str,
        statistic: &str,
    ) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| {
                r.section == section
                    && r.task == task
                    && r.strategy == strategy
                    && r.setting == setting
                    && r.statistic == statistic
            })
            .map(|r| r.value)
    }
}

/// Format a value for CSV: full precision (shortest round-trip), `inf`/`nan` spelled out.
fn num(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v}")
    }
}

/// Write `stats.csv` atomically.
pub fn write_csv(path: &Path, stats: &Stats) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "section",
        "task",
        "strategy",
        "setting",
        "statistic",
        "value",
    ])?;
    for r in &stats.rows {
        w.write_record([
            r.section.as_str(),
            &r.task,
            &r.strategy,
            &r.setting,
            &r.statistic,
            &num(r.value),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow!("csv: {e}"))?;
    write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))
}

/// HDF5 path component: anything outside `[A-Za-z0-9_.+-]` becomes `_`.
fn part(s: &str) -> String {
    let p: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if p.is_empty() {
        "_".into()
    } else {
        p
    }
}

/// Units of a statistic, by its name (and section where the name is ambiguous);
/// "unspecified" for a statistic this table does not know yet.
pub fn stat_units(section: &str, statistic: &str) -> &'static str {
    match (section, statistic) {
        (_, "n") | (_, "random_needs") | (_, "calls") => "count",
        ("items_difficulty", "items") => "count",
        ("items_sampling", "sampling_share") => "1",
        ("items_sampling", _) => "fraction squared",
        ("items_difficulty", _) => "fraction",
        (_, s) if s.ends_with("_p") || s == "p" => "probability",
        (_, "prob_improvement") => "probability",
        (_, "input" | "output" | "judge_input" | "judge_output" | "teacher_tokens_mean") => {
            "tokens"
        }
        (_, "accuracy_per_1m_tokens" | "gain_per_1m_tokens") => "fraction per 1M tokens",
        (_, "train_size_mean") => "examples",
        (_, s) if s.ends_with("_dof") => "degrees of freedom",
        (_, "rho" | "paired_t" | "welch_t" | "tau" | "ratio" | "score") => "1",
        ("accuracy" | "paired" | "paired_task" | "variants" | "cumulative", _) => "fraction",
        ("tvd" | "winrate", _) => "probability",
        ("vendi", _) => "effective number of examples",
        _ => "unspecified",
    }
}

/// Write `stats.h5`: for each (section, task, strategy, statistic) the values over its
/// settings as `/<section>/<task>/<strategy>/<statistic>` (float64 `[k]`), in
/// computation order. Each dataset is self-describing: `description`, `units`,
/// `DIMENSION_LABELS = ["setting"]` (h5py `dims[0].label`) and a `settings` attribute
/// naming each position (the axis labels stay with the values, instead of a sibling
/// `<statistic>.settings` dataset as before). A `/provenance` group says how the file
/// was made.
pub fn write_h5(path: &Path, stats: &Stats) -> Result<()> {
    let started = std::time::SystemTime::now();
    type Entry = (Vec<f64>, Vec<String>, [String; 4]);
    let mut groups: BTreeMap<String, Entry> = BTreeMap::new();
    for r in &stats.rows {
        let key = format!(
            "/{}/{}/{}/{}",
            part(&r.section),
            part(&r.task),
            part(&r.strategy),
            part(&r.statistic)
        );
        let e = groups.entry(key).or_insert_with(|| {
            let names = [&r.section, &r.task, &r.strategy, &r.statistic];
            (Vec::new(), Vec::new(), names.map(|s| s.to_string()))
        });
        e.0.push(r.value);
        e.1.push(r.setting.clone());
    }
    let mut f = H5Builder::new();
    f.attr("/", "format", "activesynth-stats/2")?;
    f.attr(
        "/",
        "layout",
        "/<section>/<task>/<strategy>/<statistic> = values over settings; each dataset's \
         `settings` attribute names the settings (docs/stats-layout.md)",
    )?;
    for (k, (vals, settings, [section, task, strategy, statistic])) in groups {
        f.vector(&k, vals)?;
        let doc = crate::output::h5::meta::Doc::new(
            format!(
                "{statistic} of section {section} for strategy {strategy} on task {task}, \
                 one value per setting (attribute settings)"
            ),
            stat_units(&section, &statistic),
            &["setting"],
        );
        f.describe(&k, 1, &doc)?;
        f.attr(&k, "settings", settings)?;
    }
    crate::output::provenance::write(&mut f, None, started)?;
    f.write_atomic(path)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_h5_hold_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Stats::default();
        s.push("accuracy", "arith", "random", "t=0", "mean", 0.25);
        s.push("accuracy", "arith", "random", "t=1", "mean", 0.5);
        s.push("efficiency", "arith", "all", "t=1", "ratio", f64::INFINITY);
        write_csv(&dir.path().join("s.csv"), &s).unwrap();
        let text = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
        assert!(text.contains("accuracy,arith,random,t=1,mean,0.5\n"));
        assert!(text.contains("efficiency,arith,all,t=1,ratio,inf\n"));
        write_h5(&dir.path().join("s.h5"), &s).unwrap();
        let f = crate::output::h5::H5File::open(&dir.path().join("s.h5")).unwrap();
        let (v, _) = f.read_f64("/accuracy/arith/random/mean").unwrap();
        assert_eq!(v, vec![0.25, 0.5]);
        assert_eq!(
            s.get("accuracy", "arith", "random", "t=1", "mean"),
            Some(0.5)
        );
        assert_eq!(part("a b/c"), "a_b_c");
    }
}
