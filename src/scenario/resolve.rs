//! Task defaults and the fully resolved scenario (every applicable `Option` filled;
//! strategy parameters and labels come from the strategy registry, `selection::registry`), so that downstream code never re-implements a
//! default and `activesynth check` can show exactly what will run.

use super::{Scenario, StrategySpec, StudentSpec, TaskSpec};

impl TaskSpec {
    /// The student recipe of this task's worlds and runs: the scenario's `[student]`
    /// with this task's overrides applied — pre-training (`pretrain_examples`,
    /// `pretrain_epochs`, `pretrain_max_difficulty`) and fine-tuning (`epochs`,
    /// `learning_rate`, `lora_rank`). Everything that builds, fine-tunes, estimates or
    /// validates a task's student goes through this ([`crate::engine::world::World::student`]
    /// in a run); the architecture stays the scenario's.
    pub fn student(&self, st: &StudentSpec) -> StudentSpec {
        StudentSpec {
            pretrain_examples: self.pretrain_examples.unwrap_or(st.pretrain_examples),
            pretrain_epochs: self.pretrain_epochs.unwrap_or(st.pretrain_epochs),
            pretrain_max_difficulty: self
                .pretrain_max_difficulty
                .unwrap_or(st.pretrain_max_difficulty),
            epochs: self.epochs.unwrap_or(st.epochs),
            learning_rate: self.learning_rate.unwrap_or(st.learning_rate),
            lora_rank: self.lora_rank.unwrap_or(st.lora_rank),
            ..st.clone()
        }
    }

