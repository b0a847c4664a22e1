//! The report's text and tables, built as a [`Doc`] from the computed numbers. Wording is
//! deliberately careful: "significant" only for Holm-adjusted p < 0.05, and tests with
//! fewer than 3 replicates are flagged as underpowered.

use super::analyses::TokenRow;
use super::doc::Doc;
use super::section_kit::{f, figure, safe};
pub use super::section_kit::{pm, Inputs};
use super::sections_stats as stats;

/// Build the whole report.
pub fn build(i: &Inputs) -> Doc {
    let m = i.m;
    let mut d = Doc::default();
    d.h(1, format!("activesynth report: {}", m.scenario_name));
    super::world_section::section(&mut d, i.world, i.contamination);
    summary(&mut d, i);
    d.h(2, "Test accuracy per iteration");
    d.p("Mean ± standard error (ddof = 1) of the student's test accuracy over replicates. Column headers give the iteration t and the mean training-set size n̄ = |D̂t| over all strategies and replicates; the base student (before any synthetic data) has n = 0.");
    for tc in i.curves {
        d.h(
            3,
            format!("Task `{}` ({} replicates)", tc.task, tc.replicates),
        );
        let mut header = vec!["strategy".to_string(), "base (n = 0)".to_string()];
        header.extend(
            tc.mean_size
                .iter()
                .enumerate()
                .map(|(k, n)| format!("t={k} (n̄={n:.0})")),
        );
        let mut rows = vec![std::iter::once("base student".to_string())
            .chain(std::iter::once(pm(&tc.base)))
            .chain(tc.mean_size.iter().map(|_| "—".to_string()))
            .collect::<Vec<_>>()];
        for c in &tc.curves {
            let mut r = vec![c.label.clone(), "—".into()];
            r.extend(c.acc.iter().map(pm));
            rows.push(r);
        }
        d.table(header, rows);
        // The headline figure: each strategy minus random, paired, with its interval.
        figure(
            &mut d,
            i.figures,
            &format!("plots/paired_{}", safe(&tc.task)),
        );
        figure(
            &mut d,
            i.figures,
            &format!("plots/learning_{}", safe(&tc.task)),
        );
        figure(
            &mut d,
            i.figures,
            &format!("plots/learning_tokens_{}", safe(&tc.task)),
        );
    }
    // Win rates, paired contrasts, their power and data efficiency compare strategies:
    // with one strategy (a calibration run of `random` alone, say) they would be empty
    // tables, so one sentence says why they are absent.
    let comparable = m.strategies.len() > 1;
    if comparable {
        winrate(&mut d, i);
        stats::paired_winrate(&mut d, i);
        stats::paired(&mut d, i);
        super::sections_contrasts::per_task(&mut d, i);
        super::sections_contrasts::variants(&mut d, i);
    } else {
        d.h(2, "Comparisons between strategies");
        d.p(format!(
            "Not computed: the scenario has one strategy (`{}`), so there is no win rate, paired contrast, power analysis or data-efficiency ratio. The world checks above, the test items below (what the synthetic data adds over the base student) and the score correlations do not need a second strategy.",
            m.strategies.first().map(String::as_str).unwrap_or("none")
        ));
    }
    super::sections_items::section(&mut d, i.items);
    if comparable {
        stats::power(&mut d, i);
    }
    stats::aggregate(&mut d, i);
    if comparable {
        stats::efficiency(&mut d, i);
    }
    stats::correlations(&mut d, i);
    stats::cumulative(&mut d, i);
    tvd(&mut d, i);
    tokens(&mut d, i);
    vendi(&mut d, i);
    d.h(2, "Files");
    d.p("Every number above is also in `stats.csv` (one row per section, task, strategy, setting, statistic, value) and `stats.h5` (`/<section>/<task>/<strategy>/<statistic>` arrays over settings). Plots are in `plots/` as SVG and PNG.");
    d
}

