//! The teacher: prompt templates (paper appendix D.2), the oracle teacher, the token
//! ledger and the dedup index.

pub mod prompts;
