//! Batched greedy decoding with a KV cache.
//!
//! Contract: each prompt (BOS + question + SEP) longer than the context keeps its last
//! `context` tokens. Generation stops at EOS (**EOS is not included** in the output),
//! after `max_new` tokens, or when the context is full. Argmax ties go to the lowest id.
//! Prefill and incremental steps share one code path: every row carries (slot,
//! position); per layer the K/V of all rows are written to the cache first, then each row
//! attends to its slot's positions `0..=pos`, which is exactly causal attention.

use super::model::Model;
use super::ops::{self, gemm};
use super::{attention, wide};
use crate::text::tokenizer::EOS;

/// Prompts decoded together; `scenario::feasibility` owns the number because it counts
/// the KV-cache memory it bounds (the reasons for 32 are there).
pub const CHUNK: usize = crate::scenario::feasibility::DECODE_CHUNK;

struct Decoder<'m> {
    m: &'m Model,
    /// Which compiled copy of [`Decoder::run`] runs (the widest the CPU has; tests pick
    /// each to compare them).
    lanes: wide::Lanes,
    slots: usize,
    /// Cache positions per (slot, layer): the longest prompt of the chunk plus the new
    /// tokens, rounded up to 16 and at most the context ([`decode_chunk`] sets it). The
    /// cache is laid out with this stride rather than the context's, so what a step reads
    /// is packed into as few cache lines and pages as it can be: the whole cache of the
    /// larger peer-benchmark student (4L-d128, 64 prompts) is 41 MB at the context's
    /// stride and 16 MB at this one, and a decoding step reads all of it that is written.
    /// Only addresses change: every value and sum is the same, so the bits are too.
    span: usize,
    kc: Vec<f32>,
    vc: Vec<f32>,
    x: Vec<f32>,
    h: Vec<f32>,
    xhat: Vec<f32>,
    rstd: Vec<f32>,
    qkv: Vec<f32>,
    att: Vec<f32>,
    tmp: Vec<f32>,
    u: Vec<f32>,
    scores: Vec<f32>,
    hl: Vec<f32>,
    hf: Vec<f32>,
    xhf: Vec<f32>,
    rsf: Vec<f32>,
    logits: Vec<f32>,
    /// The output head transposed (d × V, row-major), made once per decoder: the head's
    /// GEMM reads B by rows, and given the head as stored (V × d) it transposed a copy on
    /// every step (2 % of decoding the 4L-d128 student).
    head_t: Vec<f32>,
}

impl<'m> Decoder<'m> {
    fn new(m: &'m Model, slots: usize) -> Self {
        let c = &m.cfg;
        let n = slots * c.layers * c.context * c.d_model;
        let mut pool = POOL.with(|p| std::mem::take(&mut *p.borrow_mut()));
        pool.resize_with(BUFFERS, Vec::new);
        let mut take = |len: usize| {
            let mut v = pool.pop().expect("one buffer each");
            // Kept contents are never read before they are written (see `greedy_decode`),
            // so a reused buffer only changes length.
            v.resize(len, 0.0);
            v
        };
        Decoder {
            m,
            lanes: wide::Lanes::best(),
            slots,
            span: c.context,
            kc: take(n),
            vc: take(n),
            x: take(0),
            h: take(0),
            xhat: take(0),
            rstd: take(0),
            qkv: take(0),
            att: take(0),
            tmp: take(0),
            u: take(0),
            scores: take(2 * c.heads * c.context),
            hl: take(0),
            hf: take(0),
            xhf: take(0),
            rsf: take(0),
            logits: take(0),
            head_t: {
                let (v, d) = (c.vocab, c.d_model);
                let mut t = take(v * d);
                let head = m.head();
                for p in 0..d {
                    for (j, x) in t[p * v..(p + 1) * v].iter_mut().enumerate() {
                        *x = head[j * d + p];
                    }
                }
                t
            },
        }
    }

    /// Start of the value row of (slot, layer, position): values are position-major,
    /// d floats per position.
    fn v_at(&self, slot: usize, layer: usize, pos: usize) -> usize {
        let c = &self.m.cfg;
        ((slot * c.layers + layer) * self.span + pos) * c.d_model
    }