fn summary(d: &mut Doc, i: &Inputs) {
    let m = i.m;
    let reps: Vec<String> = m
        .tasks
        .iter()
        .map(|t| format!("{t}: {}", m.replicates(t).len()))
        .collect();
    let mut items = vec![
        format!(
            "Input files: {}",
            m.inputs
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Tasks: {}", m.tasks.join(", ")),
        format!("Strategies: {}", m.strategies.join(", ")),
        format!("Replicates per task: {}", reps.join(", ")),
        {
            let ms: std::collections::BTreeSet<usize> = m.m.values().copied().collect();
            let m_text = if ms.len() <= 1 {
                ms.first().copied().unwrap_or(0).to_string()
            } else {
                m.m.iter()
                    .map(|(t, v)| format!("{t} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "Iterations T = {}, seeds selected per iteration m = {m_text}",
                m.iterations
            )
        },
        format!(
            "Master seed(s): {}",
            m.seeds
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Win-rate α = {}", i.alpha),
    ];
    if let Some(s) = &m.scenario {
        let st = &s.student;
        let tuning = |rank: u32| {
            if rank == 0 {
                "full fine-tuning".to_string()
            } else {
                format!("LoRA rank {rank} (alpha = rank, base frozen)")
            }
        };
        let overridden = s.tasks.iter().any(|t| t.student(st) != *st);
        items.push(format!(
            "Student: {} layers, d_model {}, {} heads, d_ff {}, context {}; lr {}, batch {}, {} epochs, {}, rehearsal of {} base-corpus examples; base pre-trained on {} examples (difficulty ≤ {}) for {} epochs{}",
            st.layers, st.d_model, st.heads, st.d_ff, st.context, st.learning_rate, st.batch_size, st.epochs,
            tuning(st.lora_rank), st.replay_examples, st.pretrain_examples, st.pretrain_max_difficulty, st.pretrain_epochs,
            if overridden { " (a task's own recipe, where it has one, under Task sets)" } else { "" }
        ));
        items.push(format!(
            "Teacher: {} (fidelity {}, answer error rate {}, failure rate {}, {} few-shot{}); dedup threshold {}",
            s.teacher.kind, s.teacher.fidelity, s.teacher.answer_error_rate, s.teacher.failure_rate, s.teacher.few_shot,
            if s.teacher.shared_draws == Some(true) { "; draws shared by every strategy: a seed selected by two strategies at one iteration gets the same rewrite" } else { "" },
            s.dedup.threshold
        ));
        let sizes: Vec<String> = s
            .tasks
            .iter()
            .map(|t| {
                let corpus = match t.pretrain_corpus {
                    crate::scenario::PretrainCorpus::Seeds => String::new(),
                    crate::scenario::PretrainCorpus::Rewrites => {
                        ", base corpus: the teacher's rewrites".to_string()
                    }
                    crate::scenario::PretrainCorpus::OtherTargets => format!(
                        ", base corpus: {}{}",
                        crate::tasks::by_name(&t.name)
                            .and_then(|task| task.transfer_corpus())
                            .unwrap_or("another task's questions"),
                        t.pretrain_rewrite_share.map_or(String::new(), |x| format!(
                            ", {:.0} % of it replaced by the teacher's rewrites",
                            100.0 * x
                        ))
                    ),
                };
                let tst = t.student(st);
                let budget = if t.pretrain_examples.is_some()
                    || t.pretrain_epochs.is_some()
                    || t.pretrain_max_difficulty.is_some()
                {
                    format!(
                        ", its base pre-trained on {} examples (difficulty ≤ {}) for {} epochs",
                        tst.pretrain_examples, tst.pretrain_max_difficulty, tst.pretrain_epochs
                    )
                } else {
                    String::new()
                };
                let recipe =
                    if t.epochs.is_some() || t.learning_rate.is_some() || t.lora_rank.is_some() {
                        format!(
                            ", fine-tuned with lr {}, {} epochs, {}",
                            tst.learning_rate,
                            tst.epochs,
                            tuning(tst.lora_rank)
                        )
                    } else {
                        String::new()
                    };
                let answers = match t.solutions_per_question {
                    Some(k) if k > 1 => format!(
                        " data points: answers to {} questions, {k} each where a question has that many",
                        t.seed_questions()
                    ),
                    _ => String::new(),
                };
                let decontaminated = if t.decontaminate == Some(true) {
                    "; synthetic questions equal to a validation or test question rejected"
                } else {
                    ""
                };
                format!(
                    "{} (|D0| = {}{answers}, val {}, test {}{corpus}{budget}{recipe}{decontaminated})",
                    t.name, t.seed_size, t.val_size, t.test_size
                )
            })
            .collect();
        items.push(format!("Task sets: {}", sizes.join("; ")));
    }
    d.h(2, "Scenario");
    d.list(items);
    stats::identities(d, m);
    for n in &m.notes {
        d.p(format!("**Merge note:** {n}."));
    }
    let min_reps = m
        .tasks
        .iter()
        .map(|t| m.replicates(t).len())
        .min()
        .unwrap_or(0);
    if min_reps < 3 {
        d.p(format!("**Caution:** only {min_reps} replicate(s) for some task: standard errors are unreliable and every test below is underpowered."));
    }
}

fn winrate(d: &mut Doc, i: &Inputs) {
    let m = i.m;
    d.h(2, "Win-rate matrix (the paper's, unpaired)");
    d.p(format!(
        "The paper's definition (its 5.4.2), kept as such: it compares each strategy's mean ± SE over replicates and ignores that the replicates are paired, so a difference that is consistent in every replicate but smaller than the between-replicate spread never counts as a win; the paired matrix below does not have that blind spot. Entry (row i, column j) is the fraction of settings (task, iteration) where strategy i beats j, i.e. μi − α·SEi > μj + α·SEj with α = {}; the column score is the mean of column j over i ≠ j, i.e. how often j is beaten — lower is better. {} settings; a setting with an undefined SE (fewer than 2 replicates) is not counted.",
        i.alpha,
        m.tasks.len() * m.iterations
    ));
    let mut header = vec!["row beats column →".to_string()];
    header.extend(m.strategies.iter().cloned());
    let mut rows: Vec<Vec<String>> = m
        .strategies
        .iter()
        .enumerate()
        .map(|(r, s)| {
            std::iter::once(s.clone())
                .chain(i.win.p[r].iter().enumerate().map(|(c, v)| {
                    if r == c {
                        "—".into()
                    } else {
                        f(*v, 2)
                    }
                }))
                .collect()
        })
        .collect();
    rows.push(
        std::iter::once("**column score** (lower is better)".to_string())
            .chain(
                i.win
                    .column_scores
                    .iter()
                    .map(|v| format!("**{}**", f(*v, 3))),
            )
            .collect(),
    );
    d.table(header, rows);
    figure(d, i.figures, "plots/winrate");
}

fn tvd(d: &mut Doc, i: &Inputs) {
    d.h(2, "Token-distribution distance from D0 (TVD)");
    d.p("Total variation distance ½·Σ|P(x) − Q(x)| between the token distribution of the seed set D0 and that of the accumulated synthetic set D̂t at the last iteration, mean ± SE over replicates (0 = identical distributions, 1 = disjoint). Per-iteration values are in the stats files (section `tvd`).");
    let header = ["task", "strategy", "TVD(D0, final D̂t)"]
        .map(String::from)
        .to_vec();
    let body = i
        .tvd
        .iter()
        .map(|r| {
            vec![
                r.task.clone(),
                r.strategy.clone(),
                r.per_iteration.last().map_or("—".into(), pm),
            ]
        })
        .collect();
    d.table(header, body);
}

fn tokens(d: &mut Doc, i: &Inputs) {
    d.h(2, "Teacher cost");
    d.p("Final cumulative teacher tokens (mean over replicates; judge tokens are included in the totals and also shown apart). Accuracy per 1M tokens = mean final accuracy / (mean input + output tokens / 10⁶); gain per 1M tokens uses the final accuracy minus the base student's.");
    let header = [
        "task",
        "strategy",
        "input",
        "output",
        "judge input",
        "judge output",
        "calls",
        "final accuracy",
        "accuracy / 1M tokens",
        "gain / 1M tokens",
    ]
    .map(String::from)
    .to_vec();
    let body = i
        .tokens
        .iter()
        .map(|r: &TokenRow| {
            vec![
                r.task.clone(),
                r.strategy.clone(),
                f(r.input, 0),
                f(r.output, 0),
                f(r.judge_input, 0),
                f(r.judge_output, 0),
                f(r.calls, 1),
                f(r.accuracy, 4),
                f(r.acc_per_m, 3),
                f(r.gain_per_m, 3),
            ]
        })
        .collect();
    d.table(header, body);
}

fn vendi(d: &mut Doc, i: &Inputs) {
    d.h(2, "Diversity of the synthetic questions (Vendi score)");
    d.p(format!("Vendi score (exp of the entropy of the eigenvalues of the bag-of-words cosine similarity matrix / n) of each run's synthetic questions, at most {} per run (a seeded subsample), mean ± SE over replicates. It ranges from 1 (all identical) to the number of questions (all orthogonal).", super::analyses::VENDI_MAX));
    let header = ["task", "strategy", "Vendi score", "questions per run"]
        .map(String::from)
        .to_vec();
    let body = i
        .vendi
        .iter()
        .map(|r| {
            vec![
                r.task.clone(),
                r.strategy.clone(),
                pm(&r.score),
                f(r.size, 0),
            ]
        })
        .collect();
    d.table(header, body);
}
