//! Semantic checks that serde cannot express (names, ranges, cross-field constraints).
//! Each failure is located at the offending key in the original text, so the message is
//! as precise as a parse error.

use super::error::{quoted_list, ScenarioError};
use super::locate::{line_col, SpanIndex};
use super::{Param, Scenario, SelectMode, STRATEGY_NAMES};
use crate::tasks::TASK_NAMES;

/// Builds located errors for one text.
pub(crate) struct Ctx<'a> {
    pub(crate) text: &'a str,
    pub(crate) file: &'a str,
    pub(crate) index: &'a SpanIndex,
}

impl Ctx<'_> {
    /// An error at `path` (the key's line if written, else its nearest written parent).
    pub(crate) fn at(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        let (line, column) = self
            .index
            .offset_of(path)
            .map_or((1, 1), |o| line_col(self.text, o));
        ScenarioError::Invalid {
            file: self.file.to_string(),
            line,
            column,
            field: Some(path.to_string()),
            message: message.into(),
        }
    }

    /// The first of `paths` the text writes explicitly, else the first one.
    fn written(&self, paths: &[&str]) -> String {
        paths
            .iter()
            .copied()
            .find(|p| self.index.has(p))
            .unwrap_or(paths[0])
            .to_string()
    }
}

type Check = Result<(), ScenarioError>;

fn positive(ctx: &Ctx, path: &str, v: u32) -> Check {
    if v == 0 {
        return Err(ctx.at(path, "must be at least 1, got 0"));
    }
    Ok(())
}

fn probability(ctx: &Ctx, path: &str, v: f64) -> Check {
    if !(0.0..=1.0).contains(&v) {
        return Err(ctx.at(path, format!("expected a probability in [0, 1], got {v}")));
    }
    Ok(())
}

fn positive_real(ctx: &Ctx, path: &str, v: f64) -> Check {
    if !(v.is_finite() && v > 0.0) {
        return Err(ctx.at(path, format!("expected a finite number > 0, got {v}")));
    }
    Ok(())
}

fn non_negative_real(ctx: &Ctx, path: &str, v: f64) -> Check {
    if !(v.is_finite() && v >= 0.0) {
        return Err(ctx.at(path, format!("expected a finite number >= 0, got {v}")));
    }
    Ok(())
}

/// Labels become CSV values, HDF5 group names and file names.
fn label_ok(l: &str) -> bool {
    !l.is_empty()
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
}

/// Every semantic check, first failure wins (in the order of the file's sections).
pub(crate) fn validate(s: &Scenario, ctx: &Ctx) -> Check {
    if s.name.trim().is_empty() {
        return Err(ctx.at("name", "must not be empty"));
    }
    positive(ctx, "replicates", s.replicates)?;
    positive(ctx, "iterations", s.iterations)?;
    positive(ctx, "samples_per_iteration", s.samples_per_iteration)?;
    check_tasks(s, ctx)?;
    check_strategies(s, ctx)?;
    check_student(s, ctx)?;
    check_rest(s, ctx)?;
    super::bounds::check_bounds(s).map_err(|e| ctx.at(&e.field, e.message))
}