    /// Start of the keys of (slot, layer, head), stored **transposed**: dh rows of
    /// `span` positions, so a query's scores over all positions run in vector lanes
    /// ([`attention::attend_cached`]).
    fn k_at(&self, slot: usize, layer: usize, head: usize) -> usize {
        let c = &self.m.cfg;
        let dh = c.d_model / c.heads;
        ((slot * c.layers + layer) * c.heads + head) * dh * self.span
    }

    /// Run rows `(slot, pos, token)` through the model, filling the cache; returns the
    /// argmax next token for each row listed in `want` (indices into `rows`).
    fn run(&mut self, rows: &[(usize, usize, u32)], want: &[usize]) -> Vec<u32> {
        assert!(self.lanes <= wide::Lanes::best());
        match self.lanes {
            wide::Lanes::Portable => self.run_portable(rows, want),
            // SAFETY: the CPU has these instructions (asserted just above).
            #[cfg(target_arch = "x86_64")]
            wide::Lanes::Avx2 => unsafe { self.run_avx2(rows, want) },
            #[cfg(target_arch = "x86_64")]
            wide::Lanes::Avx512 => unsafe { self.run_avx512(rows, want) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!(),
        }
    }

    /// [`Self::run_portable`] compiled with AVX2: the same bits ([`super::wide`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_avx2(&mut self, rows: &[(usize, usize, u32)], want: &[usize]) -> Vec<u32> {
        self.run_portable(rows, want)
    }

    /// [`Self::run_portable`] compiled with AVX-512: the same bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2")]
    fn run_avx512(&mut self, rows: &[(usize, usize, u32)], want: &[usize]) -> Vec<u32> {
        self.run_portable(rows, want)
    }

