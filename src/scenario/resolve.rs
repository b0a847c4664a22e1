//! Task defaults and the fully resolved scenario (every applicable `Option` filled;
//! strategy parameters and labels come from the strategy registry, `selection::registry`), so that downstream code never re-implements a
//! default and `activesynth check` can show exactly what will run.

use super::{Scenario, StrategySpec, TaskSpec};

impl TaskSpec {
    /// The task registry's defaults for this task's teacher (`Task::teacher_defaults`).
    /// Panics on a task name the registry does not know: loading a scenario rejects
    /// one, so only a scenario built in code without validation can get here, and an
    /// unknown task never silently takes another task's defaults.
    fn teacher_defaults(&self) -> crate::tasks::TeacherDefaults {
        crate::tasks::by_name(&self.name)
            .unwrap_or_else(|| {
                panic!(
                    "unknown task \"{}\" (expected one of {:?}); scenarios are validated when loaded",
                    self.name,
                    crate::tasks::TASK_NAMES
                )
            })
            .teacher_defaults()
    }

    /// Verifier gate on synthetic data: explicit value, else the task's default (on for
    /// game24 only).
    pub fn verify_synthetic_or_default(&self) -> bool {
        self.verify_synthetic
            .unwrap_or_else(|| self.teacher_defaults().verify_synthetic)
    }

    /// ROUGE-L dedup: explicit value, else the task's default (off for game24 only, as
    /// in the paper).
    pub fn dedup_or_default(&self) -> bool {
        self.dedup.unwrap_or_else(|| self.teacher_defaults().dedup)
    }
}

impl Scenario {
    /// Output directory: explicit `output.dir`, else `runs/<name>`.
    pub fn output_dir(&self) -> String {
        self.output
            .dir
            .clone()
            .unwrap_or_else(|| format!("runs/{}", self.name))
    }

    /// The same scenario with every default written out: strategy labels and applicable
    /// parameters, per-task `verify_synthetic` and `dedup`, and `output.dir`.
    pub fn resolved(&self) -> Scenario {
        let mut s = self.clone();
        for t in &mut s.tasks {
            t.verify_synthetic = Some(t.verify_synthetic_or_default());
            t.dedup = Some(t.dedup_or_default());
        }
        s.strategies = self.strategies.iter().map(StrategySpec::resolved).collect();
        s.output.dir = Some(self.output_dir());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(name: &str) -> TaskSpec {
        let text = format!(
            "name = \"t\"\n[[tasks]]\nname = \"{name}\"\n[[strategies]]\nname = \"random\"\n"
        );
        super::super::parse(&text, "t.toml")
            .unwrap()
            .tasks
            .remove(0)
    }

    #[test]
    fn with_defaults_is_a_tasks_entry_naming_only_the_task() {
        for name in crate::tasks::TASK_NAMES {
            assert_eq!(TaskSpec::with_defaults(name), task(name));
        }
    }

    #[test]
    fn task_defaults_come_from_the_task_registry() {
        let arith = task("arith");
        assert!(arith.dedup_or_default() && !arith.verify_synthetic_or_default());
        let game24 = task("game24");
        assert!(!game24.dedup_or_default() && game24.verify_synthetic_or_default());
    }

    /// The default pre-training corpus is not written into the canonical text, so the
    /// text (and hash) of every scenario that does not use the knob is unchanged; a
    /// scenario that uses it keeps it through a round trip.
    #[test]
    fn pretrain_corpus_is_written_only_when_not_the_default() {
        let text =
            "name = \"t\"\n[[tasks]]\nname = \"game24\"\n[[strategies]]\nname = \"random\"\n";
        let plain = super::super::parse(text, "t.toml").unwrap();
        assert!(!plain.to_toml().contains("pretrain_corpus"));
        let with = text.replace(
            "name = \"game24\"\n",
            "name = \"game24\"\npretrain_corpus = \"rewrites\"\n",
        );
        let scn = super::super::parse(&with, "t.toml").unwrap();
        let again = super::super::parse(&scn.to_toml(), "again.toml").unwrap();
        assert_eq!(
            again.tasks[0].pretrain_corpus,
            super::super::PretrainCorpus::Rewrites
        );
        assert!(super::super::parse(
            &text.replace(
                "name = \"game24\"\n",
                "name = \"game24\"\npretrain_corpus = \"rewrite\"\n",
            ),
            "bad.toml"
        )
        .is_err());
    }

    #[test]
    #[should_panic(expected = "unknown task \"physics\"")]
    fn an_unknown_task_gets_no_silent_default() {
        let mut t = task("arith");
        t.name = "physics".into();
        t.dedup_or_default();
    }
}
