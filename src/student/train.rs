//! Fine-tuning (paper section 5.2): AdamW, linear warm-up over 15% of the steps then
//! linear (or cosine) decay to zero, global gradient-norm clipping, batches of 24 packed
//! sequences shuffled from the given stream, evaluation after every epoch, and the
//! best-on-validation weights restored at the end. Either every parameter is trained, or
//! (`lora_rank > 0`) only LoRA adapters on the linear layers, as the paper does.

use super::lora::Lora;
use super::model::{Batch, Model, Workspace};
use super::Sequence;
use crate::rng::Rng;
use crate::scenario::{Schedule, StudentSpec};
use rand::seq::SliceRandom;
use std::time::Instant;

/// Optimisation hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub warmup_fraction: f64,
    pub schedule: Schedule,
    pub grad_clip: f64,
    /// Train for at least this many optimiser steps, adding epochs when `epochs` passes
    /// over a small set would take fewer (0: exactly `epochs`). Validation still runs
    /// about `epochs` times, evenly spaced, and always after the last epoch.
    pub min_steps: usize,
    /// LoRA rank with α = rank (paper 5.2); 0 = full fine-tuning of every parameter.
    pub lora_rank: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig::from(&StudentSpec::default())
    }
}

impl From<&StudentSpec> for TrainConfig {
    fn from(s: &StudentSpec) -> Self {
        TrainConfig {
            learning_rate: s.learning_rate,
            weight_decay: s.weight_decay,
            batch_size: s.batch_size as usize,
            epochs: s.epochs as usize,
            warmup_fraction: s.warmup_fraction,
            schedule: s.schedule,
            grad_clip: s.grad_clip,
            min_steps: s.min_steps as usize,
            lora_rank: s.lora_rank as usize,
        }
    }
}

/// What a training run did. `wall_s` is timing and is kept apart from results: nothing
/// else in the report depends on it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainReport {
    /// Token-weighted mean answer NLL per epoch.
    pub epoch_loss: Vec<f64>,
    /// The caller's validation score at each evaluation (after every epoch unless
    /// `min_steps` added epochs; then see `eval_epochs`).
    pub val_score: Vec<f64>,
    /// Epoch (0-based) after which each `val_score` was taken.
    pub eval_epochs: Vec<usize>,
    /// The best validation score, that of the restored weights (NaN when none ran).
    pub best_val_score: f64,
    /// Epoch (0-based) whose weights were restored; `None` when no epoch ran.
    pub best_epoch: Option<usize>,
    /// Optimiser steps taken.
    pub steps: usize,
    /// Input tokens processed (forward + backward), over all epochs.
    pub tokens: u64,
    /// Sequences skipped because their answer alone exceeds the context.
    pub rejected: usize,
    /// Wall-clock seconds of the whole call (timing only).
    pub wall_s: f64,
}

/// Learning rate at `step` (0-based) of `total`: linear warm-up to the peak over
/// `ceil(warmup_fraction · total)` steps, then linear or cosine decay to zero.
pub fn lr_at(cfg: &TrainConfig, step: usize, total: usize) -> f64 {
    let warm = ((cfg.warmup_fraction * total as f64).ceil() as usize).min(total);
    if step < warm {
        return cfg.learning_rate * (step + 1) as f64 / warm as f64;
    }
    let span = (total - warm).max(1) as f64;
    let prog = ((step - warm) as f64 / span).min(1.0);
    match cfg.schedule {
        Schedule::Linear => cfg.learning_rate * (1.0 - prog),
        Schedule::Cosine => cfg.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * prog).cos()),
    }
}

/// AdamW state plus reusable buffers: one optimiser step on one batch without allocating
/// once the buffers have grown to the largest batch. With LoRA adapters the optimiser
/// state covers the adapters only and the model's own parameters are never updated, only
/// re-merged (see [`super::lora`]).
#[derive(Clone, Debug)]
pub struct Trainer {
    pub ws: Workspace,
    pub grad: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    t: u64,
    decay_mask: Vec<bool>,
    lora: Option<(Lora, Vec<f32>)>,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPS: f32 = 1e-8;

impl Trainer {
    /// Fresh optimiser state (zero moments) for full fine-tuning of `model`.
    pub fn new(model: &Model) -> Trainer {
        let n = model.n_params();
        let mut decay_mask = vec![false; n];
        for t in &model.tensors {
            decay_mask[t.range()].fill(t.decay);
        }
        Trainer {
            ws: Workspace::default(),
            grad: vec![0.0; n],
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
            decay_mask,
            lora: None,
        }
    }

