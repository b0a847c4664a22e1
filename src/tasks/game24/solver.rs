//! Exhaustive exact solver for Game of 24 over every multiset of four numbers 1..=13.
//!
//! Search: repeatedly pick two of the remaining numbers and one operation (`+`, `*`,
//! larger − smaller, either division with a non-zero divisor) until one number is
//! left; a solution is a sequence whose last number is exactly 24. Subtraction is only
//! taken larger − smaller, so every intermediate is non-negative and the chain of
//! thought's "left:" lists stay natural.
//!
//! A *data point* is one distinct solution of one puzzle. Two solutions are distinct
//! when their canonical expressions ([`Node::canonical`] then [`Node::render`]) differ:
//! the operands of `+` and `*` are put in a fixed order, so `4 + 8` and `8 + 4` (or the
//! order in which independent steps were taken) are one solution, while different
//! bracketings such as `(a + b) + c` and `a + (b + c)` are different solutions.

use super::tree::Node;
use std::collections::BTreeSet;

/// Small exact fraction for the hot search loop (values stay tiny: |n|, d ≤ 13^4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Q {
    n: i64,
    d: i64,
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Q {
    fn new(n: i64, d: i64) -> Q {
        let g = gcd(n, d);
        let s = if d < 0 { -1 } else { 1 };
        Q {
            n: s * n / g,
            d: s * d / g,
        }
    }
    fn ge(self, o: Q) -> bool {
        self.n * o.d >= o.n * self.d
    }
}

/// One distinct solution of one puzzle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    /// The puzzle's four numbers, ascending.
    pub numbers: [i64; 4],
    /// Canonical expression (see the module doc for what makes solutions distinct).
    pub expr: String,
}

/// Every distinct solution of the puzzle `numbers`, in sorted expression order.
pub fn solve(numbers: [i64; 4]) -> Vec<String> {
    solve_for_target(numbers, 24)
}

/// [`solve`] for another target (the other-target corpus' tests,
/// [`super::other_targets`]).
pub fn solve_for_target(numbers: [i64; 4], target: i64) -> Vec<String> {
    let items: Vec<(Q, u8)> = numbers
        .iter()
        .enumerate()
        .map(|(i, &n)| (Q::new(n, 1), i as u8))
        .collect();
    let mut steps: Vec<(u8, char, u8)> = Vec::with_capacity(3);
    let mut out = BTreeSet::new();
    search(&items, &mut steps, &numbers, Q::new(target, 1), &mut out);
    out.into_iter().collect()
}

fn build(id: u8, steps: &[(u8, char, u8)], leaves: &[i64; 4]) -> Node {
    if id < 4 {
        Node::Leaf(leaves[id as usize])
    } else {
        let (l, op, r) = steps[(id - 4) as usize];
        Node::op(build(l, steps, leaves), op, build(r, steps, leaves))
    }
}

fn search(
    items: &[(Q, u8)],
    steps: &mut Vec<(u8, char, u8)>,
    leaves: &[i64; 4],
    target: Q,
    out: &mut BTreeSet<String>,
) {
    if items.len() == 1 {
        if items[0].0 == target {
            let tree = build(items[0].1, steps, leaves).canonical();
            out.insert(tree.render());
        }
        return;
    }
    let n = items.len();
    for i in 0..n {
        for j in i + 1..n {
            let (a, ia) = items[i];
            let (b, ib) = items[j];
            let mut cands: Vec<(Q, u8, char, u8)> = vec![
                (Q::new(a.n * b.d + b.n * a.d, a.d * b.d), ia, '+', ib),
                (Q::new(a.n * b.n, a.d * b.d), ia, '*', ib),
            ];
            if a.ge(b) {
                cands.push((Q::new(a.n * b.d - b.n * a.d, a.d * b.d), ia, '-', ib));
            } else {
                cands.push((Q::new(b.n * a.d - a.n * b.d, a.d * b.d), ib, '-', ia));
            }
            if b.n != 0 {
                cands.push((Q::new(a.n * b.d, a.d * b.n), ia, '/', ib));
            }
            if a.n != 0 {
                cands.push((Q::new(b.n * a.d, b.d * a.n), ib, '/', ia));
            }
            let mut rest: Vec<(Q, u8)> = Vec::with_capacity(n - 1);
            for (k, it) in items.iter().enumerate() {
                if k != i && k != j {
                    rest.push(*it);
                }
            }
            for (v, l, op, r) in cands {
                let id = 4 + steps.len() as u8;
                steps.push((l, op, r));
                rest.push((v, id));
                search(&rest, steps, leaves, target, out);
                rest.pop();
                steps.pop();
            }
        }
    }
}

/// Every multiset of four numbers from 1..=13, ascending, in lexicographic order
/// (C(16, 4) = 1820 of them).
pub fn all_puzzles() -> Vec<[i64; 4]> {
    let mut out = Vec::new();
    for a in 1..=13 {
        for b in a..=13 {
            for c in b..=13 {
                for d in c..=13 {
                    out.push([a, b, c, d]);
                }
            }
        }
    }
    out
}

/// All solutions of all solvable puzzles, puzzle by puzzle.
pub fn all_solutions() -> Vec<Solution> {
    let mut out = Vec::new();
    for p in all_puzzles() {
        for expr in solve(p) {
            out.push(Solution { numbers: p, expr });
        }
    }
    out
}
