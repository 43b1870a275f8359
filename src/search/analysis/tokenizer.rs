//! The mixed-script tokenizer under every text field: text is cut into runs by script
//! (`cjk::script`); an alphabetic run is one word, as tantivy's `SimpleTokenizer` cuts
//! it, a Han run is segmented with jieba, and a Kana or Hangul run becomes bigrams.
//! Positions are ordinal, one per word, so phrases work in every script; a sub-word the
//! index mode adds (长春 inside 长春市) shares its word's position.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::cjk::{self, Script};

/// What the tokenizer is cutting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Stored text: Han words with their dictionary sub-words.
    Index,
    /// A query: Han words alone, so that 长春电影制片厂 asks for the studio's name.
    Query,
}

/// Cuts `text` into tokens, calling `push` for each in position order.
pub fn tokens(text: &str, mode: Mode, mut push: impl FnMut(Token)) {
    let mut position = 0usize;
    let mut emit = |from: usize, to: usize, word: String, inner: bool| {
        if inner {
            // A sub-word: the position of the word before it.
            push(Token { offset_from: from, offset_to: to, position: position - 1, text: word, position_length: 1 });
        } else {
            push(Token { offset_from: from, offset_to: to, position, text: word, position_length: 1 });
            position += 1;
        }
    };
    let mut run_start = 0;
    let mut run_script = Script::Other;
    let mut flush = |from: usize, to: usize, script: Script| {
        let run = &text[from..to];
        match script {
            Script::Other => {}
            Script::Alphabetic => emit(from, to, run.to_owned(), false),
            Script::Han => {
                for segment in cjk::segment_han(run, mode == Mode::Index) {
                    emit(from + segment.from, from + segment.to, segment.text, segment.inner);
                }
            }
            Script::Syllabic => {
                for segment in cjk::bigrams(run) {
                    emit(from + segment.from, from + segment.to, segment.text, false);
                }
            }
        }
    };
    for (at, c) in text.char_indices() {
        let script = cjk::script(c);
        if script != run_script {
            flush(run_start, at, run_script);
            run_start = at;
            run_script = script;
        }
    }
    flush(run_start, text.len(), run_script);
}

/// The tokenizer registered on the index (index mode).
#[derive(Clone)]
pub struct MixedTokenizer {
    mode: Mode,
    tokens: Vec<Token>,
}

impl MixedTokenizer {
    pub fn new(mode: Mode) -> Self {
        Self { mode, tokens: Vec::new() }
    }
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = MixedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MixedStream<'a> {
        self.tokens.clear();
        let out = &mut self.tokens;
        tokens(text, self.mode, |token| out.push(token));
        MixedStream { tokens: &mut self.tokens, next: 0 }
    }
}

/// The tokens of one text, cut ahead.
pub struct MixedStream<'a> {
    tokens: &'a mut Vec<Token>,
    /// One past the current token.
    next: usize,
}

impl TokenStream for MixedStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str, mode: Mode) -> Vec<(String, usize, &str)> {
        let mut out = Vec::new();
        tokens(text, mode, |t| out.push((t.text.clone(), t.position, &text[t.offset_from..t.offset_to])));
        out
    }

    #[test]
    fn alphabetic_words_are_cut_as_before() {
        let words: Vec<String> =
            cut("FAW-Volkswagen's 3,071 people, café", Mode::Index).into_iter().map(|w| w.0).collect();
        assert_eq!(words, ["FAW", "Volkswagen", "s", "3", "071", "people", "café"]);
    }

    #[test]
    fn mixed_text_has_ordinal_positions_and_sub_words_share_their_words() {
        let cut = cut("FAW 长春市 Film", Mode::Index);
        assert_eq!(
            cut,
            [
                ("FAW".to_owned(), 0, "FAW"),
                ("长春市".to_owned(), 1, "长春市"),
                ("长春".to_owned(), 1, "长春"),
                ("Film".to_owned(), 2, "Film")
            ]
        );
    }

    #[test]
    fn queries_keep_words_whole_and_scripts_apart() {
        let words: Vec<String> = cut("长春电影制片厂FAW汽车", Mode::Query).into_iter().map(|w| w.0).collect();
        assert_eq!(words, ["长春电影制片厂", "FAW", "汽车"]);
    }
}
