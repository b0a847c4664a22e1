//! Text utilities: the closed-vocabulary tokenizer and ROUGE-L.

pub mod rouge;
pub mod tokenizer;

pub use tokenizer::Tokenizer;
