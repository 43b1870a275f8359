//! The English chain every word goes through after the tokenizer: long tokens dropped,
//! lowercased, accents folded, and (for the stemmed fields) stemmed ("skiing" -> "ski").
//! Han, Kana and Hangul words pass through it unchanged.

use std::cell::RefCell;

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
}