    #[inline(always)]
    fn run_portable(&mut self, rows: &[(usize, usize, u32)], want: &[usize]) -> Vec<u32> {
        let m = self.m;
        let c = m.cfg;
        let (n, d, f, nh, ctx) = (rows.len(), c.d_model, c.d_ff, c.heads, self.span);
        let dh = d / nh;
        let p = &m.params;
        // Every element of these is overwritten below (embedding, LayerNorm, linear,
        // per-head attention output), so they only change length: no zero-filling.
        for v in [
            &mut self.x,
            &mut self.h,
            &mut self.xhat,
            &mut self.att,
            &mut self.tmp,
        ] {
            v.resize(n * d, 0.0);
        }
        self.rstd.resize(n, 0.0);
        self.qkv.resize(n * 3 * d, 0.0);
        self.u.resize(n * f, 0.0);
        for (r, &(slot, pos, tok)) in rows.iter().enumerate() {
            debug_assert!(slot < self.slots);
            let e = m.idx.wte + tok as usize * d;
            let pe = m.idx.wpe + pos * d;
            for i in 0..d {
                self.x[r * d + i] = p[e + i] + p[pe + i];
            }
        }
        let last = m.idx.layers.len() - 1;
        for (l, li) in m.idx.layers.iter().enumerate() {
            ops::layernorm(
                &self.x,
                &p[li.ln1_g..li.ln1_g + d],
                &p[li.ln1_b..li.ln1_b + d],
                &mut self.h,
                &mut self.xhat,
                &mut self.rstd,
                d,
            );
            ops::linear(
                &self.h,
                &p[li.wqkv..li.wqkv + 3 * d * d],
                &p[li.bqkv..li.bqkv + 3 * d],
                &mut self.qkv,
                n,
                d,
                3 * d,
            );
            for (r, &(slot, pos, _)) in rows.iter().enumerate() {
                let row = &self.qkv[r * 3 * d..(r + 1) * 3 * d];
                for hh in 0..nh {
                    let kt = self.k_at(slot, l, hh);
                    for i in 0..dh {
                        self.kc[kt + i * ctx + pos] = row[d + hh * dh + i];
                    }
                }
                let at = self.v_at(slot, l, pos);
                self.vc[at..at + d].copy_from_slice(&row[2 * d..3 * d]);
            }
            // Every row's keys and values are cached above; after that, the last layer
            // computes only the rows whose next token is wanted (a prefill's last row per
            // prompt), in `want` order: the other rows' outputs would never be read, and
            // every row's result depends on its own row alone, so the wanted rows get
            // the bits they get when every row is computed.
            let k = if l == last { want.len() } else { n };
            #[allow(clippy::needless_range_loop)] // `i` is the output row, `want[i]` the input's
            for i in 0..k {
                let r = if l == last { want[i] } else { i };
                let (slot, pos, _) = rows[r];
                let vbase = self.v_at(slot, l, 0);
                let kbase = self.k_at(slot, l, 0);
                let (q, att) = (
                    &self.qkv[r * 3 * d..r * 3 * d + d],
                    &mut self.att[i * d..(i + 1) * d],
                );
                let (kt, vc) = (
                    &self.kc[kbase..kbase + d * ctx],
                    &self.vc[vbase..vbase + ctx * d],
                );
                let scores = &mut self.scores;
                let lanes = self.lanes;
                // Direct calls (not through a pointer), so each is inlined into the
                // compiled copy that runs ([`super::wide`]).
                macro_rules! heads {
                    ($dh:literal, $h:literal) => {{
                        attention::attend_cached_heads::<$dh, $h>(
                            q, kt, ctx, vc, pos, scores, att, lanes,
                        );
                        true
                    }};
                }
                let done = match (dh, nh) {
                    (16, 4) => heads!(16, 4),
                    (32, 4) => heads!(32, 4),
                    (8, 4) => heads!(8, 4),
                    (16, 2) => heads!(16, 2),
                    (32, 2) => heads!(32, 2),
                    (16, 8) => heads!(16, 8),
                    _ => false,
                };
                if done {
                    continue;
                }
                for hh in 0..nh {
                    let kt = self.k_at(slot, l, hh);
                    attention::attend_cached(
                        &self.qkv[r * 3 * d + hh * dh..r * 3 * d + (hh + 1) * dh],
                        &self.kc[kt..kt + dh * ctx],
                        ctx,
                        &self.vc[vbase + hh * dh..],
                        d,
                        pos,
                        &mut self.scores,
                        &mut self.att[i * d + hh * dh..i * d + (hh + 1) * dh],
                    );
                }
            }
            if l == last {
                // the residual stream of the wanted rows, in `want` order
                self.hl.clear();
                for &r in want {
                    self.hl.extend_from_slice(&self.x[r * d..(r + 1) * d]);
                }
                std::mem::swap(&mut self.x, &mut self.hl);
            }
            ops::linear(
                &self.att,
                &p[li.wo..li.wo + d * d],
                &p[li.bo..li.bo + d],
                &mut self.tmp,
                k,
                d,
                d,
            );
            for (x, t) in self.x.iter_mut().zip(&self.tmp) {
                *x += t;
            }
            ops::layernorm(
                &self.x,
                &p[li.ln2_g..li.ln2_g + d],
                &p[li.ln2_b..li.ln2_b + d],
                &mut self.h,
                &mut self.xhat,
                &mut self.rstd,
                d,
            );
            ops::linear(
                &self.h,
                &p[li.w1..li.w1 + d * f],
                &p[li.b1..li.b1 + f],
                &mut self.u,
                k,
                d,
                f,
            );
            for u in self.u[..k * f].iter_mut() {
                *u = ops::gelu(*u);
            }
            ops::linear(
                &self.u,
                &p[li.w2..li.w2 + f * d],
                &p[li.b2..li.b2 + d],
                &mut self.tmp,
                k,
                f,
                d,
            );
            for (x, t) in self.x.iter_mut().zip(&self.tmp) {
                *x += t;
            }
        }
        // `x` holds the wanted rows, in `want` order (the last layer computed only those)
        let k = want.len();
        self.hf.resize(k * d, 0.0);
        self.xhf.resize(k * d, 0.0);
        self.rsf.resize(k, 0.0);
        ops::layernorm(
            &self.x[..k * d],
            &p[m.idx.lnf_g..m.idx.lnf_g + d],
            &p[m.idx.lnf_b..m.idx.lnf_b + d],
            &mut self.hf,
            &mut self.xhf,
            &mut self.rsf,
            d,
        );
        let v = c.vocab;
        // β = 0: the GEMM overwrites every logit.
        self.logits.resize(k * v, 0.0);
        gemm(
            k,
            d,
            v,
            1.0,
            &self.hf,
            (d, 1),
            &self.head_t,
            (v, 1),
            0.0,
            &mut self.logits,
            (v, 1),
        );
        self.logits
            .chunks_exact(v)
            .map(|row| ops::argmax(row) as u32)
            .collect()
    }
}