    /// Fresh optimiser state for LoRA fine-tuning: only `lora`'s adapters are trained
    /// (weight decay applies to them, as the paper's trainer applies it to every
    /// trainable parameter). `model` must already hold `lora`'s merged weights.
    pub fn with_lora(model: &Model, lora: Lora) -> Trainer {
        let n = lora.n_params();
        Trainer {
            ws: Workspace::default(),
            grad: vec![0.0; model.n_params()],
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
            decay_mask: vec![true; n],
            lora: Some((lora, vec![0.0; n])),
        }
    }

    /// The adapters, when this trainer fine-tunes with LoRA.
    pub fn lora(&self) -> Option<&Lora> {
        self.lora.as_ref().map(|(l, _)| l)
    }

    /// Forward, backward (mean token NLL over the batch's answer tokens), global-norm
    /// clipping and one AdamW update at learning rate `lr`. Returns the summed NLL.
    pub fn step(&mut self, model: &mut Model, batch: &Batch, lr: f64, cfg: &TrainConfig) -> f64 {
        let n_tok = batch.loss_rows.len();
        if n_tok == 0 {
            return 0.0;
        }
        let nll = self.ws.forward(model, batch);
        self.ws
            .backward(model, batch, 1.0 / n_tok as f32, &mut self.grad);
        self.t += 1;
        match &mut self.lora {
            None => adamw(
                &mut model.params,
                &self.grad,
                &mut self.m,
                &mut self.v,
                &self.decay_mask,
                self.t,
                lr,
                cfg,
            ),
            Some((lora, lgrad)) => {
                lora.project_grad(&self.grad, lgrad);
                adamw(
                    &mut lora.params,
                    lgrad,
                    &mut self.m,
                    &mut self.v,
                    &self.decay_mask,
                    self.t,
                    lr,
                    cfg,
                );
                lora.merge_into(model);
            }
        }
        nll
    }
}

/// Global-norm clipping of `grad` (to `cfg.grad_clip`) and one AdamW update of `params`
/// at step `t` (1-based, for the bias corrections) with decoupled weight decay where
/// `decay_mask` is set.
#[allow(clippy::too_many_arguments)]
fn adamw(
    params: &mut [f32],
    grad: &[f32],
    m1: &mut [f32],
    m2: &mut [f32],
    decay_mask: &[bool],
    t: u64,
    lr: f64,
    cfg: &TrainConfig,
) {
    let norm = grad
        .iter()
        .map(|&g| (g as f64) * (g as f64))
        .sum::<f64>()
        .sqrt();
    let clip = if cfg.grad_clip > 0.0 && norm > cfg.grad_clip {
        (cfg.grad_clip / norm) as f32
    } else {
        1.0
    };
    let bc1 = 1.0 - BETA1.powi(t as i32);
    let bc2 = 1.0 - BETA2.powi(t as i32);
    let step_size = (lr / bc1) as f32;
    let inv_bc2 = (1.0 / bc2) as f32;
    let decay = (lr * cfg.weight_decay) as f32;
    let (b1, b2) = (BETA1 as f32, BETA2 as f32);
    for i in 0..params.len() {
        let g = grad[i] * clip;
        let m = b1 * m1[i] + (1.0 - b1) * g;
        let v = b2 * m2[i] + (1.0 - b2) * g * g;
        m1[i] = m;
        m2[i] = v;
        let mut w = params[i];
        if decay_mask[i] {
            w -= decay * w;
        }
        w -= step_size * m / ((v * inv_bc2).sqrt() + ADAM_EPS);
        params[i] = w;
    }
}

/// Fine-tune `model` on `data`; `eval` is called after each epoch (higher is better) and
/// the weights of the best epoch (earliest on ties) are restored at the end. Sequences
/// whose answer does not fit the context are skipped and counted in `rejected`; longer
/// prompts are truncated from the left (see [`super::push_sequence`]).
pub fn train(
    model: &mut Model,
    data: &[Sequence],
    cfg: &TrainConfig,
    rng: &mut Rng,
    mut eval: impl FnMut(&Model) -> f64,
) -> TrainReport {
    match try_train(model, data, cfg, rng, |m| {
        Ok::<f64, std::convert::Infallible>(eval(m))
    }) {
        Ok(rep) => rep,
        Err(never) => match never {},
    }
}

/// [`train`] with a validation pass that can fail: its first error stops training and is
/// returned (a failed validation pass is never scored as 0).
pub fn try_train<E>(
    model: &mut Model,
    data: &[Sequence],
    cfg: &TrainConfig,
    rng: &mut Rng,
    mut eval: impl FnMut(&Model) -> Result<f64, E>,
) -> Result<TrainReport, E> {
    let start = Instant::now();
    let ctx = model.cfg.context;
    let usable: Vec<usize> = (0..data.len())
        .filter(|&i| data[i].answer.len() <= ctx && !data[i].answer.is_empty())
        .collect();
    let mut rep = TrainReport {
        rejected: data.len() - usable.len(),
        ..TrainReport::default()
    };
    let bs = cfg.batch_size.max(1);
    let per_epoch = usable.len().div_ceil(bs);
    let epochs = if per_epoch == 0 {
        cfg.epochs
    } else {
        cfg.epochs.max(cfg.min_steps.div_ceil(per_epoch))
    };
    let eval_every = epochs.div_ceil(cfg.epochs.max(1)).max(1);
    let total = per_epoch * epochs;
    let mut trainer = if cfg.lora_rank > 0 {
        // Drawn before the first shuffle, from the same stream: a LoRA run is as
        // reproducible as a full one.
        let lora = Lora::new(model, cfg.lora_rank, cfg.lora_rank as f64, rng);
        lora.merge_into(model);
        Trainer::with_lora(model, lora)
    } else {
        Trainer::new(model)
    };
    let mut batch = Batch::default();
    let mut order = usable.clone();
    let mut best: Option<(f64, usize, Vec<f32>)> = None;
    for epoch in 0..epochs {
        order.shuffle(rng);
        let (mut sum, mut cnt) = (0.0f64, 0usize);
        for chunk in order.chunks(bs) {
            batch.clear();
            for &i in chunk {
                super::push_sequence(&mut batch, &data[i], ctx);
            }
            let lr = lr_at(cfg, rep.steps, total);
            sum += trainer.step(model, &batch, lr, cfg);
            cnt += batch.loss_rows.len();
            rep.tokens += batch.rows() as u64;
            rep.steps += 1;
        }
        rep.epoch_loss
            .push(if cnt > 0 { sum / cnt as f64 } else { f64::NAN });
        if (epoch + 1) % eval_every != 0 && epoch + 1 != epochs {
            continue;
        }
        let score = eval(model)?;
        rep.val_score.push(score);
        rep.eval_epochs.push(epoch);
        let better = match &best {
            None => true,
            Some((b, _, _)) => score > *b || (b.is_nan() && !score.is_nan()),
        };
        if better {
            match &mut best {
                Some((b, e, w)) => {
                    *b = score;
                    *e = epoch;
                    w.copy_from_slice(&model.params);
                }
                None => best = Some((score, epoch, model.params.clone())),
            }
        }
    }
    rep.best_val_score = f64::NAN;
    if let Some((b, e, w)) = best {
        model.params.copy_from_slice(&w);
        rep.best_epoch = Some(e);
        rep.best_val_score = b;
    }
    rep.wall_s = start.elapsed().as_secs_f64();
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_zero() {
        let cfg = TrainConfig {
            learning_rate: 1.0,
            warmup_fraction: 0.15,
            ..TrainConfig::default()
        };
        // 100 steps: warm-up over 15 steps.
        assert!((lr_at(&cfg, 0, 100) - 1.0 / 15.0).abs() < 1e-12);
        assert!((lr_at(&cfg, 14, 100) - 1.0).abs() < 1e-12);
        assert!((lr_at(&cfg, 15, 100) - 1.0).abs() < 1e-12);
        assert!((lr_at(&cfg, 15 + 85 / 2, 100) - (1.0 - 42.0 / 85.0)).abs() < 1e-12);
        let cos = TrainConfig {
            schedule: Schedule::Cosine,
            ..cfg.clone()
        };
        assert!(
            (lr_at(&cos, 15 + 85 / 2, 100)
                - 0.5 * (1.0 + (std::f64::consts::PI * 42.0 / 85.0).cos()))
            .abs()
                < 1e-12
        );
        assert!(lr_at(&cfg, 99, 100) > 0.0 && lr_at(&cfg, 99, 100) < 0.02);
    }
}