fn check_tasks(s: &Scenario, ctx: &Ctx) -> Check {
    if s.tasks.is_empty() {
        return Err(ctx.at(
            "tasks",
            format!(
                "at least one task is required (add a [[tasks]] entry with name one of {})",
                quoted_list(&TASK_NAMES)
            ),
        ));
    }
    for (i, t) in s.tasks.iter().enumerate() {
        let p = |k: &str| format!("tasks[{i}].{k}");
        if !TASK_NAMES.contains(&t.name.as_str()) {
            return Err(ctx.at(
                &p("name"),
                format!(
                    "unknown task; expected one of {}, got \"{}\"",
                    quoted_list(&TASK_NAMES),
                    t.name
                ),
            ));
        }
        if let Some(j) = s.tasks[..i].iter().position(|o| o.name == t.name) {
            return Err(ctx.at(
                &p("name"),
                format!("duplicate task \"{}\" (already tasks[{j}])", t.name),
            ));
        }
        positive(ctx, &p("seed_size"), t.seed_size)?;
        positive(ctx, &p("val_size"), t.val_size)?;
        positive(ctx, &p("test_size"), t.test_size)?;
        if let Some(m) = t.samples_per_iteration {
            positive(ctx, &p("samples_per_iteration"), m)?;
        }
        let m = t.samples_per_iteration(s.samples_per_iteration);
        if m > t.seed_size {
            let m_field = if t.samples_per_iteration.is_some() {
                p("samples_per_iteration")
            } else {
                "samples_per_iteration".to_string()
            };
            let at = ctx.written(&[&m_field, &p("seed_size")]);
            return Err(ctx.at(
                &at,
                format!(
                    "{m_field} (m = {m}) exceeds tasks[{i}].seed_size = {} ({}): \
                     m seeds cannot be selected from a smaller seed set",
                    t.seed_size, t.name
                ),
            ));
        }
        if s.teacher.few_shot > t.seed_size {
            let at = ctx.written(&["teacher.few_shot", &p("seed_size")]);
            return Err(ctx.at(
                &at,
                format!(
                    "teacher.few_shot = {} exceeds tasks[{i}].seed_size = {}",
                    s.teacher.few_shot, t.seed_size
                ),
            ));
        }
        if t.pretrain_corpus == super::PretrainCorpus::OtherTargets
            && crate::tasks::by_name(&t.name).is_some_and(|k| k.transfer_corpus().is_none())
        {
            return Err(ctx.at(
                &p("pretrain_corpus"),
                format!(
                    "\"other-targets\" is a game24 corpus (puzzles with targets other than 24); task \"{}\" has none: use \"seeds\" or \"rewrites\"",
                    t.name
                ),
            ));
        }
        if t.solutions_per_question.is_some()
            && !crate::tasks::by_name(&t.name).is_some_and(|task| task.has_several_answers())
        {
            return Err(ctx.at(
                &p("solutions_per_question"),
                format!(
                    "task \"{}\" has one answer per question; only game24 (several solutions per puzzle) takes solutions_per_question",
                    t.name
                ),
            ));
        }
        if t.pretrain_rewrite_share.is_some()
            && t.pretrain_corpus != super::PretrainCorpus::OtherTargets
        {
            return Err(ctx.at(
                &p("pretrain_rewrite_share"),
                "mixes the teacher's rewrites into the \"other-targets\" corpus; set pretrain_corpus = \"other-targets\" or remove it".to_string(),
            ));
        }
    }
    Ok(())
}

fn check_strategies(s: &Scenario, ctx: &Ctx) -> Check {
    if s.strategies.is_empty() {
        return Err(ctx.at(
            "strategies",
            format!(
                "at least one strategy is required (add a [[strategies]] entry with name one of {})",
                quoted_list(&STRATEGY_NAMES)
            ),
        ));
    }
    // Label → index: the duplicate check stays linear in the number of strategies.
    let mut labels: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(s.strategies.len());
    for (i, st) in s.strategies.iter().enumerate() {
        let p = |k: &str| format!("strategies[{i}].{k}");
        if !STRATEGY_NAMES.contains(&st.name.as_str()) {
            return Err(ctx.at(
                &p("name"),
                format!(
                    "unknown strategy; expected one of {}, got \"{}\"",
                    quoted_list(&STRATEGY_NAMES),
                    st.name
                ),
            ));
        }
        for param in Param::ALL {
            let applies = param.applies_to();
            if st.is_set(param) && !applies.contains(&st.name.as_str()) {
                return Err(ctx.at(
                    &p(param.key()),
                    format!(
                        "`{}` does not apply to strategy \"{}\" (only to {})",
                        param.key(),
                        st.name,
                        quoted_list(&applies)
                    ),
                ));
            }
        }
        if let Some(t) = st.temperature {
            if st.mode_or_default() != SelectMode::Softmax {
                return Err(ctx.at(
                    &p("temperature"),
                    "`temperature` only applies with mode = \"softmax\"",
                ));
            }
            positive_real(ctx, &p("temperature"), t)?;
        }
        if let Some(k) = st.dims {
            positive(ctx, &p("dims"), k)?;
        }
        if let Some(l) = &st.label {
            if !label_ok(l) {
                return Err(ctx.at(
                    &p("label"),
                    format!(
                        "expected a non-empty label of letters, digits and - _ . +, got \"{l}\""
                    ),
                ));
            }
        }
        let label = st.resolved_label();
        if let Some(&j) = labels.get(&label) {
            let at = ctx.written(&[&p("label"), &format!("strategies[{i}]")]);
            return Err(ctx.at(
                &at,
                format!(
                    "duplicate strategy label \"{label}\" (same as strategies[{j}]); \
                     set distinct `label`s"
                ),
            ));
        }
        labels.insert(label, i);
    }
    Ok(())
}

