//! The five `mathmix` categories, each at levels 1–3 with more solution steps per level:
//!
//! | category | level 1 | level 2 | level 3 |
//! |---|---|---|---|
//! | Algebra (linear equation) | `a*x ± b = c` (2) | x on both sides (3) | bracket and both sides (4) |
//! | Number Theory (gcd/mod) | remainder (2) | gcd, 3 Euclid steps (3) | gcd 4 steps or lcm (4) |
//! | Counting | product rule (1) | pairs or ordered triples (2) | choose 3 (4) or pairs × items (3) |
//! | Geometry (area) | rectangle/square (1) | triangle or square from perimeter (2) | trapezoid, cut-out, perimeter (3) |
//! | Prealgebra (fractions) | `a/b` of n (2) | unlike denominators, one divides the other (4) | general sum/difference (5) |
//!
//! Every bullet is a checkable equation; numbers stay small and answers exact (integers or
//! reduced fractions).

use super::super::arith::chain::{n, r, Chain, Item};
use crate::rng::Rng;
use rand::seq::SliceRandom;
use rand::Rng as _;

/// Category labels, as MATH names them (used in the paper's generation prompt).
pub const CATEGORIES: [&str; 5] = [
    "Algebra",
    "Number Theory",
    "Counting",
    "Geometry",
    "Prealgebra",
];

/// A generated problem: question text and worked chain.
pub(crate) struct Problem {
    pub question: String,
    pub chain: Chain,
}

const VARS: [&str; 5] = ["x", "y", "n", "k", "t"];

const ALG: [&str; 6] = [
    "Solve for {v}: {e}.",
    "{N} writes {e} on the board. What is {v}?",
    "In {N}'s notebook, {e}. Find {v}.",
    "{N} thinks of a number {v} with {e}. What is {v}?",
    "If {e}, what value of {v} did {N} find?",
    "{N} and {O} solve {e}. What is {v}?",
];

const REM: [&str; 4] = [
    "What is the remainder when {a} is divided by {b}?",
    "{N} shares {a} {obj} equally among {b} friends. How many are left over?",
    "{N} packs {a} {obj} into bags of {b}. How many {obj} are left over?",
    "{a} {obj} go into rows of {b}. How many are left after the full rows, {N} asks?",
];

const GCD: [&str; 4] = [
    "What is the greatest common divisor of {a} and {b}?",
    "{N} packs {a} {obj} and {b} {obj2} into equal groups with none left. What is the largest group size?",
    "{N} cuts ribbons of {a} cm and {b} cm into equal pieces. What is the longest piece possible?",
    "What is the largest number that divides both {a} and {b}, {N} asks?",
];

const LCM: [&str; 3] = [
    "What is the least common multiple of {a} and {b}?",
    "{N} visits every {a} days and {O} every {b} days. After how many days do they first meet again?",
    "One light blinks every {a} seconds and another every {b} seconds. When do they first blink together, {N} wonders?",
];

/// (plural, singular) pairs for product-rule questions.
const CHOICES: [(&str, &str); 8] = [
    ("shirts", "shirt"),
    ("hats", "hat"),
    ("soups", "soup"),
    ("salads", "salad"),
    ("pens", "pen"),
    ("notebooks", "notebook"),
    ("drinks", "drink"),
    ("snacks", "snack"),
];

const PRODUCT: [&str; 3] = [
    "{N} has {a} {X} and {b} {Y}. How many ways can {p} pick one {x} and one {y}?",
    "A shop sells {a} {X} and {b} {Y}. How many pairs of one {x} and one {y} can {N} buy?",
    "How many ways are there to choose one of {a} {X} and one of {b} {Y}?",
];

const PAIRS: [&str; 4] = [
    "In how many ways can a team of 2 be chosen from {a} students?",
    "{a} friends each shake hands once with each other. How many handshakes are there?",
    "How many ways can {N} choose 2 of {a} {obj}?",
    "Each of {a} teams plays every other team once. How many games are played, {N} asks?",
];

