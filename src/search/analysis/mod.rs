//! Text analysis: how titles, bodies and queries become index terms, in one place.
//!
//! - `tokenizer`: the mixed-script tokenizer under every text field (words by script,
//!   ordinal positions);
//! - `cjk`: Han runs folded to simplified and segmented with jieba, Kana and Hangul as
//!   bigrams;
//! - `english`: lowercasing, accent folding and stemming, after the tokenizer;
//! - `pinyin`: Han words romanized, for the pinyin field and for slugs.
//!
//! `register` puts the analyzers on an index; `words` and `query_words` analyze text the
//! way the index and the query parser do.

pub mod cjk;
pub mod english;
pub mod pinyin;
mod tokenizer;

use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer, TokenStream};
use tantivy::Index;

use tokenizer::MixedTokenizer;
pub use tokenizer::Mode;

/// Words lowercased, accents folded, English stemmed ("skiing" -> "ski"); Han words with
/// their sub-words.
pub const STEMMED: &str = "ag_stemmed";
/// The same words unstemmed: the vocabulary for typos, prefixes and suggestions.
pub const PLAIN: &str = "ag_plain";
/// The pinyin field's words, written by `pinyin::index_text`: split on spaces, lowercased.
pub const PINYIN: &str = "ag_pinyin";

/// The analyzer of the stemmed fields (`title`, `body`, `context`).
pub fn stemmed_analyzer() -> TextAnalyzer {
    english::chain(MixedTokenizer::new(Mode::Index), true)
}

/// The analyzer of the `*_plain` fields.
pub fn plain_analyzer() -> TextAnalyzer {
    english::chain(MixedTokenizer::new(Mode::Index), false)
}

/// Registers every analyzer on an index.
pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(PLAIN, plain_analyzer());
    index.tokenizers().register(PINYIN, TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).build());
}

/// One analyzed word: its stem, its unstemmed form, its byte range in the text and its
/// position (a sub-word shares the position of the word it is part of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub stem: String,
    pub plain: String,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

impl Word {
    /// Whether the word is Chinese, Japanese or Korean: no typos, no did-you-mean.
    pub fn is_cjk(&self) -> bool {
        cjk::is_cjk(&self.plain)
    }
}

/// Splits stored text into words the way the index does (sub-words included).
pub fn words(text: &str) -> Vec<Word> {
    analyze(text, Mode::Index)
}

/// Splits a query into words the way the parser searches them (Han words whole).
pub fn query_words(text: &str) -> Vec<Word> {
    analyze(text, Mode::Query)
}

/// One pass of the unstemmed chain, each word then stemmed on its own: the stem and the
/// plain form always belong to the same token.
fn analyze(text: &str, mode: Mode) -> Vec<Word> {
    let mut plain = english::chain(MixedTokenizer::new(mode), false);
    let mut stream = plain.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push(Word {
            stem: english::stem(&token.text),
            plain: token.text.clone(),
            from: token.offset_from,
            to: token.offset_to,
            position: token.position,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plains(words: &[Word]) -> Vec<(&str, usize)> {
        words.iter().map(|w| (w.plain.as_str(), w.position)).collect()
    }

    #[test]
    fn stems_and_plain_forms_stay_together_when_the_chain_drops_a_token() {
        // The long token is dropped; a zip of two streams would pair what follows wrongly.
        let text = format!("Skiing {} achievements", "x".repeat(60));
        let words = words(&text);
        assert_eq!(
            words.iter().map(|w| (w.plain.as_str(), w.stem.as_str())).collect::<Vec<_>>(),
            [("skiing", "ski"), ("achievements", "achiev")]
        );
    }

    #[test]
    fn stored_text_has_sub_words_and_queries_do_not() {
        assert_eq!(plains(&words("长春市 FAW")), [("长春市", 0), ("长春", 0), ("faw", 1)]);
        assert_eq!(plains(&query_words("长春市 FAW")), [("长春市", 0), ("faw", 1)]);
        let word = &query_words("長春")[0];
        assert_eq!((word.plain.as_str(), word.from, word.to, word.is_cjk()), ("长春", 0, 6, true));
    }
}
