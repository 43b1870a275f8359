//! Pinyin: Han words romanized without tones, for the pinyin field (`changchun`,
//! `dianying` and `qiche` find 长春电影制片厂 and 中国第一汽车集团有限公司) and for slugs
//! made from Chinese names.
//!
//! A character's readings come from the `pinyin` crate, whose first reading is not
//! always a name's: it reads 长春 as "zhangchun". Words in `pinyin-words.txt` (place
//! names first) take their reading from there, also inside longer words (长春市); the
//! index also holds up to `CANDIDATES` other readings of each word, so a reading the
//! table lacks is still found.

use std::collections::HashMap;
use std::sync::LazyLock;

use pinyin::{ToPinyin, ToPinyinMulti};

use super::cjk::{self, Script};
use super::tokenizer::{tokens, Mode};

/// At most this many readings of one word are indexed.
const CANDIDATES: usize = 4;

/// The longest word in the table, in chars.
const LONGEST: usize = 4;

/// Words and their syllables, from `pinyin-words.txt`.
static WORDS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    include_str!("pinyin-words.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            Some((parts.next()?, parts.collect()))
        })
        .collect()
});

/// The readings of each char of a Han word, best first: the table's reading for the
/// chars a table word covers, else every reading the crate knows (its first first).
/// `None` when a char has no reading.
fn readings(word: &str) -> Option<Vec<Vec<&'static str>>> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<Vec<&'static str>> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let known = (2..=LONGEST.min(chars.len() - i)).rev().find_map(|n| {
            let piece: String = chars[i..i + n].iter().collect();
            WORDS.get(piece.as_str()).filter(|syllables| syllables.len() == n)
        });
        if let Some(syllables) = known {
            out.extend(syllables.iter().map(|syllable| vec![*syllable]));
            i += syllables.len();
            continue;
        }
        let first = chars[i].to_pinyin()?.plain();
        let mut all = vec![first];
        if let Some(multi) = chars[i].to_pinyin_multi() {
            for reading in multi {
                if !all.contains(&reading.plain()) {
                    all.push(reading.plain());
                }
            }
        }
        out.push(all);
        i += 1;
    }
    Some(out)
}

/// The word's best reading, a syllable per char.
pub fn syllables(word: &str) -> Option<Vec<&'static str>> {
    readings(word).map(|chars| chars.into_iter().map(|options| options[0]).collect())
}

/// Up to `CANDIDATES` readings of a word, each joined ("changchun"), the best first.
fn candidates(readings: &[Vec<&'static str>]) -> Vec<String> {
    let mut out = vec![String::new()];
    for options in readings {
        let mut next = Vec::with_capacity(CANDIDATES);
        'fill: for option in options {
            for prefix in &out {
                if next.len() == CANDIDATES {
                    break 'fill;
                }
                next.push(format!("{prefix}{option}"));
            }
        }
        out = next;
    }
    out
}

/// What the pinyin field holds for `text`: for each Han word and sub-word, its readings
/// joined and its syllables, separated by spaces. Empty when the text has no Han.
pub fn index_text(text: &str) -> String {
    if !text.chars().any(|c| cjk::script(c) == Script::Han) {
        return String::new();
    }
    let mut out: Vec<String> = Vec::new();
    tokens(text, Mode::Index, |token| {
        if !cjk::is_han(&token.text) {
            return;
        }
        let Some(readings) = readings(&token.text) else { return };
        out.extend(candidates(&readings));
        out.extend(readings.iter().flatten().map(|syllable| (*syllable).to_owned()));
    });
    out.join(" ")
}

/// Returns whether the Latin query word `latin` (lowercase) reads the Han word `han`:
/// one of its indexed readings joined, or one of its syllables, as the pinyin field
/// holds them. Highlights use it to mark the Chinese word a pinyin query found.
pub fn reads_as(han: &str, latin: &str) -> bool {
    let Some(readings) = readings(han) else { return false };
    readings.iter().flatten().any(|syllable| *syllable == latin)
        || candidates(&readings).iter().any(|joined| joined == latin)
}

/// Han words longer than this many chars are cut into their dictionary sub-words for a
/// slug (长春电影制片厂 is changchun-dianying-zhipianchang).
const LONGEST_SLUG_WORD: usize = 4;