const ORDERED: [&str; 3] = [
    "In how many ways can gold, silver and bronze be given to {a} runners?",
    "A club of {a} people picks a leader, a helper and a writer. In how many ways can this be done?",
    "How many ways can {N} put 3 of {a} {obj} in a row?",
];

const CHOOSE3: [&str; 3] = [
    "In how many ways can a committee of 3 be chosen from {a} people?",
    "How many ways can {N} choose 3 of {a} {obj}?",
    "How many groups of 3 can be made from {a} students?",
];

const PAIRS_ITEMS: [&str; 2] = [
    "{N} picks 2 of {a} {obj} and one of {b} {X}. In how many ways can {p} do this?",
    "A team has 2 of {a} players and one of {b} coaches. How many teams are possible?",
];

const RECT: [&str; 4] = [
    "A rectangle is {a} cm long and {b} cm wide. What is its area?",
    "{N}'s garden is a rectangle {a} m by {b} m. What is its area?",
    "{N} paints a wall {a} m wide and {b} m tall. What area does {p} paint?",
    "A rug in {N}'s room is {a} by {b}. What is its area?",
];

const SQUARE: [&str; 2] = [
    "What is the area of a square with side {a}?",
    "{N} tiles a square floor with side {a} m. What is its area?",
];

const TRIANGLE: [&str; 3] = [
    "A triangle has base {a} and height {b}. What is its area?",
    "{N} cuts a triangle with base {a} m and height {b} m. What is its area?",
    "{N}'s triangular flag has base {a} cm and height {b} cm. What is its area?",
];

const SQ_PERIM: [&str; 2] = [
    "A square has perimeter {a}. What is its area?",
    "The fence around {N}'s square yard is {a} m long. What is the area of the yard?",
];

const TRAPEZOID: [&str; 2] = [
    "A trapezoid has parallel sides {a} and {b} and height {c}. What is its area?",
    "What is the area of a trapezoid with bases {a} cm and {b} cm and height {c} cm?",
];

const CUTOUT: [&str; 2] = [
    "A square of side {c} is cut from a rectangle {a} by {b}. What area is left?",
    "{N} cuts a square hole of side {c} m in a {a} m by {b} m board. What area is left?",
];

const PERIM: [&str; 2] = [
    "A rectangle has perimeter {a} and length {b}. What is its area?",
    "{N}'s rectangular field has perimeter {a} m and length {b} m. What is its area?",
];

const PART_OF: [&str; 5] = [
    "What is {a}/{b} of {c}?",
    "{N} has {c} {obj} and gives away {a}/{b} of them. How many does {p} give away?",
    "A class has {c} students and {a}/{b} of them walk to school. How many walk, {N} asks?",
    "{N} read {a}/{b} of a book with {c} pages. How many pages did {p} read?",
    "Of {c} {obj} in {N}'s box, {a}/{b} are new. How many are new?",
];

const FRAC_ADD: [&str; 5] = [
    "What is {f} + {g}?",
    "{N} eats {f} of a pizza and {O} eats {g} of it. What fraction did they eat together?",
    "A jug is {f} full and {N} adds {g} more. What fraction is full now?",
    "{N} walks {f} km and then {g} km. How far does {p} walk in all?",
    "{N} paints {f} of a fence and {O} paints {g}. What part is painted?",
];

const FRAC_SUB: [&str; 4] = [
    "What is {f} - {g}?",
    "A tank is {f} full and {N} uses {g} of a full tank. What fraction is left?",
    "{N} has {f} of a cake and eats {g} of a whole cake. How much cake is left?",
    "{N} runs {f} km and {O} runs {g} km. How much farther does {N} run?",
];

/// Optional lead-ins: the lexical variety real MATH questions have, so that ROUGE-L
/// dedup does not reject most rewrites of the same template.
const LEADS: [&str; 12] = [
    "{N} asks:",
    "{N} is stuck on this one.",
    "A puzzle from {N}'s class:",
    "{N} reads this in a book.",
    "{N} and {O} argue about this.",
    "Help {N} with homework.",
    "{O} gives {N} a problem.",
    "Quick question from {N}:",
    "{N} tries a quiz.",
    "From {N}'s worksheet:",
    "{O} asks {N}:",
    "Here is a task for {O}.",
];

