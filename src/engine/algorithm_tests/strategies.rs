//! What each strategy is asked to score: a real strategy from the registry runs in the
//! loop on the fakes, which log every scoring call and the score columns it received.

use super::*;

/// A real strategy (as the Selector actor runs it), logging which scores it was given.
struct RealSelector {
    log: Log,
    selector: Box<dyn Selector>,
}

impl LoopSelector for RealSelector {
    async fn select(&mut self, scores: SeedScores, m: usize, iteration: u32) -> Res<Vec<usize>> {
        self.log.borrow_mut().push(format!(
            "selector.select t={iteration} m={m} [{}]",
            present(&scores)
        ));
        let mut rng =
            StreamKey::run(7, "arith", 0, self.selector.label(), iteration, "select").rng();
        self.selector
            .select(&scores, m, &mut rng)
            .map_err(|e| ActorFailure::caused_by("selector", e))
    }
}

#[test]
fn a_strategy_that_needs_no_scores_gets_no_predictions() {
    let log: Log = Rc::default();
    let mut c = fakes(&log, fake_selector(&log));
    let rec = run_loop(&[], &mut c, &log).unwrap();
    let calls = take(&log);
    assert_eq!(calls[0], format!("selector.select t=0 m={M} []"));
    assert!(!calls.iter().any(|c| c.contains("predict")
        || c.contains("score_seeds")
        || c.contains("judge")
        || c.contains("seed-reward")));
    assert!(rec.iterations.iter().all(|i| i.seed_scores.is_empty()));
}

/// The calls made at iteration 0 before the selection, for a real strategy.
fn scoring_calls(spec: &StrategySpec) -> (Vec<String>, Vec<String>) {
    let log: Log = Rc::default();
    let selector = selection::from_spec(spec, &spec.resolved_label()).unwrap();
    let needs = selector.needs();
    let mut c = fakes(
        &log,
        RealSelector {
            log: log.clone(),
            selector,
        },
    );
    let rec = run_loop(&needs, &mut c, &log).unwrap();
    let calls = take(&log);
    let before: Vec<String> = calls
        .iter()
        .take_while(|c| !c.starts_with("selector.select"))
        .cloned()
        .collect();
    // Every iteration asks the same, and the strategy got exactly what it asked for.
    let per_iteration = calls
        .iter()
        .filter(|c| c.as_str() == before.first().map_or("", |s| s.as_str()))
        .count();
    if !before.is_empty() {
        assert_eq!(per_iteration, T as usize, "{}", spec.name);
    }
    let columns = rec.iterations[0]
        .seed_scores
        .iter()
        .map(|(n, _)| n.clone())
        .collect();
    (before, columns)
}

fn spec(name: &str) -> StrategySpec {
    StrategySpec {
        name: name.into(),
        label: None,
        target: None,
        direction: None,
        mode: None,
        temperature: None,
        dims: None,
    }
}

#[test]
fn each_strategy_is_asked_to_score_exactly_what_it_needs() {
    let predict = "student.predict_seeds";
    let mut loss_gt = spec("loss");
    loss_gt.target = Some(LossTarget::Gt);
    let cases: Vec<(StrategySpec, Vec<String>, Vec<&str>)> = vec![
        (spec("random"), vec![], vec![]),
        (
            spec("loss"),
            vec![predict.into(), "student.score_seeds t=0 [LossOwn]".into()],
            vec!["loss_own"],
        ),
        (
            loss_gt,
            vec![predict.into(), "student.score_seeds t=0 [LossGt]".into()],
            vec!["loss_gt"],
        ),
        (
            spec("reward"),
            vec![
                predict.into(),
                format!("reward.reward t=0 seed-reward n={N}"),
            ],
            vec!["reward"],
        ),
        (
            spec("judge-hard"),
            vec![predict.into(), format!("teacher.judge_seeds t=0 n={N}")],
            vec!["judge_gap"],
        ),
        (
            spec("lion"),
            vec![predict.into(), format!("teacher.judge_seeds t=0 n={N}")],
            vec!["judge_gap"],
        ),
        (
            spec("incorrect"),
            vec![predict.into(), format!("verifier.verify n={N}")],
            vec!["correct"],
        ),
        (
            spec("evokd"),
            vec![predict.into(), format!("verifier.verify n={N}")],
            vec!["correct"],
        ),
        (
            spec("badge"),
            vec![predict.into(), "student.score_seeds t=0 [GradEmbed]".into()],
            vec![],
        ),
    ];
    for (s, calls, columns) in cases {
        let (got_calls, got_columns) = scoring_calls(&s);
        assert_eq!(got_calls, calls, "strategy {}", s.resolved_label());
        assert_eq!(got_columns, columns, "strategy {}", s.resolved_label());
    }
}
