//! Highlights: which chars of a stored field matched the query, as a plain-text snippet
//! with char ranges.
//!
//! Tantivy's `SnippetGenerator` only knows exact terms, so typo and prefix matches would
//! go unmarked; this module re-analyzes the text with the index's own analyzers instead.

use std::collections::HashMap;

use super::analysis::{pinyin, Word};
use super::query::{typo_budget, Clause};

/// Texts up to this many chars are returned whole; longer ones are cut around the matches.
pub const SNIPPET_CHARS: usize = 200;
/// Chars of context kept before the first match of a cut snippet.
const LEAD_CHARS: usize = 40;

/// A matched passage of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    pub field: String,
    pub snippet: String,
    /// Char ranges into `snippet`, start inclusive, end exclusive, sorted, not overlapping.
    pub ranges: Vec<(usize, usize)>,
}

/// Returns the byte ranges of the text that the clauses match, given its words. A word
/// clause also marks words within its typo budget when `typos` allows it for that word
/// (the search expands only words the index does not hold).
pub fn matches(tokens: &[Word], clauses: &[Clause], typos: &dyn Fn(&Word) -> bool) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut by_position: Option<Vec<Vec<&Word>>> = None;
    for clause in clauses {
        match clause {
            Clause::Phrase(phrase) if !phrase.is_empty() => {
                // By position: a sub-word (长春 inside 长春市) shares its word's position.
                let at = by_position.get_or_insert_with(|| {
                    let mut at: Vec<Vec<&Word>> = Vec::new();
                    for token in tokens {
                        if at.len() <= token.position {
                            at.resize_with(token.position + 1, Vec::new);
                        }
                        at[token.position].push(token);
                    }
                    at
                });
                for first in tokens.iter().filter(|token| token.stem == phrase[0].stem) {
                    let mut end = Some(first.to);
                    for (i, word) in phrase.iter().enumerate().skip(1) {
                        let next =
                            at.get(first.position + i).and_then(|words| words.iter().find(|t| t.stem == word.stem));
                        end = next.map(|t| t.to);
                        if end.is_none() {
                            break;
                        }
                    }
                    if let Some(end) = end {
                        ranges.push((first.from, end));
                    }
                }
            }
            Clause::Phrase(_) => {}
            Clause::Word(word) => {
                if is_pinyin_candidate(&word.plain) {
                    // A Latin word also finds Han words by their pinyin: mark the word it reads.
                    let mut reads: HashMap<&str, bool> = HashMap::new();
                    ranges.extend(
                        tokens
                            .iter()
                            .filter(|token| {
                                token.is_cjk()
                                    && *reads
                                        .entry(&token.plain)
                                        .or_insert_with(|| pinyin::reads_as(&token.plain, &word.plain))
                            })
                            .map(|t| (t.from, t.to)),
                    );
                }
                let budget = if typos(word) { typo_budget(&word.plain) as usize } else { 0 };
                if budget == 0 {
                    ranges.extend(tokens.iter().filter(|token| token.stem == word.stem).map(|t| (t.from, t.to)));
                    continue;
                }
                // A long text repeats its words: each distinct word is compared once.
                let mut seen: HashMap<&str, bool> = HashMap::new();
                ranges.extend(
                    tokens
                        .iter()
                        .filter(|token| {
                            token.stem == word.stem
                                || *seen
                                    .entry(&token.plain)
                                    .or_insert_with(|| within(&token.plain, &word.plain, budget))
                        })
                        .map(|t| (t.from, t.to)),
                );
            }
            Clause::Prefix(prefix) => ranges
                .extend(tokens.iter().filter(|token| token.plain.starts_with(prefix.as_str())).map(|t| (t.from, t.to))),
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// Whether a query word could be pinyin: lowercase ASCII letters only.
fn is_pinyin_candidate(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase())
}

/// Returns whether `a` is at most `budget` edits from `b`; lengths apart by more than the
/// budget are ruled out without computing the distance.
fn within(a: &str, b: &str, budget: usize) -> bool {
    let apart = if a.is_ascii() && b.is_ascii() {
        a.len().abs_diff(b.len())
    } else {
        a.chars().count().abs_diff(b.chars().count())
    };
    apart <= budget && strsim::damerau_levenshtein(a, b) <= budget
}

/// Builds the highlight of one field, or `None` when nothing in it matched.
#[cfg(test)]
pub fn highlight(field: &str, text: &str, clauses: &[Clause]) -> Option<Highlight> {
    highlight_words(field, text, &super::analysis::words(text), clauses, &|_| true)
}

/// Builds the highlight of one field from its text and the text's words (`words(text)`,
/// which a caller may keep), or `None` when nothing in it matched.
pub fn highlight_words(
    field: &str,
    text: &str,
    tokens: &[Word],
    clauses: &[Clause],
    typos: &dyn Fn(&Word) -> bool,
) -> Option<Highlight> {
    let ranges = matches(tokens, clauses, typos);
    if ranges.is_empty() {
        return None;
    }
    let total_chars = text.chars().count();
    let (mut from, mut to) = (0, text.len());
    if total_chars > SNIPPET_CHARS {
        // The window with the most matches, starting a little before one of them.
        let best = ranges
            .iter()
            .map(|&(start, _)| {
                let window_from = back_to_word_start(text, start, LEAD_CHARS);
                let window_to = forward_chars(text, window_from, SNIPPET_CHARS);
                let count = ranges.iter().filter(|&&(s, e)| s >= window_from && e <= window_to).count();
                (count, std::cmp::Reverse(window_from), window_to)
            })
            .max()
            .expect("at least one range");
        from = best.1 .0;
        to = back_to_word_end(text, from, best.2);
    }
    let prefix = if from > 0 { "…" } else { "" };
    let suffix = if to < text.len() { "…" } else { "" };
    let body = text[from..to].trim();
    let lead_trimmed = text[from..to].len() - text[from..to].trim_start().len();
    let body_from = from + lead_trimmed;
    let body_to = body_from + body.len();
    let offset = prefix.chars().count();
    let to_chars = |byte: usize| offset + text[body_from..byte].chars().count();
    let ranges = ranges
        .into_iter()
        .filter(|&(s, e)| s >= body_from && e <= body_to)
        .map(|(s, e)| (to_chars(s), to_chars(e)))
        .collect::<Vec<_>>();
    if ranges.is_empty() {
        return None;
    }
    Some(Highlight { field: field.to_owned(), snippet: format!("{prefix}{body}{suffix}"), ranges })
}

/// Returns a byte index at most `chars` chars before `at`, moved to the start of a word.
fn back_to_word_start(text: &str, at: usize, chars: usize) -> usize {
    let start = text[..at].char_indices().rev().nth(chars.saturating_sub(1)).map_or(0, |(i, _)| i);
    if start == 0 {
        return 0;
    }
    match text[start..at].find(char::is_whitespace) {
        Some(space) => start + space,
        None => start,
    }
}

/// Returns the byte index `chars` chars after `from`, or the end of the text.
fn forward_chars(text: &str, from: usize, chars: usize) -> usize {
    text[from..].char_indices().nth(chars).map_or(text.len(), |(i, _)| from + i)
}

/// Moves a cut back to the end of a whole word, unless that would leave nothing.
fn back_to_word_end(text: &str, from: usize, to: usize) -> usize {
    if to >= text.len() {
        return text.len();
    }
    match text[from..to].rfind(char::is_whitespace) {
        Some(space) if space > 0 => from + space,
        _ => to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    fn marked(highlight: &Highlight) -> Vec<String> {
        let chars: Vec<char> = highlight.snippet.chars().collect();
        highlight.ranges.iter().map(|&(s, e)| chars[s..e].iter().collect()).collect()
    }

    #[test]
    fn stems_typos_and_prefixes_are_marked_in_char_ranges() {
        let text = "China’s skiers ski at the Vasaloppet; sculptures abound.";
        let highlight = highlight("summary", text, &parse("skiing vasalopet sculpt*").clauses).unwrap();
        assert_eq!(marked(&highlight), ["ski", "Vasaloppet", "sculptures"]);
        assert_eq!(highlight.snippet, text);
    }

    #[test]
    fn typos_are_marked_only_for_words_the_search_expanded() {
        let text = "The Festival, misspelt festiwal.";
        let clauses = parse("festival").clauses;
        let tokens = crate::search::analysis::words(text);
        let expanded = highlight_words("name", text, &tokens, &clauses, &|_| true).unwrap();
        assert_eq!(marked(&expanded), ["Festival", "festiwal"]);
        let exact = highlight_words("name", text, &tokens, &clauses, &|_| false).unwrap();
        assert_eq!(marked(&exact), ["Festival"]);
    }

    #[test]
    fn a_phrase_is_marked_as_one_range() {
        let text = "The 6th Asian Winter Games was held in Changchun.";
        let highlight = highlight("name", text, &parse("\"asian winter games\"").clauses).unwrap();
        assert_eq!(marked(&highlight), ["Asian Winter Games"]);
    }

    #[test]
    fn long_text_is_cut_around_the_matches_with_ellipses() {
        let text = format!("{} the Vasaloppet race {}", "filler words here ".repeat(30), "more filler ".repeat(30));
        let highlight = highlight("summary", &text, &parse("vasaloppet").clauses).unwrap();
        assert!(highlight.snippet.starts_with('…') && highlight.snippet.ends_with('…'));
        assert!(highlight.snippet.chars().count() <= SNIPPET_CHARS + 2);
        assert_eq!(marked(&highlight), ["Vasaloppet"]);
    }

    #[test]
    fn chinese_words_and_phrases_are_marked_in_char_ranges() {
        let text = "长春电影制片厂 (Changchun Film Studio) 在长春市";
        let words = highlight("name", text, &parse("电影 长春").clauses).unwrap();
        assert_eq!(marked(&words), ["长春电影", "长春"]);
        assert_eq!(words.ranges[0], (0, 4), "char ranges, not bytes");
        let phrase = highlight("name", text, &parse("\"film studio 在 长春\"").clauses).unwrap();
        assert_eq!(marked(&phrase), ["Film Studio) 在长春"]);
        let traditional = highlight("name", "長春電影製片廠", &parse("电影").clauses).unwrap();
        assert_eq!(marked(&traditional), ["電影"]);
    }

    #[test]
    fn a_pinyin_word_marks_the_chinese_word_it_reads() {
        let text = "长春电影制片厂 (Changchun Film Studio)";
        let highlight = highlight("name", text, &parse("dianying changchun").clauses).unwrap();
        assert_eq!(marked(&highlight), ["长春电影", "Changchun"]);
        let none = highlight_words(
            "name",
            "中国第一汽车集团",
            &crate::search::analysis::words("中国第一汽车集团"),
            &parse("film").clauses,
            &|_| true,
        );
        assert_eq!(none, None);
    }

    #[test]
    fn a_field_without_matches_has_no_highlight() {
        assert_eq!(highlight("name", "Changchun", &parse("skiing").clauses), None);
    }
}