fn check_student(s: &Scenario, ctx: &Ctx) -> Check {
    let st = &s.student;
    positive(ctx, "student.layers", st.layers)?;
    positive(ctx, "student.d_model", st.d_model)?;
    positive(ctx, "student.heads", st.heads)?;
    if !st.d_model.is_multiple_of(st.heads) {
        let at = ctx.written(&["student.heads", "student.d_model"]);
        return Err(ctx.at(
            &at,
            format!(
                "student.heads = {} must divide student.d_model = {} (head size d_model/heads)",
                st.heads, st.d_model
            ),
        ));
    }
    positive(ctx, "student.d_ff", st.d_ff)?;
    positive(ctx, "student.context", st.context)?;
    positive(ctx, "student.batch_size", st.batch_size)?;
    positive(ctx, "student.epochs", st.epochs)?;
    positive(ctx, "student.max_new_tokens", st.max_new_tokens)?;
    if st.max_new_tokens > st.context {
        let at = ctx.written(&["student.max_new_tokens", "student.context"]);
        return Err(ctx.at(
            &at,
            format!(
                "student.max_new_tokens = {} exceeds student.context = {}",
                st.max_new_tokens, st.context
            ),
        ));
    }
    if st.replay_examples > st.pretrain_examples {
        let at = ctx.written(&["student.replay_examples", "student.pretrain_examples"]);
        return Err(ctx.at(
            &at,
            format!(
                "student.replay_examples = {} exceeds student.pretrain_examples = {}: replay draws from the base's pre-training corpus",
                st.replay_examples, st.pretrain_examples
            ),
        ));
    }
    for (i, t) in s.tasks.iter().enumerate() {
        let n = t.student(st).pretrain_examples;
        if st.replay_examples > n {
            let field = format!("tasks[{i}].pretrain_examples");
            let at = ctx.written(&[field.as_str(), "student.replay_examples"]);
            return Err(ctx.at(
                &at,
                format!(
                    "student.replay_examples = {} exceeds {field} = {n}: replay draws from the base's pre-training corpus",
                    st.replay_examples
                ),
            ));
        }
    }
    positive_real(ctx, "student.learning_rate", st.learning_rate)?;
    positive_real(
        ctx,
        "student.pretrain_learning_rate",
        st.pretrain_learning_rate,
    )?;
    non_negative_real(ctx, "student.weight_decay", st.weight_decay)?;
    probability(ctx, "student.warmup_fraction", st.warmup_fraction)?;
    positive_real(ctx, "student.grad_clip", st.grad_clip)
}

fn check_rest(s: &Scenario, ctx: &Ctx) -> Check {
    let t = &s.teacher;
    if t.kind != "oracle" {
        return Err(ctx.at(
            "teacher.kind",
            format!(
                "expected \"oracle\", got \"{}\": only the built-in oracle teacher exists",
                t.kind
            ),
        ));
    }
    probability(ctx, "teacher.answer_error_rate", t.answer_error_rate)?;
    probability(ctx, "teacher.fidelity", t.fidelity)?;
    probability(ctx, "teacher.failure_rate", t.failure_rate)?;
    let th = s.dedup.threshold;
    if !(th > 0.0 && th <= 1.0) {
        return Err(ctx.at(
            "dedup.threshold",
            format!("expected a ROUGE-L F threshold in (0, 1], got {th}"),
        ));
    }
    if !s.reward.length_bias.is_finite() {
        return Err(ctx.at("reward.length_bias", "expected a finite number"));
    }
    non_negative_real(ctx, "reward.noise", s.reward.noise)?;
    non_negative_real(ctx, "judge.noise", s.judge.noise)?;
    if !s.judge.hard_margin.is_finite() {
        return Err(ctx.at("judge.hard_margin", "expected a finite number"));
    }
    if s.output.dir.as_deref().is_some_and(|d| d.trim().is_empty()) {
        return Err(ctx.at("output.dir", "must not be empty (omit it for runs/<name>)"));
    }
    Ok(())
}
