//! Expression trees for Game of 24: the solver builds them, the chain of thought walks
//! them, and the teacher's backward reasoning solves them for an unknown leaf.
//!
//! Rendering is *faithful*: `parse(render(t)) == t` (a right operand of the same
//! precedence is always bracketed), so the final expression and the step lines describe
//! the same computation.

use crate::tasks::expr::Rational;
use std::cmp::Ordering;

/// A binary expression over positive integer literals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// An integer literal (one of the puzzle's numbers).
    Leaf(i64),
    /// `left op right` with `op` one of `+ - * /`.
    Op(Box<Node>, char, Box<Node>),
}

fn prec(op: char) -> u8 {
    if op == '+' || op == '-' {
        1
    } else {
        2
    }
}

impl Node {
    /// Build `l op r`.
    pub fn op(l: Node, op: char, r: Node) -> Node {
        Node::Op(Box::new(l), op, Box::new(r))
    }

    /// Exact value; `None` on division by zero.
    pub fn value(&self) -> Option<Rational> {
        match self {
            Node::Leaf(n) => Some(Rational::int(*n)),
            Node::Op(l, op, r) => l.value()?.apply(*op, r.value()?),
        }
    }

    /// Literals from left to right.
    pub fn leaves(&self) -> Vec<i64> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves(&self, out: &mut Vec<i64>) {
        match self {
            Node::Leaf(n) => out.push(*n),
            Node::Op(l, _, r) => {
                l.collect_leaves(out);
                r.collect_leaves(out);
            }
        }
    }

    /// Number of literals.
    pub fn leaf_count(&self) -> usize {
        match self {
            Node::Leaf(_) => 1,
            Node::Op(l, _, r) => l.leaf_count() + r.leaf_count(),
        }
    }

    /// Replace the literal at left-to-right position `idx`.
    pub fn set_leaf(&mut self, idx: usize, value: i64) {
        match self {
            Node::Leaf(n) => {
                if idx == 0 {
                    *n = value;
                }
            }
            Node::Op(l, _, r) => {
                let nl = l.leaf_count();
                if idx < nl {
                    l.set_leaf(idx, value);
                } else {
                    r.set_leaf(idx - nl, value);
                }
            }
        }
    }

    /// Operators in post-order (the order of the chain-of-thought steps).
    pub fn ops(&self) -> Vec<char> {
        let mut out = Vec::new();
        self.visit_ops(&mut |n| {
            if let Node::Op(_, op, _) = n {
                out.push(*op);
            }
        });
        out
    }

    fn visit_ops(&self, f: &mut impl FnMut(&Node)) {
        if let Node::Op(l, _, r) = self {
            l.visit_ops(f);
            r.visit_ops(f);
            f(self);
        }
    }

    /// Replace the operator of the `k`-th operation in post-order.
    pub fn set_op(&mut self, k: usize, new_op: char) {
        let mut counter = 0usize;
        self.set_op_rec(k, new_op, &mut counter);
    }

    fn set_op_rec(&mut self, k: usize, new_op: char, counter: &mut usize) {
        if let Node::Op(l, op, r) = self {
            l.set_op_rec(k, new_op, counter);
            r.set_op_rec(k, new_op, counter);
            if *counter == k {
                *op = new_op;
            }
            *counter += 1;
        }
    }

    /// Values of every intermediate result in post-order; `None` on division by zero.
    pub fn intermediates(&self) -> Option<Vec<Rational>> {
        let mut out = Vec::new();
        self.inter_rec(&mut out)?;
        Some(out)
    }

    fn inter_rec(&self, out: &mut Vec<Rational>) -> Option<Rational> {
        match self {
            Node::Leaf(n) => Some(Rational::int(*n)),
            Node::Op(l, op, r) => {
                let v = l.inter_rec(out)?.apply(*op, r.inter_rec(out)?)?;
                out.push(v);
                Some(v)
            }
        }
    }

    /// Canonical form: the operands of `+` and `*` are ordered larger value first (ties:
    /// operations before literals, then by rendered text, larger first). Two solutions
    /// are *distinct* when their canonical renderings differ.
    pub fn canonical(self) -> Node {
        match self {
            Node::Leaf(_) => self,
            Node::Op(l, op, r) => {
                let (l, r) = (l.canonical(), r.canonical());
                if (op == '+' || op == '*') && l.order_key_cmp(&r) == Ordering::Less {
                    Node::op(r, op, l)
                } else {
                    Node::op(l, op, r)
                }
            }
        }
    }

    fn order_key_cmp(&self, other: &Node) -> Ordering {
        let v = |n: &Node| n.value().unwrap_or(Rational::int(i64::MIN / 4));
        v(self)
            .cmp(&v(other))
            .then_with(|| matches!(self, Node::Op(..)).cmp(&matches!(other, Node::Op(..))))
            .then_with(|| self.render().cmp(&other.render()))
    }

    /// Text with the fewest brackets that still parses back to this exact tree.
    pub fn render(&self) -> String {
        match self {
            Node::Leaf(n) => n.to_string(),
            Node::Op(l, op, r) => {
                let wrap = |c: &Node, strict: bool| match c {
                    Node::Op(_, cop, _)
                        if prec(*cop) < prec(*op) || (strict && prec(*cop) == prec(*op)) =>
                    {
                        format!("({})", c.render())
                    }
                    _ => c.render(),
                };
                format!("{} {} {}", wrap(l, false), op, wrap(r, true))
            }
        }
    }