/// Every template, for the lexicon.
pub(crate) fn all_templates() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for list in [
        &ALG[..],
        &REM[..],
        &GCD[..],
        &LCM[..],
        &PRODUCT[..],
        &PAIRS[..],
        &ORDERED[..],
        &CHOOSE3[..],
        &PAIRS_ITEMS[..],
        &RECT[..],
        &SQUARE[..],
        &TRIANGLE[..],
        &SQ_PERIM[..],
        &TRAPEZOID[..],
        &CUTOUT[..],
        &PERIM[..],
        &PART_OF[..],
        &FRAC_ADD[..],
        &FRAC_SUB[..],
        &LEADS[..],
    ] {
        v.extend_from_slice(list);
    }
    v.extend(VARS);
    for (a, b) in CHOICES {
        v.push(a);
        v.push(b);
    }
    v
}

/// Placeholder values for one question.
#[derive(Default)]
struct Fill {
    nums: [(char, i64); 3],
    subs: Vec<(&'static str, String)>,
}

fn fill(rng: &mut Rng, t: &str, f: Fill) -> String {
    use super::super::arith::words::{NAMES, OBJECTS};
    let (name, female) = *NAMES.choose(rng).expect("names");
    let mut other = NAMES.choose(rng).expect("names").0;
    while other == name {
        other = NAMES.choose(rng).expect("names").0;
    }
    let lead = if rng.gen_bool(0.8) {
        format!("{} ", LEADS.choose(rng).expect("leads"))
    } else {
        String::new()
    };
    let mut s = (lead + t)
        .replace("{N}", name)
        .replace("{O}", other)
        .replace("{p}", if female { "she" } else { "he" })
        .replace("{obj}", OBJECTS.choose(rng).expect("objects"))
        .replace("{obj2}", OBJECTS.choose(rng).expect("objects"));
    for (k, v) in f.subs {
        s = s.replace(k, &v);
    }
    for (c, v) in f.nums {
        if c != '\0' {
            s = s.replace(&format!("{{{c}}}"), &v.to_string());
        }
    }
    s
}

fn nums(a: i64, b: i64, c: i64) -> [(char, i64); 3] {
    [('a', a), ('b', b), ('c', c)]
}

fn pick(rng: &mut Rng, list: &[&'static str]) -> &'static str {
    list.choose(rng).expect("non-empty")
}

/// Generate one problem of category `cat` (index into [`CATEGORIES`]) at `level`.
pub(crate) fn generate(rng: &mut Rng, cat: usize, level: u32) -> Problem {
    match cat {
        0 => algebra(rng, level),
        1 => number_theory(rng, level),
        2 => counting(rng, level),
        3 => geometry(rng, level),
        _ => fractions(rng, level),
    }
}

fn algebra(rng: &mut Rng, level: u32) -> Problem {
    let v = *VARS.choose(rng).expect("vars");
    let x = rng.gen_range(1..=12i64);
    let a = rng.gen_range(2..=9i64);
    let mut c = Chain::default();
    let eq = match level {
        1 => {
            if rng.gen_bool(0.5) {
                let b = rng.gen_range(1..=20i64);
                let rhs = a * x + b;
                let s = c.bin(n(rhs), '-', n(b));
                c.bin(r(s), '/', n(a));
                format!("{a} * {v} + {b} = {rhs}")
            } else {
                let b = rng.gen_range(1..a * x);
                let rhs = a * x - b;
                let s = c.bin(n(rhs), '+', n(b));
                c.bin(r(s), '/', n(a));
                format!("{a} * {v} - {b} = {rhs}")
            }
        }
        2 => {
            let cc = rng.gen_range(1..a);
            let b = rng.gen_range(1..=15i64);
            let d = (a - cc) * x + b;
            let k = c.bin(n(a), '-', n(cc));
            let m = c.bin(n(d), '-', n(b));
            c.bin(r(m), '/', r(k));
            format!("{a} * {v} + {b} = {cc} * {v} + {d}")
        }
        _ => {
            let a = rng.gen_range(2..=6i64);
            let cc = rng.gen_range(1..a);
            let b = rng.gen_range(1..=6i64);
            let d = a * (x + b) - cc * x;
            let ab = c.bin(n(a), '*', n(b));
            let k = c.bin(n(a), '-', n(cc));
            let m = c.bin(n(d), '-', r(ab));
            c.bin(r(m), '/', r(k));
            format!("{a} * ({v} + {b}) = {cc} * {v} + {d}")
        }
    };
    let t = pick(rng, &ALG);
    let subs = vec![("{v}", v.to_string()), ("{e}", eq)];
    let question = fill(
        rng,
        t,
        Fill {
            nums: [('\0', 0); 3],
            subs,
        },
    );
    Problem { question, chain: c }
}

/// Euclid's algorithm with exactly `steps` remainder steps, built backwards from the
/// gcd `g`: returns (a, b) with a > b.
fn euclid_pair(rng: &mut Rng, steps: usize, g: i64) -> (i64, i64) {
    // x[steps + 1] = 0, x[steps] = g, x[i - 1] = q * x[i] + x[i + 1].
    let mut x = vec![0i64; steps + 2];
    x[steps] = g;
    x[steps - 1] = rng.gen_range(2..=3) * g;
    for i in (1..steps).rev() {
        x[i - 1] = rng.gen_range(1..=2) * x[i] + x[i + 1];
    }
    (x[0], x[1])
}

/// Euclid steps `a - q * b = r` until remainder 0; returns the step holding the gcd.
fn euclid_steps(c: &mut Chain, a: i64, b: i64) -> Item {
    let (mut x, mut y) = (n(a), n(b));
    let (mut xv, mut yv) = (a, b);
    loop {
        let q = xv / yv;
        let s = c
            .push(vec![x, Item::Op('-'), n(q), Item::Op('*'), y.clone()])
            .expect("valid step");
        let rv = xv - q * yv;
        if rv == 0 {
            return y;
        }
        x = y;
        y = r(s);
        xv = yv;
        yv = rv;
    }
}

fn number_theory(rng: &mut Rng, level: u32) -> Problem {
    let mut c = Chain::default();
    let question = match level {
        1 => {
            let b = rng.gen_range(3..=12i64);
            // Quotients stay <= 20 (known small constants); remainders are non-zero.
            let mut a = rng.gen_range(b + 1..=(21 * b - 1).min(99));
            if a % b == 0 {
                a += 1;
            }
            let q = a / b;
            let m = c.bin(n(q), '*', n(b));
            c.bin(n(a), '-', r(m));
            let t = pick(rng, &REM);
            fill(
                rng,
                t,
                Fill {
                    nums: nums(a, b, 0),
                    subs: vec![],
                },
            )
        }
        2 => {
            let g = rng.gen_range(2..=9);
            let (a, b) = euclid_pair(rng, 3, g);
            let ans = euclid_steps(&mut c, a, b);
            if let Item::Ref(i) = ans {
                c.set_answer(i);
            }
            let t = pick(rng, &GCD);
            fill(
                rng,
                t,
                Fill {
                    nums: nums(a, b, 0),
                    subs: vec![],
                },
            )
        }
        _ => {
            if rng.gen_bool(0.5) {
                let g = rng.gen_range(2..=6);
                let (a, b) = euclid_pair(rng, 4, g);
                let ans = euclid_steps(&mut c, a, b);
                if let Item::Ref(i) = ans {
                    c.set_answer(i);
                }
                let t = pick(rng, &GCD);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, 0),
                        subs: vec![],
                    },
                )
            } else {
                let (a, b, g) = loop {
                    let g = rng.gen_range(2..=5);
                    let (a, b) = euclid_pair(rng, 3, g);
                    if a * b / g < 1000 {
                        break (a, b, g);
                    }
                };
                let _ = g;
                let ans = euclid_steps(&mut c, a, b);
                c.push(vec![n(a), Item::Op('*'), n(b), Item::Op('/'), ans])
                    .expect("valid step");
                let t = pick(rng, &LCM);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, 0),
                        subs: vec![],
                    },
                )
            }
        }
    };
    Problem { question, chain: c }
}

