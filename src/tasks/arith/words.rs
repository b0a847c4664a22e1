//! Word lists and phrasings of the `arith` world. Many names, objects and phrasings per
//! operation keep ROUGE-L near-duplicate rejection from discarding most rewrites.
//!
//! Placeholders: `{N}` protagonist, `{O}` other person, `{P}`/`{p}` subject pronoun,
//! `{H}`/`{h}` possessive, `{M}` object pronoun, `{obj}` plural object, `{cont}` plural
//! container, `{a}`/`{b}` numbers.

/// (name, is female): 20 + 20 names.
pub(crate) const NAMES: [(&str, bool); 40] = [
    ("Mia", true),
    ("Emma", true),
    ("Olivia", true),
    ("Ava", true),
    ("Sofia", true),
    ("Lily", true),
    ("Grace", true),
    ("Chloe", true),
    ("Zoe", true),
    ("Nora", true),
    ("Ella", true),
    ("Ruby", true),
    ("Hannah", true),
    ("Maya", true),
    ("Leah", true),
    ("Anna", true),
    ("Julia", true),
    ("Rosa", true),
    ("Aisha", true),
    ("Priya", true),
    ("Leo", false),
    ("Liam", false),
    ("Noah", false),
    ("Ethan", false),
    ("Lucas", false),
    ("Omar", false),
    ("Jack", false),
    ("Sam", false),
    ("Ben", false),
    ("Max", false),
    ("Adam", false),
    ("Ryan", false),
    ("Owen", false),
    ("Theo", false),
    ("Diego", false),
    ("Ravi", false),
    ("Kenji", false),
    ("Felix", false),
    ("Hugo", false),
    ("Jamal", false),
];

/// Plural countable objects.
pub(crate) const OBJECTS: [&str; 30] = [
    "pens", "apples", "stickers", "marbles", "books", "cookies", "shells", "stamps", "coins",
    "cards", "pencils", "oranges", "toys", "balloons", "candies", "eggs", "cupcakes", "beads",
    "buttons", "flowers", "rocks", "blocks", "crayons", "muffins", "lemons", "ribbons", "tickets",
    "bottles", "plums", "puzzles",
];

/// Plural containers for the "boxes of" opening.
pub(crate) const CONTAINERS: [&str; 8] = [
    "boxes", "bags", "packs", "jars", "baskets", "crates", "trays", "tins",
];

/// Openings stating the start quantity `{a}`.
pub(crate) const OPEN_PLAIN: [&str; 6] = [
    "{N} has {a} {obj}.",
    "{N} owns {a} {obj}.",
    "{N} starts with {a} {obj}.",
    "{N} collected {a} {obj}.",
    "{N}'s box holds {a} {obj}.",
    "At first, {N} has {a} {obj}.",
];

/// Openings that are themselves a multiplication `{a} * {b}`.
pub(crate) const OPEN_GROUPS: [&str; 3] = [
    "{N} has {a} {cont} of {b} {obj}.",
    "{N} buys {a} {cont} with {b} {obj} each.",
    "{N} fills {a} {cont} with {b} {obj} each.",
];

pub(crate) const ADD: [&str; 7] = [
    "{P} buys {a} more.",
    "{P} buys {a} more {obj}.",
    "{O} gives {M} {a} more.",
    "{P} finds {a} more {obj}.",
    "{P} gets {a} more from {O}.",
    "{P} wins {a} more.",
    "{P} makes {a} more {obj}.",
];

pub(crate) const SUB: [&str; 7] = [
    "{P} gives {a} to {O}.",
    "{P} gives {a} {obj} to {O}.",
    "{P} loses {a} of them.",
    "{P} sells {a} {obj}.",
    "{O} takes {a} of them.",
    "{P} uses {a}.",
    "{P} breaks {a} of {h} {obj}.",
];

/// Multiplication by 2 ("twice" phrasings).
pub(crate) const MUL2: [&str; 3] = [
    "{P} doubles {h} {obj}.",
    "{P} now has twice as many.",
    "{O} doubles {h} {obj}.",
];

/// Multiplication by 3.
pub(crate) const MUL3: [&str; 2] = ["{H} {obj} triple.", "{P} ends up with three times as many."];

/// Multiplication by `{a}`.
pub(crate) const MULK: [&str; 3] = [
    "{P} now has {a} times as many.",
    "{H} stock grows {a} times.",
    "{O} makes {h} pile {a} times larger.",
];

/// Division by 2 ("half" phrasings).
pub(crate) const DIV2: [&str; 3] = [
    "{P} gives away half of them.",
    "{P} keeps only half.",
    "{O} takes half of them.",
];

/// Exact division by `{a}`.
pub(crate) const DIVK: [&str; 3] = [
    "{P} splits them into {a} equal piles and keeps one.",
    "{P} packs them into {a} equal bags, keeps one.",
    "{P} keeps one of {a} equal parts.",
];

/// Optional connectors before an operation sentence.
pub(crate) const CONNECT: [&str; 4] = ["Then", "Next,", "Later,", "After that,"];

/// Closing questions.
pub(crate) const ASK: [&str; 6] = [
    "How many {obj} does {N} have now?",
    "How many {obj} does {N} have in the end?",
    "How many {obj} does {p} have now?",
    "How many {obj} are left?",
    "How many {obj} does {N} end up with?",
    "How many {obj} are there now?",
];

/// Every template, for the lexicon.
pub(crate) fn all_templates() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for list in [
        &OPEN_PLAIN[..],
        &OPEN_GROUPS[..],
        &ADD[..],
        &SUB[..],
        &MUL2[..],
        &MUL3[..],
        &MULK[..],
        &DIV2[..],
        &DIVK[..],
        &CONNECT[..],
        &ASK[..],
    ] {
        v.extend_from_slice(list);
    }
    v
}