    /// m, the seeds selected per iteration in this task's runs: this task's
    /// `samples_per_iteration`, else the scenario's. Everything that selects, estimates
    /// or validates per task goes through this.
    pub fn samples_per_iteration(&self, scenario_m: u32) -> u32 {
        self.samples_per_iteration.unwrap_or(scenario_m)
    }

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
        let other = text.replace(
            "name = \"game24\"\n",
            "name = \"game24\"\npretrain_corpus = \"other-targets\"\n",
        );
        let scn = super::super::parse(&other, "t.toml").unwrap();
        assert!(scn
            .to_toml()
            .contains("pretrain_corpus = \"other-targets\""));
        assert_eq!(
            scn.tasks[0].pretrain_corpus,
            super::super::PretrainCorpus::OtherTargets
        );
        assert!(!scn.to_toml().contains("pretrain_rewrite_share"));
        let mixed = other.replace(
            "\"other-targets\"\n",
            "\"other-targets\"\npretrain_rewrite_share = 0.125\n",
        );
        let scn = super::super::parse(&mixed, "t.toml").unwrap();
        let again = super::super::parse(&scn.to_toml(), "again.toml").unwrap();
        assert_eq!(again.tasks[0].pretrain_rewrite_share, Some(0.125));
        // decontaminate: written only when set, round-trips.
        assert!(!scn.to_toml().contains("decontaminate"));
        let clean = text.replace(
            "name = \"game24\"\n",
            "name = \"game24\"\ndecontaminate = true\n",
        );
        let again = super::super::parse(
            &super::super::parse(&clean, "t.toml").unwrap().to_toml(),
            "again.toml",
        )
        .unwrap();
        assert_eq!(again.tasks[0].decontaminate, Some(true));
        // solutions_per_question: written only when set, round-trips.
        assert!(!scn.to_toml().contains("solutions_per_question"));
        let several = text.replace(
            "name = \"game24\"\n",
            "name = \"game24\"\nsolutions_per_question = 3\n",
        );
        let scn = super::super::parse(&several, "t.toml").unwrap();
        let again = super::super::parse(&scn.to_toml(), "again.toml").unwrap();
        assert_eq!(again.tasks[0].solutions_per_question, Some(3));
        assert_eq!(
            again.tasks[0].seed_questions(),
            scn.tasks[0].seed_size.div_ceil(3)
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

    /// A task's own m applies to that task only, is written out only when set (so the
    /// canonical text, and hash, of a scenario without it is unchanged), and lets the
    /// scenario's m exceed that task's seed set, which the task no longer draws from.
    #[test]
    fn per_task_m_overrides_only_its_task() {
        let parse = |t: &str| super::super::parse(t, "t.toml");
        let text = "name = \"t\"\nsamples_per_iteration = 500\n[[tasks]]\nname = \"arith\"\nseed_size = 300\nsamples_per_iteration = 100\n[[tasks]]\nname = \"mathmix\"\nseed_size = 2000\n[[strategies]]\nname = \"random\"\n";
        let s = parse(text).unwrap();
        assert_eq!(
            s.tasks[0].samples_per_iteration(s.samples_per_iteration),
            100
        );
        assert_eq!(
            s.tasks[1].samples_per_iteration(s.samples_per_iteration),
            500
        );
        let canonical = s.to_toml();
        assert_eq!(canonical.matches("samples_per_iteration = 100").count(), 1);
        assert_eq!(parse(&canonical).unwrap(), s);
        let plain =
            parse("name = \"t\"\n[[tasks]]\nname = \"arith\"\n[[strategies]]\nname = \"random\"\n")
                .unwrap();
        assert_eq!(plain.to_toml().matches("samples_per_iteration").count(), 1);
        let err = parse(&text.replace("samples_per_iteration = 100", "samples_per_iteration = 0"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("tasks[0].samples_per_iteration"), "{err}");
    }

    /// A task's own pre-training budget gives that task exactly the recipe it would get
    /// from `[student]` with those values (so the same base and cache key), and leaves
    /// the other tasks on `[student]`'s; a rehearsal larger than a task's corpus is
    /// refused naming that task's field and line; out-of-range values are refused.
    #[test]
    fn per_task_pretraining_budget_overrides_only_its_task() {
        let parse = |t: &str| super::super::parse(t, "t.toml");
        let head = "name = \"t\"\n[[strategies]]\nname = \"random\"\n";
        let global = parse(&format!(
            "{head}[[tasks]]\nname = \"game24\"\n[student]\npretrain_examples = 5000\npretrain_epochs = 30\n"
        ))
        .unwrap();
        let per_task = parse(&format!(
            "{head}[[tasks]]\nname = \"game24\"\npretrain_examples = 5000\npretrain_epochs = 30\n[[tasks]]\nname = \"arith\"\n"
        ))
        .unwrap();
        let want = global.tasks[0].student(&global.student);
        assert_eq!(per_task.tasks[0].student(&per_task.student), want);
        assert_eq!((want.pretrain_examples, want.pretrain_epochs), (5000, 30));
        assert_eq!(
            per_task.tasks[1].student(&per_task.student),
            per_task.student
        );
        assert_ne!(per_task.student.pretrain_examples, 5000);
        // written out only when set, and read back
        let text = per_task.to_toml();
        assert_eq!(text.matches("pretrain_examples = 5000").count(), 1);
        assert_eq!(parse(&text).unwrap(), per_task);

        let err = parse(&format!(
            "{head}[[tasks]]\nname = \"arith\"\n[[tasks]]\nname = \"game24\"\npretrain_examples = 100\n[student]\nreplay_examples = 200\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("tasks[1].pretrain_examples"), "{err}");
        assert!(
            err.contains("t.toml:8:"),
            "names the line of the field: {err}"
        );
        let err = parse(&format!(
            "{head}[[tasks]]\nname = \"arith\"\npretrain_epochs = 0\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("tasks[0].pretrain_epochs"), "{err}");
    }

    /// A task's own fine-tuning recipe and base difficulty cap apply to that task only,
    /// are written out only when set (an unchanged canonical text and hash for scenarios
    /// without them) and read back; out-of-range values, and a learning rate whose decay
    /// step would flip weights' signs, are refused at the task's field and line.
    #[test]
    fn per_task_recipe_overrides_only_its_task() {
        let parse = |t: &str| super::super::parse(t, "t.toml");
        let head = "name = \"t\"\n[[strategies]]\nname = \"random\"\n";
        let text = format!(
            "{head}[[tasks]]\nname = \"arith\"\n[[tasks]]\nname = \"game24\"\nepochs = 30\nlearning_rate = 0.0005\nlora_rank = 16\npretrain_max_difficulty = 3\n"
        );
        let s = parse(&text).unwrap();
        let g = s.tasks[1].student(&s.student);
        assert_eq!(
            (
                g.epochs,
                g.learning_rate,
                g.lora_rank,
                g.pretrain_max_difficulty
            ),
            (30, 0.0005, 16, 3)
        );
        assert_eq!(s.tasks[0].student(&s.student), s.student);
        assert_ne!(
            (
                s.student.epochs,
                s.student.lora_rank,
                s.student.pretrain_max_difficulty
            ),
            (30, 16, 3),
            "the test's values differ from the defaults"
        );
        let canonical = s.to_toml();
        assert_eq!(canonical.matches("lora_rank = 16").count(), 1);
        assert_eq!(parse(&canonical).unwrap(), s);
        let plain = parse(&format!("{head}[[tasks]]\nname = \"arith\"\n")).unwrap();
        assert_eq!(
            plain.to_toml().matches("pretrain_max_difficulty").count(),
            1,
            "only [student]'s"
        );

        for (bad, field) in [
            ("epochs = 30", "epochs = 0"),
            ("learning_rate = 0.0005", "learning_rate = 2.0"),
            ("lora_rank = 16", "lora_rank = 5000"),
            (
                "pretrain_max_difficulty = 3",
                "pretrain_max_difficulty = 101",
            ),
        ] {
            let err = parse(&text.replace(bad, field)).unwrap_err().to_string();
            let name = field.split(' ').next().unwrap();
            assert!(err.contains(&format!("tasks[1].{name}")), "{err}");
            assert!(err.contains("outside the documented range"), "{err}");
            let line = text.lines().position(|l| l == bad).unwrap() + 1;
            assert!(err.contains(&format!("t.toml:{line}:")), "{err}");
        }
        let err = parse(&format!(
            "{}[student]\nweight_decay = 1.0\n",
            text.replace("learning_rate = 0.0005", "learning_rate = 1.0")
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("tasks[1].learning_rate"), "{err}");
        assert!(err.contains("below 1"), "{err}");
    }

    #[test]
    #[should_panic(expected = "unknown task \"physics\"")]
    fn an_unknown_task_gets_no_silent_default() {
        let mut t = task("arith");
        t.name = "physics".into();
        t.dedup_or_default();
    }
}