    /// Maximum bracket nesting depth of the rendering (0: none).
    pub fn bracket_depth(&self) -> usize {
        let mut depth = 0usize;
        let mut max = 0usize;
        for c in self.render().chars() {
            if c == '(' {
                depth += 1;
                max = max.max(depth);
            } else if c == ')' {
                depth = depth.saturating_sub(1);
            }
        }
        max
    }

    /// Parse an expression over non-negative integers with `+ - * /` and brackets
    /// (no unary minus), left-associative with the usual precedence.
    pub fn parse(text: &str) -> Option<Node> {
        let toks = lex(text)?;
        let mut pos = 0;
        let n = parse_expr(&toks, &mut pos)?;
        (pos == toks.len()).then_some(n)
    }

    /// Solve for the literal at position `unknown` so that the whole tree equals
    /// `target`, by inverting each operation on the path from the root to that leaf.
    /// The other literals keep their current values. `None` when an inversion divides
    /// by zero.
    pub fn solve_for(&self, unknown: usize, target: Rational) -> Option<Rational> {
        match self {
            Node::Leaf(_) => (unknown == 0).then_some(target),
            Node::Op(l, op, r) => {
                let nl = l.leaf_count();
                if unknown < nl {
                    let rv = r.value()?;
                    let t = match op {
                        '+' => target.sub(rv)?,
                        '-' => target.add(rv)?,
                        '*' => target.div(rv)?,
                        _ => target.mul(rv)?,
                    };
                    l.solve_for(unknown, t)
                } else {
                    let lv = l.value()?;
                    let t = match op {
                        '+' => target.sub(lv)?,
                        '-' => lv.sub(target)?,
                        '*' => target.div(lv)?,
                        _ => lv.div(target)?,
                    };
                    r.solve_for(unknown - nl, t)
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Num(i64),
    Op(char),
    L,
    R,
}

fn lex(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut num: Option<i64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(d as i64)?);
            continue;
        }
        if let Some(n) = num.take() {
            out.push(Tok::Num(n));
        }
        match c {
            ' ' => {}
            '+' | '-' | '*' | '/' => out.push(Tok::Op(c)),
            '(' => out.push(Tok::L),
            ')' => out.push(Tok::R),
            _ => return None,
        }
    }
    if let Some(n) = num {
        out.push(Tok::Num(n));
    }
    Some(out)
}

fn parse_expr(t: &[Tok], pos: &mut usize) -> Option<Node> {
    let mut l = parse_term(t, pos)?;
    while let Some(Tok::Op(op @ ('+' | '-'))) = t.get(*pos).copied() {
        *pos += 1;
        l = Node::op(l, op, parse_term(t, pos)?);
    }
    Some(l)
}

fn parse_term(t: &[Tok], pos: &mut usize) -> Option<Node> {
    let mut l = parse_atom(t, pos)?;
    while let Some(Tok::Op(op @ ('*' | '/'))) = t.get(*pos).copied() {
        *pos += 1;
        l = Node::op(l, op, parse_atom(t, pos)?);
    }
    Some(l)
}

fn parse_atom(t: &[Tok], pos: &mut usize) -> Option<Node> {
    match t.get(*pos)? {
        Tok::Num(n) => {
            *pos += 1;
            Some(Node::Leaf(*n))
        }
        Tok::L => {
            *pos += 1;
            let n = parse_expr(t, pos)?;
            if t.get(*pos) != Some(&Tok::R) {
                return None;
            }
            *pos += 1;
            Some(n)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_parse_round_trip_and_brackets() {
        for s in [
            "(6 - 4) * (4 + 8)",
            "4 * (9 - (13 - 10))",
            "(1 + 8 / 4) * 8",
            "8 / (3 - 8 / 3)",
            "5 + 5 + 5 + 9",
            "13 * 8 - 10 * 8",
        ] {
            let t = Node::parse(s).unwrap();
            assert_eq!(t.render(), s);
            assert_eq!(t.value().unwrap(), Rational::int(24), "{s}");
        }
        assert_eq!(
            Node::parse("4 * (9 - (13 - 10))").unwrap().bracket_depth(),
            2
        );
        assert!(Node::parse("-3 + 4").is_none());
        assert!(Node::parse("(3 + 4").is_none());
    }

    #[test]
    fn backward_solve_matches_paper_example() {
        // 13*8-10*8 = 24 with a = 13 unknown and b = 8 set to 4: a = 104 / 4 = 26.
        let mut t = Node::parse("13 * 8 - 10 * 8").unwrap();
        t.set_leaf(1, 4);
        assert_eq!(t.solve_for(0, Rational::int(24)), Some(Rational::int(26)));
        t.set_leaf(1, 2);
        assert_eq!(t.solve_for(0, Rational::int(24)), Some(Rational::int(52)));
        // Unknown on the right of a division: 8 / (3 - 8 / x) = 24 gives x = 3.
        let t = Node::parse("8 / (3 - 8 / 1)").unwrap();
        assert_eq!(t.solve_for(3, Rational::int(24)), Some(Rational::int(3)));
    }

    #[test]
    fn canonical_orders_commutative_operands() {
        let a = Node::parse("(4 + 8) * (6 - 4)").unwrap().canonical();
        let b = Node::parse("(6 - 4) * (8 + 4)").unwrap().canonical();
        assert_eq!(a, b);
        assert_eq!(a.render(), "(8 + 4) * (6 - 4)");
        assert_eq!(a.ops(), vec!['+', '-', '*']);
    }
}