/// Number of buffers a [`Decoder`] holds.
const BUFFERS: usize = 17;

/// Largest set of buffers kept for reuse: 64 MiB of f32 per thread.
const POOL_MAX_FLOATS: usize = 16 << 20;

thread_local! {
    /// The buffers of this thread's last decoder, reused by the next: decoding is called
    /// for every evaluation (seeds, validation after each epoch, test), and fresh
    /// buffers of the KV cache's size (10 MB for the default student) cost page faults
    /// and zero-filling on every call, 6–11 % of decoding (issue 11).
    static POOL: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Drop for Decoder<'_> {
    fn drop(&mut self) {
        let bufs = [
            &mut self.kc,
            &mut self.vc,
            &mut self.x,
            &mut self.h,
            &mut self.xhat,
            &mut self.rstd,
            &mut self.qkv,
            &mut self.att,
            &mut self.tmp,
            &mut self.u,
            &mut self.scores,
            &mut self.hl,
            &mut self.hf,
            &mut self.xhf,
            &mut self.rsf,
            &mut self.logits,
            &mut self.head_t,
        ];
        debug_assert_eq!(bufs.len(), BUFFERS);
        // Reversed, so that `new` pops each buffer into the field it came from.
        let back: Vec<Vec<f32>> = bufs.into_iter().rev().map(std::mem::take).collect();
        // Large students' caches are freed as before, so that memory the estimate
        // (`scenario::feasibility`) counts for decoding is not also held while training.
        let floats: usize = back.iter().map(|v| v.capacity()).sum();
        if floats <= POOL_MAX_FLOATS {
            POOL.with(|p| *p.borrow_mut() = back);
        }
    }
}

/// Greedy continuations of `prompts` (see the module doc for the stopping contract).
pub fn greedy_decode(model: &Model, prompts: &[Vec<u32>], max_new: usize) -> Vec<Vec<u32>> {
    let mut out = Vec::with_capacity(prompts.len());
    // One decoder (KV cache and buffers) for every chunk: a slot's cache positions are
    // written (prefill, then each new token) before they are read, so what an earlier
    // chunk left there is never read and needs no zeroing.
    let mut dec = Decoder::new(model, prompts.len().min(CHUNK));
    for chunk in prompts.chunks(CHUNK) {
        out.extend(decode_chunk(&mut dec, chunk, max_new));
    }
    out
}