fn counting(rng: &mut Rng, level: u32) -> Problem {
    let mut c = Chain::default();
    let question = match level {
        1 => {
            let i = rng.gen_range(0..CHOICES.len() / 2) * 2;
            let (xs, x) = CHOICES[i];
            let (ys, y) = CHOICES[i + 1];
            let a = rng.gen_range(2..=12i64);
            let b = rng.gen_range(2..=12i64);
            c.bin(n(a), '*', n(b));
            let subs = vec![
                ("{X}", xs.into()),
                ("{Y}", ys.into()),
                ("{x}", x.into()),
                ("{y}", y.into()),
            ];
            let t = pick(rng, &PRODUCT);
            fill(
                rng,
                t,
                Fill {
                    nums: nums(a, b, 0),
                    subs,
                },
            )
        }
        2 => {
            if rng.gen_bool(0.6) {
                let a = rng.gen_range(4..=20i64);
                let p = c.bin(n(a), '*', n(a - 1));
                c.bin(r(p), '/', n(2));
                let t = pick(rng, &PAIRS);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, 0, 0),
                        subs: vec![],
                    },
                )
            } else {
                let a = rng.gen_range(4..=10i64);
                let p = c.bin(n(a), '*', n(a - 1));
                c.bin(r(p), '*', n(a - 2));
                let t = pick(rng, &ORDERED);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, 0, 0),
                        subs: vec![],
                    },
                )
            }
        }
        _ => {
            if rng.gen_bool(0.5) {
                let a = rng.gen_range(5..=10i64);
                let p = c.bin(n(a), '*', n(a - 1));
                let q = c.bin(r(p), '*', n(a - 2));
                let six = c.bin(n(3), '*', n(2));
                c.bin(r(q), '/', r(six));
                let t = pick(rng, &CHOOSE3);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, 0, 0),
                        subs: vec![],
                    },
                )
            } else {
                let a = rng.gen_range(4..=10i64);
                let b = rng.gen_range(2..=6i64);
                let p = c.bin(n(a), '*', n(a - 1));
                let q = c.bin(r(p), '/', n(2));
                c.bin(r(q), '*', n(b));
                let xs = CHOICES.choose(rng).expect("choices").0;
                let t = pick(rng, &PAIRS_ITEMS);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, 0),
                        subs: vec![("{X}", xs.into())],
                    },
                )
            }
        }
    };
    Problem { question, chain: c }
}

