//! Word-level tokenizer with a closed vocabulary (docs/architecture.md §2).
//!
//! Pieces are runs of ASCII letters (one word), single digits (so numbers are spelled
//! digit by digit, as in modern LLM tokenizers), single punctuation characters and
//! newlines. A single space before a piece is folded into the piece (`▁word`, as
//! SentencePiece does), so encode/decode is an exact round trip; any other space is the
//! bare `▁` token. Words outside the vocabulary are an error, never a silent `<unk>`:
//! the vocabulary is the union of every task's lexicon and the teacher's prompt
//! templates, and a word missing from it is a bug in a lexicon.
//!
//! The same tokenizer feeds the student and counts teacher tokens.

use std::collections::{BTreeSet, HashMap};
use thiserror::Error;

/// Padding (never a target).
pub const PAD: u32 = 0;
/// Start of a sequence.
pub const BOS: u32 = 1;
/// Separates the question from the answer; generation starts after it.
pub const SEP: u32 = 2;
/// End of the answer; greedy decoding stops here.
pub const EOS: u32 = 3;
const SPECIALS: [&str; 4] = ["<pad>", "<bos>", "<sep>", "<eos>"];
const SPACE: &str = "\u{2581}";

/// Text that cannot be encoded.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenizeError {
    #[error("unknown word {word:?} at byte {offset} (not in the closed vocabulary)")]
    UnknownWord { word: String, offset: usize },
    #[error("unsupported character {ch:?} at byte {offset}")]
    UnsupportedChar { ch: char, offset: usize },
}

/// One pre-tokenized piece: its text and whether a single space preceded it.
#[derive(Debug, PartialEq, Eq)]
struct Piece<'a> {
    text: &'a str,
    spaced: bool,
    offset: usize,
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Split text into pieces. Errors on characters outside printable ASCII + newline.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, TokenizeError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = text[i..].chars().next().unwrap();
        let mut spaced = false;
        let start_space = i;
        if c == ' ' {
            // A single space followed by a piece folds into that piece.
            let next = text[i + 1..].chars().next();
            match next {
                Some(n) if n != ' ' && n != '\n' => {
                    spaced = true;
                    i += 1;
                }
                _ => {
                    out.push(Piece {
                        text: SPACE,
                        spaced: false,
                        offset: start_space,
                    });
                    i += 1;
                    continue;
                }
            }
        }
        let c = text[i..].chars().next().unwrap();
        let start = i;
        if c.is_ascii_alphabetic() {
            while i < b.len() && (b[i] as char).is_ascii_alphabetic() {
                i += 1;
            }
        } else if c.is_ascii_digit() || is_punct(c) || c == '\n' {
            i += 1;
        } else {
            return Err(TokenizeError::UnsupportedChar { ch: c, offset: i });
        }
        out.push(Piece {
            text: &text[start..i],
            spaced,
            offset: start,
        });
    }
    Ok(out)
}

