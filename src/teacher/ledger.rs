//! The teacher's token ledger: every call's rendered prompt and completion, counted with
//! the project tokenizer, by call kind. Token budgets (paper Figure 5) are read from here.

use crate::text::tokenizer::{TokenizeError, Tokenizer};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a teacher call was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    /// Writing a new synthetic question (D.2 generation prompt).
    Generate,
    /// Answering a question (synthetic, or a seed for the judge).
    Answer,
    /// One pairwise LLM-as-a-judge call.
    Judge,
}

impl CallKind {
    /// All kinds in a fixed order.
    pub const ALL: [CallKind; 3] = [CallKind::Generate, CallKind::Answer, CallKind::Judge];

    fn slot(self) -> usize {
        self as usize
    }
}

/// Calls and tokens of one kind (or in total).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    /// Input plus output tokens.
    pub fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    fn add(&mut self, o: &Usage) {
        self.calls += o.calls;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
    }
}

/// A call whose text the tokenizer cannot count: a word missing from a lexicon.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("cannot count the {kind:?} call's {part}: {source}")]
pub struct LedgerError {
    pub kind: CallKind,
    /// `prompt` or `completion`.
    pub part: &'static str,
    #[source]
    pub source: TokenizeError,
}

/// Token usage per call kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    by_kind: [Usage; 3],
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Charge one call: `tokenizer.count(prompt)` input and `tokenizer.count(completion)`
    /// output tokens. Returns the call's usage. Nothing is charged on error.
    pub fn charge(
        &mut self,
        tokenizer: &Tokenizer,
        kind: CallKind,
        prompt: &str,
        completion: &str,
    ) -> Result<Usage, LedgerError> {
        let count = |part, text: &str| {
            tokenizer
                .count(text)
                .map_err(|source| LedgerError { kind, part, source })
        };
        let u = Usage {
            calls: 1,
            input_tokens: count("prompt", prompt)? as u64,
            output_tokens: count("completion", completion)? as u64,
        };
        self.by_kind[kind.slot()].add(&u);
        Ok(u)
    }

    /// Usage of one kind.
    pub fn usage(&self, kind: CallKind) -> Usage {
        self.by_kind[kind.slot()]
    }

    /// Usage over every kind.
    pub fn total(&self) -> Usage {
        let mut t = Usage::default();
        for u in &self.by_kind {
            t.add(u);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_by_kind_and_totals() {
        let tok = Tokenizer::from_lexicon(["Question Answer the cat"]);
        let mut l = Ledger::new();
        // "Question: 12" = Question, :, ▁1, 2 -> 4 tokens; "the cat" = the, ▁cat -> 2.
        let u = l
            .charge(&tok, CallKind::Generate, "Question: 12", "the cat")
            .unwrap();
        assert_eq!((u.calls, u.input_tokens, u.output_tokens), (1, 4, 2));
        l.charge(&tok, CallKind::Judge, "Answer", "").unwrap();
        assert_eq!(l.usage(CallKind::Judge).input_tokens, 1);
        assert_eq!(l.usage(CallKind::Answer), Usage::default());
        assert_eq!(l.total().calls, 2);
        assert_eq!(l.total().tokens(), 7);
        let e = l
            .charge(&tok, CallKind::Answer, "Answer", "dog")
            .unwrap_err();
        assert_eq!(e.part, "completion");
        assert_eq!(l.total().calls, 2, "failed count charges nothing");
    }
}