fn geometry(rng: &mut Rng, level: u32) -> Problem {
    let mut c = Chain::default();
    let question = match level {
        1 => {
            if rng.gen_bool(0.7) {
                let a = rng.gen_range(2..=20i64);
                let b = rng.gen_range(2..=15i64);
                c.bin(n(a), '*', n(b));
                let t = pick(rng, &RECT);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, 0),
                        subs: vec![],
                    },
                )
            } else {
                let a = rng.gen_range(2..=20i64);
                c.bin(n(a), '*', n(a));
                let t = pick(rng, &SQUARE);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, 0, 0),
                        subs: vec![],
                    },
                )
            }
        }
        2 => {
            if rng.gen_bool(0.6) {
                let a = rng.gen_range(2..=20i64);
                let mut b = rng.gen_range(2..=16i64);
                if a * b % 2 == 1 {
                    b += 1;
                }
                let p = c.bin(n(a), '*', n(b));
                c.bin(r(p), '/', n(2));
                let t = pick(rng, &TRIANGLE);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, 0),
                        subs: vec![],
                    },
                )
            } else {
                let s = rng.gen_range(2..=20i64);
                let side = c.bin(n(4 * s), '/', n(4));
                c.bin(r(side), '*', r(side));
                let t = pick(rng, &SQ_PERIM);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(4 * s, 0, 0),
                        subs: vec![],
                    },
                )
            }
        }
        _ => match rng.gen_range(0..3) {
            0 => {
                let a = rng.gen_range(2..=15i64);
                let b = rng.gen_range(2..=15i64);
                let mut h = rng.gen_range(2..=12i64);
                if (a + b) * h % 2 == 1 {
                    h += 1;
                }
                let s = c.bin(n(a), '+', n(b));
                let t2 = c.bin(r(s), '*', n(h));
                c.bin(r(t2), '/', n(2));
                let t = pick(rng, &TRAPEZOID);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, h),
                        subs: vec![],
                    },
                )
            }
            1 => {
                let a = rng.gen_range(4..=20i64);
                let b = rng.gen_range(4..=15i64);
                let s = rng.gen_range(1..a.min(b));
                let p = c.bin(n(a), '*', n(b));
                let q = c.bin(n(s), '*', n(s));
                c.bin(r(p), '-', r(q));
                let t = pick(rng, &CUTOUT);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(a, b, s),
                        subs: vec![],
                    },
                )
            }
            _ => {
                let l = rng.gen_range(3..=20i64);
                let w = rng.gen_range(1..l);
                let half = c.bin(n(2 * (l + w)), '/', n(2));
                let wi = c.bin(r(half), '-', n(l));
                c.bin(n(l), '*', r(wi));
                let t = pick(rng, &PERIM);
                fill(
                    rng,
                    t,
                    Fill {
                        nums: nums(2 * (l + w), l, 0),
                        subs: vec![],
                    },
                )
            }
        },
    };
    Problem { question, chain: c }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A proper fraction `p/q` in lowest terms with `q` in `2..=qmax`.