/// The closed-vocabulary tokenizer.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Tokenizer {
    /// Build a vocabulary from lexicon texts: every letter run in them becomes a word (with
    /// and without a leading space); digits, ASCII punctuation, newline and `▁` are always
    /// in. Order is deterministic (specials, then sorted), so ids are stable.
    pub fn from_lexicon<I, S>(texts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut words: BTreeSet<String> = BTreeSet::new();
        for c in '0'..='9' {
            words.insert(c.to_string());
        }
        for c in (b'!'..=b'~').map(|b| b as char).filter(|c| is_punct(*c)) {
            words.insert(c.to_string());
        }
        for t in texts {
            for w in t
                .as_ref()
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| !w.is_empty())
            {
                words.insert(w.to_string());
            }
        }
        let mut tokens: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
        tokens.push("\n".into());
        tokens.push(SPACE.into());
        for w in &words {
            tokens.push(w.clone());
            tokens.push(format!("{SPACE}{w}"));
        }
        let ids = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        Tokenizer { tokens, ids }
    }

    /// Number of tokens in the vocabulary (the student's V).
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// Encode text exactly; unknown words are an error.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizeError> {
        let mut out = Vec::with_capacity(text.len() / 3);
        for p in pieces(text)? {
            let key = if p.spaced {
                format!("{SPACE}{}", p.text)
            } else {
                p.text.to_string()
            };
            match self.ids.get(&key) {
                Some(&id) => out.push(id),
                None => {
                    return Err(TokenizeError::UnknownWord {
                        word: p.text.to_string(),
                        offset: p.offset,
                    })
                }
            }
        }
        Ok(out)
    }

    /// Encode text that a model *generated*. Decoding glues an unspaced word token onto
    /// the previous word ("doubles" + "valid" → "doublesvalid"), which strict [`encode`]
    /// rejects; here an unknown letter run is split into the fewest vocabulary words that
    /// spell it (dynamic programming, ties to the longest first piece), so the decoded
    /// text of any id sequence encodes again. Text that cannot be split is still an error.
    ///
    /// [`encode`]: Tokenizer::encode
    pub fn encode_lenient(&self, text: &str) -> Result<Vec<u32>, TokenizeError> {
        let mut out = Vec::with_capacity(text.len() / 3);
        for p in pieces(text)? {
            let key = if p.spaced {
                format!("{SPACE}{}", p.text)
            } else {
                p.text.to_string()
            };
            if let Some(&id) = self.ids.get(&key) {
                out.push(id);
                continue;
            }
            let split =
                self.segment(p.text, p.spaced)
                    .ok_or_else(|| TokenizeError::UnknownWord {
                        word: p.text.to_string(),
                        offset: p.offset,
                    })?;
            out.extend(split);
        }
        Ok(out)
    }

    /// Fewest-token split of a letter run into vocabulary words; the first piece carries
    /// the leading space when `spaced`.
    fn segment(&self, word: &str, spaced: bool) -> Option<Vec<u32>> {
        let n = word.len();
        // best[i] = (tokens, id of the piece ending at i, start of that piece)
        let mut best: Vec<Option<(usize, u32, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0, 0));
        for end in 1..=n {
            for start in 0..end {
                let Some((k, _, _)) = best[start] else {
                    continue;
                };
                let piece = &word[start..end];
                let key = if start == 0 && spaced {
                    format!("{SPACE}{piece}")
                } else {
                    piece.to_string()
                };
                if let Some(&id) = self.ids.get(&key) {
                    if best[end].is_none_or(|(b, _, _)| k + 1 < b) {
                        best[end] = Some((k + 1, id, start));
                    }
                }
            }
        }
        let mut ids = Vec::new();
        let mut at = n;
        while at > 0 {
            let (_, id, start) = best[at]?;
            ids.push(id);
            at = start;
        }
        ids.reverse();
        Some(ids)
    }

    /// Number of tokens of a text (what the teacher's ledger charges). Uses
    /// [`Tokenizer::encode_lenient`] because judged and rewarded texts contain the
    /// student's raw generations; for well-formed text it equals `encode(text).len()`.
    pub fn count(&self, text: &str) -> Result<usize, TokenizeError> {
        Ok(self.encode_lenient(text)?.len())
    }

    /// Decode ids back to text; special tokens are dropped.
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut s = String::new();
        for &id in ids {
            if (id as usize) < SPECIALS.len() {
                continue;
            }
            let t = self
                .tokens
                .get(id as usize)
                .map(String::as_str)
                .unwrap_or("");
            if t == SPACE {
                s.push(' ');
            } else if let Some(w) = t.strip_prefix(SPACE) {
                s.push(' ');
                s.push_str(w);
            } else {
                s.push_str(t);
            }
        }
        s
    }

    /// The text of one token (for reports and token histograms).
    pub fn token(&self, id: u32) -> &str {
        &self.tokens[id as usize]
    }

    /// Id of a token text, if present.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tok() -> Tokenizer {
        Tokenizer::from_lexicon(["Janet has apples", "Answer", "boxed"])
    }

    #[test]
    fn digits_are_single_tokens_and_words_whole() {
        let t = tok();
        let ids = t.encode("Janet has 123 apples.").unwrap();
        // Janet, ▁has, ▁1, 2, 3, ▁apples, .
        assert_eq!(ids.len(), 7);
        assert_eq!(t.token(ids[2]), "\u{2581}1");
        assert_eq!(t.token(ids[3]), "2");
        assert_eq!(t.decode(&ids), "Janet has 123 apples.");
    }

    #[test]
    fn unknown_word_is_an_error_with_offset() {
        let t = tok();
        assert_eq!(
            t.encode("Janet eats"),
            Err(TokenizeError::UnknownWord {
                word: "eats".into(),
                offset: 6
            })
        );
        assert!(matches!(
            t.encode("caf\u{e9}"),
            Err(TokenizeError::UnknownWord { .. }) | Err(TokenizeError::UnsupportedChar { .. })
        ));
    }

    #[test]
    fn ids_are_stable_and_specials_first() {
        let a = tok();
        let b = Tokenizer::from_lexicon(["boxed Answer", "apples has Janet"]);
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(a.token(PAD), "<pad>");
        assert_eq!(a.token(EOS), "<eos>");
    }

    #[test]
    fn lenient_encoding_reads_back_glued_generations() {
        let t = tok();
        let has = t.id("has").unwrap();
        let apples = t.id("apples").unwrap();
        let janet = t.id("\u{2581}Janet").unwrap();
        let text = t.decode(&[janet, has, apples]);
        assert_eq!(text, " Janethasapples");
        assert!(t.encode(&text).is_err());
        assert_eq!(t.encode_lenient(&text).unwrap(), vec![janet, has, apples]);
        assert_eq!(t.count(&text).unwrap(), 3);
        // A word that no split of vocabulary words spells is still rejected.
        assert!(t.encode_lenient("Janet eats").is_err());
    }

    proptest! {
        /// Any id sequence decodes to text that lenient encoding reads back without
        /// error, to no more tokens than were generated.
        #[test]
        fn decoded_generations_encode_leniently(ids in proptest::collection::vec(4u32..40, 0..30)) {
            let t = tok();
            let ids: Vec<u32> = ids.into_iter().filter(|i| (*i as usize) < t.vocab_size()).collect();
            let text = t.decode(&ids);
            let back = t.encode_lenient(&text).unwrap();
            prop_assert!(back.len() <= ids.len());
            prop_assert_eq!(t.decode(&back), text);
        }

        #[test]
        fn round_trip(parts in proptest::collection::vec(
            prop_oneof![
                Just(" Janet".to_string()), Just(" has".to_string()), Just("\napples".to_string()),
                Just(" ".to_string()), Just("  ".to_string()), Just("\n".to_string()),
                "[0-9]{1,4}", Just("(".to_string()), Just("#### ".to_string()),
                Just("\\boxed{".to_string()), Just("}".to_string()), Just(" = ".to_string()),
            ], 0..30)) {
            let t = tok();
            let text: String = parts.concat();
            let ids = t.encode(&text).unwrap();
            prop_assert_eq!(t.decode(&ids), text);
        }
    }
}
