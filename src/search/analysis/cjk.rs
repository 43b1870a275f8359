//! Chinese, Japanese and Korean runs: Han characters folded to simplified (長春 is
//! 长春) and segmented with jieba, its dictionary embedded; Kana and Hangul runs cut
//! into overlapping bigrams, as they have no dictionary here.

use std::sync::LazyLock;

use jieba_rs::Jieba;

/// The segmenter, its dictionary loaded on first use (about 100 ms in a release build):
/// a graph without Han characters never loads it.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// The scripts the tokenizer tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic, ...): words
    /// are runs of them.
    Alphabetic,
    Han,
    /// Hiragana, Katakana and Hangul: cut into bigrams.
    Syllabic,
    /// Spaces, punctuation, symbols: between words.
    Other,
}

/// Which script `c` belongs to.
pub fn script(c: char) -> Script {
    match u32::from(c) {
        0x3005 | 0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F => Script::Han,
        0x3040..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Syllabic,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xD7B0..=0xD7FF => Script::Syllabic,
        _ if c.is_alphanumeric() => Script::Alphabetic,
        _ => Script::Other,
    }
}

/// Whether `text` holds a Han, Kana or Hangul character: such words have no typos and
/// no did-you-mean.
pub fn is_cjk(text: &str) -> bool {
    text.chars().any(|c| matches!(script(c), Script::Han | Script::Syllabic))
}

/// One segmented word of a run: its byte range in the run, its text (simplified), and
/// whether it is a sub-word of the word before it in the list's order of positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub from: usize,
    pub to: usize,
    pub text: String,
    /// A dictionary word inside a longer word (长春 in 长春市), at that word's position.
    pub inner: bool,
}

/// Whether every char of `text` is a Han character.
pub fn is_han(text: &str) -> bool {
    text.chars().all(|c| script(c) == Script::Han)
}

/// Han characters folded to simplified (長春 is 长春), char for char.
pub fn fold(text: &str) -> String {
    fast2s::convert(text)
}

/// The byte offset of each char of `run`, then the run's length.
fn char_bounds(run: &str) -> Vec<usize> {
    run.char_indices().map(|(i, _)| i).chain(std::iter::once(run.len())).collect()
}

/// Segments a run of Han characters. Each word is followed by its sub-words when
/// `inner` is set (what the index holds, so that 长春 finds 长春市), as jieba's search
/// mode finds them: the 2- and 3-character dictionary words inside a longer word.
pub fn segment_han(run: &str, inner: bool) -> Vec<Segment> {
    let folded = fold(run);
    // Folding maps a char to a char: the folded text's char `i` is the run's char `i`.
    let bytes = char_bounds(run);
    if folded.chars().count() + 1 != bytes.len() {
        // Not one to one after all: segment the run as written.
        return segment_folded(run, &bytes, inner);
    }
    segment_folded(&folded, &bytes, inner)
}

fn segment_folded(folded: &str, bytes: &[usize], inner: bool) -> Vec<Segment> {
    let mut out = Vec::new();
    for token in JIEBA.cut(folded, true) {
        out.push(Segment { from: bytes[token.start], to: bytes[token.end], text: token.word.to_owned(), inner: false });
        let length = token.end - token.start;
        if !inner || length <= 2 {
            continue;
        }
        let chars: Vec<(usize, char)> = token.word.char_indices().collect();
        let end_of = |k: usize| if k == chars.len() { token.word.len() } else { chars[k].0 };
        for n in [2, 3] {
            if length <= n {
                continue;
            }
            for i in 0..=length - n {
                let gram = &token.word[chars[i].0..end_of(i + n)];
                if JIEBA.has_word(gram) {
                    out.push(Segment {
                        from: bytes[token.start + i],
                        to: bytes[token.start + i + n],
                        text: gram.to_owned(),
                        inner: true,
                    });
                }
            }
        }
    }
    out
}

/// Cuts a run of Kana or Hangul into overlapping bigrams (a single char stays whole).
pub fn bigrams(run: &str) -> Vec<Segment> {
    let bytes = char_bounds(run);
    let chars = bytes.len() - 1;
    if chars <= 1 {
        return vec![Segment { from: 0, to: run.len(), text: run.to_owned(), inner: false }];
    }
    (0..chars - 1)
        .map(|i| Segment {
            from: bytes[i],
            to: bytes[i + 2],
            text: run[bytes[i]..bytes[i + 2]].to_owned(),
            inner: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(segments: &[Segment]) -> Vec<(&str, bool)> {
        segments.iter().map(|s| (s.text.as_str(), s.inner)).collect()
    }

    #[test]
    fn han_runs_are_segmented_with_their_dictionary_sub_words() {
        let segments = segment_han("中国第一汽车集团有限公司", true);
        let words: Vec<&str> = segments.iter().filter(|s| !s.inner).map(|s| s.text.as_str()).collect();
        assert_eq!(words, ["中国", "第一", "汽车集团", "有限公司"]);
        assert!(texts(&segments).contains(&("汽车", true)), "{segments:?}");
        let film = segment_han("长春电影制片厂", true);
        for word in ["长春", "电影", "制片厂"] {
            assert!(texts(&film).contains(&(word, true)), "{word}: {film:?}");
        }
        assert_eq!(texts(&segment_han("长春电影制片厂", false)), [("长春电影制片厂", false)]);
    }

    #[test]
    fn traditional_characters_are_folded_to_simplified_with_the_original_offsets() {
        let segments = segment_han("長春電影製片廠", false);
        assert_eq!(texts(&segments), [("长春电影制片厂", false)]);
        assert_eq!((segments[0].from, segments[0].to), (0, "長春電影製片廠".len()));
    }

    #[test]
    fn kana_and_hangul_become_bigrams() {
        assert_eq!(texts(&bigrams("カメラ")), [("カメ", false), ("メラ", false)]);
        assert_eq!(texts(&bigrams("서울")), [("서울", false)]);
        assert_eq!(texts(&bigrams("の")), [("の", false)]);
    }

    #[test]
    fn scripts_are_told_apart() {
        assert_eq!(script('长'), Script::Han);
        assert_eq!(script('カ'), Script::Syllabic);
        assert_eq!(script('한'), Script::Syllabic);
        assert_eq!(script('é'), Script::Alphabetic);
        assert_eq!(script('7'), Script::Alphabetic);
        assert_eq!(script('，'), Script::Other);
        assert!(is_cjk("FAW一汽") && !is_cjk("Changchun"));
    }
}