fn decode_chunk(dec: &mut Decoder, prompts: &[Vec<u32>], max_new: usize) -> Vec<Vec<u32>> {
    let ctx = dec.m.cfg.context;
    // The last token fed back sits at position prompt + max_new − 2 (the final new token
    // is produced, not run), so `prompt + max_new` positions always suffice.
    let longest = prompts.iter().map(|p| p.len().min(ctx)).max().unwrap_or(0);
    dec.span = (longest + max_new).next_multiple_of(16).min(ctx);
    let mut gen: Vec<Vec<u32>> = vec![Vec::new(); prompts.len()];
    if max_new == 0 {
        return gen;
    }
    let mut rows = Vec::new();
    let mut want = Vec::new();
    let mut len = vec![0usize; prompts.len()];
    for (s, p) in prompts.iter().enumerate() {
        assert!(!p.is_empty(), "empty prompt (expected at least BOS)");
        let p = &p[p.len().saturating_sub(ctx)..];
        for (i, &t) in p.iter().enumerate() {
            rows.push((s, i, t));
        }
        want.push(rows.len() - 1);
        len[s] = p.len();
    }
    let mut next = dec.run(&rows, &want);
    let mut active: Vec<usize> = (0..prompts.len()).collect();
    loop {
        let mut still = Vec::new();
        rows.clear();
        for (k, &s) in active.iter().enumerate() {
            let t = next[k];
            if t == EOS {
                continue;
            }
            gen[s].push(t);
            if gen[s].len() >= max_new || len[s] >= ctx {
                continue;
            }
            rows.push((s, len[s], t));
            len[s] += 1;
            still.push(s);
        }
        if still.is_empty() {
            break;
        }
        want.clear();
        want.extend(0..rows.len());
        next = dec.run(&rows, &want);
        active = still;
    }
    gen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::student::ModelConfig;
    use rand::SeedableRng;

    /// Every compiled copy of a decoder step the CPU can run (AVX-512, AVX2) gives the
    /// same logits, bit for bit, as the portable one ([`super::super::wide`]): prefill of
    /// prompts of several lengths, then incremental steps, at a head width of 16 (the
    /// scenarios') and of 6 (no fast path).
    #[test]
    fn wide_and_portable_decoder_steps_are_bit_identical() {
        let lanes = wide::Lanes::available();
        if lanes.len() < 2 {
            eprintln!("only the portable copy runs on this CPU: nothing to compare");
            return;
        }
        for dh in [16, 6] {
            let m = tiny(dh);
            let mut decs: Vec<Decoder> = lanes
                .iter()
                .map(|&l| {
                    let mut d = Decoder::new(&m, 5);
                    d.lanes = l;
                    d
                })
                .collect();
            let mut len = [0usize; 5];
            let mut rows = Vec::new();
            for (s, l) in len.iter_mut().enumerate() {
                *l = 3 + 4 * s;
                for p in 0..*l {
                    rows.push((s, p, ((7 * s + 3 * p) % 19 + 1) as u32));
                }
            }
            let mut want: Vec<usize> = (0..rows.len()).collect();
            for step in 0..6 {
                let toks: Vec<Vec<u32>> = decs.iter_mut().map(|d| d.run(&rows, &want)).collect();
                let bits = |d: &Decoder| d.logits.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                for (d, t) in decs.iter().zip(&toks).skip(1) {
                    assert_eq!(*t, toks[0], "{:?}", d.lanes);
                    assert_eq!(
                        bits(d),
                        bits(&decs[0]),
                        "{:?}, dh {dh}, step {step}",
                        d.lanes
                    );
                }
                assert!(decs[0].logits.iter().all(|x| x.is_finite()));
                let ta = &toks[0];
                // next: one new token per slot, at the position after its last one
                rows = (0..5)
                    .map(|s| {
                        len[s] += 1;
                        (s, len[s] - 1, (ta[ta.len() - 5 + s] + step as u32) % 19 + 1)
                    })
                    .collect();
                want = (0..5).collect();
            }
        }
    }

    /// The last layer on the wanted rows only (a prefill's last row per prompt) gives
    /// those rows the logits, bit for bit, that computing every row gives them, and the
    /// cache it leaves gives the next step the same logits too.
    #[test]
    fn wanted_rows_only_give_the_logits_of_every_row() {
        for dh in [16, 6] {
            let m = tiny(dh);
            let v = m.cfg.vocab;
            let mut rows = Vec::new();
            let mut last = Vec::new();
            for s in 0..5 {
                for p in 0..3 + 4 * s {
                    rows.push((s, p, ((5 * s + 2 * p) % 19 + 1) as u32));
                }
                last.push(rows.len() - 1);
            }
            let every: Vec<usize> = (0..rows.len()).collect();
            let (mut few, mut all) = (Decoder::new(&m, 5), Decoder::new(&m, 5));
            let t_few = few.run(&rows, &last);
            let t_all = all.run(&rows, &every);
            let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            for (i, &r) in last.iter().enumerate() {
                assert_eq!(t_few[i], t_all[r], "dh {dh}, row {r}");
                assert_eq!(
                    bits(&few.logits[i * v..(i + 1) * v]),
                    bits(&all.logits[r * v..(r + 1) * v]),
                    "dh {dh}, row {r}"
                );
            }
            // a step after the prefill: every slot's next position
            let next: Vec<(usize, usize, u32)> = (0..5).map(|s| (s, 3 + 4 * s, 7)).collect();
            let want: Vec<usize> = (0..5).collect();
            few.run(&next, &want);
            all.run(&next, &want);
            assert_eq!(bits(&few.logits), bits(&all.logits), "dh {dh}, step");
            assert!(few.logits.iter().all(|x| x.is_finite()));
        }
    }

    fn tiny(dh: usize) -> Model {
        let cfg = ModelConfig {
            vocab: 20,
            layers: 2,
            d_model: 4 * dh,
            heads: 4,
            d_ff: 40,
            context: 32,
        };
        let mut m = Model::new(cfg, &mut crate::rng::Rng::seed_from_u64(3));
        for (i, p) in m.params.iter_mut().enumerate() {
            *p += 0.3 * (((i * 7919) % 101) as f32 / 50.0 - 1.0);
        }
        m
    }
}
