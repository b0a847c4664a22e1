//! TEMPORARY: prompt templates are being written.

/// Words of every prompt template (part of the tokenizer's closed vocabulary).
pub fn lexicon() -> Vec<String> {
    Vec::new()
}
