//! Synonym sets, read from a file in the Solr format (which Elasticsearch also reads),
//! applied at query time: changing them needs a restart, never a reindex.
//!
//! - `VW, Volkswagen`: equivalents; each one also searches the others.
//! - `FAW => FAW Group, First Automobile Works`: one way; `FAW` also searches the right
//!   side, which does not search `FAW`.
//! - `#` starts a comment line; `\,`, `\=>`, `\#` and `\\` escape. Lines with the same
//!   entry add up.
//!
//! Entries are analyzed as queries are and matched by stems, so `VWs` is `VW`; an entry
//! of several words matches those words typed in that order, and searches as a phrase.
//! What was typed is always searched too (Solr's one-way rule replaces it; here a
//! synonym only widens a search).

use std::collections::HashMap;
use std::path::Path;

use super::analysis::{query_words, Word};
use crate::error::Error;

/// At most this many words in one entry: longer ones are refused (a query has at most
/// `query::MAX_CLAUSES` words).
const MAX_ENTRY_WORDS: usize = 8;

/// The synonym rules: from the stems of an entry to the entries it also searches.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    rules: HashMap<Vec<String>, Vec<Vec<Word>>>,
    /// The most words in any entry that has synonyms.
    longest: usize,
}

impl Synonyms {
    /// Reads a synonyms file; a problem is an error naming the file and line.
    pub fn read_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Error::InvalidInput(format!("cannot read the synonyms file {}: {error}", path.display()))
        })?;
        Self::parse(&text)
            .map_err(|problem| Error::InvalidInput(format!("synonyms file {}: {problem}", path.display())))
    }

    /// Parses synonym rules; the error says which line is at fault and why.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut synonyms = Self::default();
        for (number, line) in text.lines().enumerate() {
            let at = |problem: String| format!("line {}: {problem}", number + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let sides = split_unescaped(line, "=>");
            let entries = |side: &str| -> Result<Vec<Vec<Word>>, String> {
                split_unescaped(side, ",").into_iter().map(|entry| analyze(&entry)).collect::<Result<_, _>>()
            };
            match sides.as_slice() {
                [equivalents] => {
                    let all = entries(equivalents).map_err(at)?;
                    if all.len() < 2 {
                        return Err(at("an equivalence needs two entries or more, separated by commas".to_owned()));
                    }
                    for from in &all {
                        synonyms.add(from, all.iter().filter(|to| stems(to) != stems(from)));
                    }
                }
                [left, right] => {
                    let (from, to) = (entries(left).map_err(at)?, entries(right).map_err(at)?);
                    for entry in &from {
                        synonyms.add(entry, to.iter().filter(|to| stems(to) != stems(entry)));
                    }
                }
                _ => return Err(at("more than one `=>`".to_owned())),
            }
        }
        Ok(synonyms)
    }

    fn add<'a>(&mut self, from: &[Word], to: impl Iterator<Item = &'a Vec<Word>>) {
        let known = self.rules.entry(stems(from)).or_default();
        for entry in to {
            if !known.iter().any(|seen| stems(seen) == stems(entry)) {
                known.push(entry.clone());
            }
        }
        if known.is_empty() {
            self.rules.remove(&stems(from));
        } else {
            self.longest = self.longest.max(from.len());
        }
    }

    /// Returns how many entries have synonyms.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Returns whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Returns the most words of an entry that has synonyms (0 without rules).
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Returns the entries that the words of these stems also search, if any.
    pub fn of(&self, stems: &[String]) -> &[Vec<Word>] {
        self.rules.get(stems).map_or(&[], Vec::as_slice)
    }
}

fn stems(words: &[Word]) -> Vec<String> {
    words.iter().map(|word| word.stem.clone()).collect()
}

/// One entry's words, as a query would have them; an entry must have some.
fn analyze(entry: &str) -> Result<Vec<Word>, String> {
    let words = query_words(entry);
    if words.is_empty() {
        return Err(format!("`{}` has no word to search", entry.trim()));
    }
    if words.len() > MAX_ENTRY_WORDS {
        return Err(format!("`{}` has more than {MAX_ENTRY_WORDS} words", entry.trim()));
    }
    Ok(words)
}

/// Splits `text` on `separator` where no backslash escapes it, and unescapes the pieces.
fn split_unescaped(text: &str, separator: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let escaped = rest[1..].chars().next();
            if let Some(escaped) = escaped {
                // Kept escaped for a later split on the other separator.
                if separator == "=>" && escaped != '=' {
                    pieces.last_mut().expect("one piece at least").push('\\');
                }
                pieces.last_mut().expect("one piece at least").push(escaped);
                rest = &rest[1 + escaped.len_utf8()..];
            } else {
                rest = &rest[1..];
            }
        } else if let Some(after) = rest.strip_prefix(separator) {
            pieces.push(String::new());
            rest = after;
        } else {
            pieces.last_mut().expect("one piece at least").push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn also(synonyms: &Synonyms, typed: &str) -> Vec<String> {
        let stems: Vec<String> = query_words(typed).into_iter().map(|word| word.stem).collect();
        synonyms
            .of(&stems)
            .iter()
            .map(|entry| entry.iter().map(|word| word.plain.as_str()).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn equivalents_search_each_other_and_one_way_rules_do_not_go_back() {
        let synonyms = Synonyms::parse(
            "# cars\n\nVW, Volkswagen\nFAW => FAW Group, First Automobile Works\nFAW Group => FAW\nvw, Volkswagen AG\n",
        )
        .unwrap();
        assert_eq!(also(&synonyms, "vw"), ["volkswagen", "volkswagen ag"], "lines with the same entry add up");
        assert_eq!(also(&synonyms, "Volkswagens"), ["vw"], "matched by stems");
        assert_eq!(also(&synonyms, "FAW"), ["faw group", "first automobile works"]);
        assert_eq!(also(&synonyms, "first automobile works"), Vec::<String>::new(), "one way");
        assert_eq!(also(&synonyms, "faw group"), ["faw"]);
        assert_eq!(synonyms.longest(), 2);
    }

    #[test]
    fn escapes_keep_separators_inside_an_entry() {
        let synonyms = Synonyms::parse(r"R\,D, research => a\=>b, c\\d").unwrap();
        assert_eq!(also(&synonyms, "r d"), ["a b", "c d"]);
        assert_eq!(also(&synonyms, "research"), ["a b", "c d"]);
    }

    #[test]
    fn chinese_entries_are_analyzed_as_queries_are() {
        let synonyms = Synonyms::parse("长春, Changchun\n").unwrap();
        assert_eq!(also(&synonyms, "長春"), ["changchun"]);
        assert_eq!(also(&synonyms, "changchun"), ["长春"]);
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number() {
        for (text, problem) in [
            ("VW, Volkswagen\nVW\n", "line 2: an equivalence needs two entries"),
            ("a => b => c", "line 1: more than one `=>`"),
            ("a, , b", "line 1: `` has no word"),
            ("a => !!!", "line 1: `!!!` has no word"),
            (&format!("a, {}", "w ".repeat(9)), "more than 8 words"),
        ] {
            let error = Synonyms::parse(text).unwrap_err();
            assert!(error.contains(problem), "{text:?}: {error}");
        }
    }
}