fn proper(rng: &mut Rng, q: i64) -> i64 {
    loop {
        let p = rng.gen_range(1..q);
        if gcd(p, q) == 1 {
            return p;
        }
    }
}

fn fractions(rng: &mut Rng, level: u32) -> Problem {
    let mut c = Chain::default();
    let question = match level {
        1 => {
            let b = rng.gen_range(2..=9i64);
            let a = proper(rng, b);
            let q = rng.gen_range(2..=12i64);
            let s = c.bin(n(b * q), '/', n(b));
            c.bin(r(s), '*', n(a));
            let t = pick(rng, &PART_OF);
            fill(
                rng,
                t,
                Fill {
                    nums: nums(a, b, b * q),
                    subs: vec![],
                },
            )
        }
        2 => {
            let b = rng.gen_range(2..=5i64);
            let k = rng.gen_range(2..=4i64);
            let d = b * k;
            let a = proper(rng, b);
            let cn = proper(rng, d);
            let sub = a * k > cn && rng.gen_bool(0.4);
            let kk = c.bin(n(d), '/', n(b));
            let ak = c.bin(n(a), '*', r(kk));
            let s = c.bin(r(ak), if sub { '-' } else { '+' }, n(cn));
            c.bin(r(s), '/', n(d));
            frac_question(rng, sub, (a, b), (cn, d))
        }
        _ => {
            let (b, d) = loop {
                let b = rng.gen_range(2..=9i64);
                let d = rng.gen_range(2..=9i64);
                if b != d && d % b != 0 && b % d != 0 {
                    break (b, d);
                }
            };
            let a = proper(rng, b);
            let cn = proper(rng, d);
            let sub = a * d > cn * b && rng.gen_bool(0.4);
            let p = c.bin(n(a), '*', n(d));
            let q = c.bin(n(cn), '*', n(b));
            let s = c.bin(r(p), if sub { '-' } else { '+' }, r(q));
            let m = c.bin(n(b), '*', n(d));
            c.bin(r(s), '/', r(m));
            frac_question(rng, sub, (a, b), (cn, d))
        }
    };
    Problem { question, chain: c }
}

fn frac_question(rng: &mut Rng, sub: bool, f: (i64, i64), g: (i64, i64)) -> String {
    let t = if sub {
        pick(rng, &FRAC_SUB)
    } else {
        pick(rng, &FRAC_ADD)
    };
    let subs = vec![
        ("{f}", format!("{}/{}", f.0, f.1)),
        ("{g}", format!("{}/{}", g.0, g.1)),
    ];
    fill(
        rng,
        t,
        Fill {
            nums: [('\0', 0); 3],
            subs,
        },
    )
}
