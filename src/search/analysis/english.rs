//! The English chain every word goes through after the tokenizer: long tokens dropped,
//! lowercased, accents folded, and (for the stemmed fields) stemmed ("skiing" -> "ski").
//! Han, Kana and Hangul words pass through it unchanged. Also the English stop words.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer, TextAnalyzer, Tokenizer,
};

/// Tokens longer than this many bytes are not indexed.
const LONGEST_TOKEN: usize = 40;

/// The chain over `tokenizer`, stemmed or not.
pub fn chain<T: Tokenizer>(tokenizer: T, stemmed: bool) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(tokenizer)
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    if stemmed {
        builder.filter(Stemmer::new(Language::English)).build()
    } else {
        builder.build()
    }
}

thread_local! {
    static STEMMER: RefCell<TextAnalyzer> =
        RefCell::new(TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::English)).build());
}

/// The stem of one word the chain has lowercased and folded.
pub fn stem(word: &str) -> String {
    STEMMER.with(|stemmer| {
        let mut stemmer = stemmer.borrow_mut();
        let mut stream = stemmer.token_stream(word);
        if stream.advance() {
            stream.token().text.clone()
        } else {
            word.to_owned()
        }
    })
}

/// English stop words: stopwords-iso's list ("how", "did", "much", "give"...), as the
/// chain writes them ("didn't" is "didn" and "t", which the list holds too).
static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let list = stop_words::lookup("en").unwrap_or_default();
    list.iter().copied().filter(|word| word.chars().all(|c| c.is_ascii_lowercase())).collect()
});

/// Whether a lowercased word is an English stop word. Such a word carries little meaning
/// in a search: it is searched as typed, never expanded for typos, never corrected by
/// did-you-mean ("how" is not a typo of "now", nor "give" of "five") and never proposed
/// as a correction ("with" for "wich" would find everything).
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_are_stemmed_and_others_pass_unchanged() {
        assert_eq!(stem("skiing"), "ski");
        assert_eq!(stem("achievements"), "achiev");
        for word in ["长春", "汽车集团", "カメ", "서울"] {
            assert_eq!(stem(word), word);
        }
    }

    #[test]
    fn english_stop_words_are_known() {
        for word in ["how", "did", "the", "which", "during", "much", "give", "didn"] {
            assert!(is_stop_word(word), "{word}");
        }
        for word in ["gold", "china", "medals", "win", "games", "film", "skiing", "changchun"] {
            assert!(!is_stop_word(word), "{word}");
        }
    }
}