/// The words of a name for its slug: each Han word romanized ("长春" is "changchun"; a
/// long one cut into the words it is made of), other words lowercased as they are, Kana
/// and Hangul left out.
pub fn slug_words(name: &str) -> Vec<String> {
    // (word, its sub-words) in order.
    let mut words: Vec<(tantivy::tokenizer::Token, Vec<tantivy::tokenizer::Token>)> = Vec::new();
    tokens(name, Mode::Index, |token| match words.last_mut() {
        Some((word, inner)) if word.position == token.position => inner.push(token),
        _ => words.push((token, Vec::new())),
    });
    let mut out = Vec::new();
    for (word, mut inner) in words {
        if !cjk::is_han(&word.text) {
            if !cjk::is_cjk(&word.text) {
                out.push(word.text.to_lowercase());
            }
            continue;
        }
        let mut pieces = vec![word.clone()];
        if word.text.chars().count() > LONGEST_SLUG_WORD && !inner.is_empty() {
            // Left to right, the longest sub-word at each place; a char no sub-word
            // covers stands alone.
            inner.sort_by_key(|t| (t.offset_from, std::cmp::Reverse(t.offset_to)));
            pieces.clear();
            let mut at = word.offset_from;
            while at < word.offset_to {
                match inner.iter().find(|t| t.offset_from == at) {
                    Some(t) => {
                        pieces.push(t.clone());
                        at = t.offset_to;
                    }
                    None => {
                        let c = name[at..].chars().next().map_or(1, char::len_utf8);
                        let text = cjk::fold(&name[at..at + c]);
                        pieces.push(tantivy::tokenizer::Token {
                            offset_from: at,
                            offset_to: at + c,
                            text,
                            ..word.clone()
                        });
                        at += c;
                    }
                }
            }
        }
        out.extend(pieces.iter().filter_map(|piece| syllables(&piece.text).map(|s| s.concat())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_names_take_their_place_name_readings() {
        assert_eq!(syllables("长春").unwrap(), ["chang", "chun"]);
        assert_eq!(syllables("重庆").unwrap(), ["chong", "qing"]);
        assert_eq!(syllables("厦门").unwrap(), ["xia", "men"]);
        assert_eq!(syllables("长春市").unwrap(), ["chang", "chun", "shi"], "inside a longer word too");
        assert_eq!(syllables("电影").unwrap(), ["dian", "ying"]);
    }

    #[test]
    fn other_readings_are_indexed_too_up_to_a_cap() {
        let readings = readings("长度长").unwrap();
        let joined = candidates(&readings);
        assert_eq!(joined[0], "changduzhang");
        assert!(joined.contains(&"changduchang".to_owned()), "{joined:?}");
        assert!(joined.len() <= CANDIDATES);
    }

    #[test]
    fn the_pinyin_field_holds_words_sub_words_and_syllables() {
        let text = index_text("长春电影制片厂");
        let words: Vec<&str> = text.split(' ').collect();
        for word in ["changchundianyingzhipianchang", "changchun", "dianying", "zhipianchang", "chang", "chun"] {
            assert!(words.contains(&word), "{word}: {text}");
        }
        assert!(index_text("Changchun Film Studio").is_empty());
        assert!(index_text("中国第一汽车集团有限公司").split(' ').any(|w| w == "qiche"));
    }

    #[test]
    fn a_latin_word_reads_a_han_word_as_the_pinyin_field_holds_it() {
        assert!(reads_as("长春", "changchun"));
        assert!(reads_as("长春", "chun"), "a syllable");
        assert!(reads_as("电影", "dianying"));
        assert!(!reads_as("长春", "zhangchunx"));
        assert!(!reads_as("长春", "dianying"));
    }

    #[test]
    fn names_become_slug_words() {
        assert_eq!(slug_words("长春电影制片厂"), ["changchun", "dianying", "zhipianchang"]);
        assert_eq!(slug_words("長春電影製片廠"), ["changchun", "dianying", "zhipianchang"]);
        assert_eq!(slug_words("中国第一汽车集团有限公司"), ["zhongguo", "diyi", "qichejituan", "youxiangongsi"]);
        assert_eq!(slug_words("FAW-大众 2nd"), ["faw", "dazhong", "2nd"]);
        assert_eq!(slug_words("カメラ"), Vec::<String>::new());
    }
}
