//! Other readings of what was typed, searched beside it: synonyms (`synonyms`), a word
//! the index lacks split in two that it has (`highspeed` → "high speed"), and two typed
//! words joined into one it has (`sculpture park` → `sculpturepark`), as Meilisearch
//! does. Each reading weighs less than the words as typed, so a result found through
//! the words themselves ranks first.

use super::analysis::{cjk, english::is_stop_word, query_words, Word};
use super::query::Clause;
use super::synonyms::Synonyms;

/// A word is split only when it has at least this many letters, into parts of at least
/// `MIN_PART` letters.
const MIN_SPLIT: usize = 5;
const MIN_PART: usize = 2;
/// Longer words are not tried for splits (each split point costs dictionary lookups).
const MAX_SPLIT: usize = 32;

/// One typed clause with the readings of it alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub clause: Clause,
    pub alternatives: Vec<Clause>,
}

/// A span of typed clauses that must all match, or else one of the span's readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub parts: Vec<Part>,
    pub alternatives: Vec<Clause>,
}

impl Group {
    /// Every clause of the group, typed or not, for highlighting: readings are exact
    /// (never expanded for typos), so they are marked as one-word phrases.
    pub fn clauses(&self) -> impl Iterator<Item = Clause> + '_ {
        let exact = |clause: &Clause| match clause {
            Clause::Word(word) => Clause::Phrase(vec![word.clone()]),
            other => other.clone(),
        };
        self.parts
            .iter()
            .flat_map(move |part| std::iter::once(part.clause.clone()).chain(part.alternatives.iter().map(exact)))
            .chain(self.alternatives.iter().map(exact))
    }
}

/// What the index knows of a plain word: in how many documents it is (0 when none).
pub type Frequency<'a> = &'a dyn Fn(&str) -> u64;

/// Groups `clauses` with their readings. `known` says whether the index holds a word as
/// typed (such a word is never split); `join` allows joining adjacent words (for
/// searched words, not excluded ones, whose order means nothing).
pub fn expand(
    clauses: &[Clause],
    synonyms: &Synonyms,
    frequency: Frequency,
    known: &dyn Fn(&str) -> bool,
    join: bool,
) -> Vec<Group> {
    let part = |clause: &Clause| {
        let mut alternatives = readings(synonyms, std::slice::from_ref(clause));
        if let Clause::Word(word) = clause {
            if !known(&word.plain) {
                alternatives.extend(split(&word.plain, frequency).map(Clause::Phrase));
            }
        }
        Part { clause: clause.clone(), alternatives }
    };
    let mut groups = Vec::with_capacity(clauses.len());
    let mut at = 0;
    while at < clauses.len() {
        // The longest span of typed words an entry of the synonyms names.
        let longest = synonyms.longest().min(clauses.len() - at);
        let span = (2..=longest).rev().find_map(|len| {
            let alternatives = readings(synonyms, &clauses[at..at + len]);
            (!alternatives.is_empty()).then_some((len, alternatives))
        });
        let span = span.or_else(|| {
            let joined = join.then(|| joined(clauses.get(at)?, clauses.get(at + 1)?, frequency)).flatten()?;
            Some((2, vec![Clause::Word(joined)]))
        });
        match span {
            Some((len, alternatives)) => {
                groups.push(Group { parts: clauses[at..at + len].iter().map(part).collect(), alternatives });
                at += len;
            }
            None => {
                groups.push(Group { parts: vec![part(&clauses[at])], alternatives: Vec::new() });
                at += 1;
            }
        }
    }
    groups
}

/// The groups without the stop words the index lacks (`how`, `did`), which no document
/// matches, unless nothing else is left: what did-you-mean compares corrections by.
pub fn without_unknown_stop_words(mut groups: Vec<Group>, known: &dyn Fn(&str) -> bool) -> Vec<Group> {
    let meaningful = |group: &Group| match (group.parts.as_slice(), group.alternatives.is_empty()) {
        ([Part { clause: Clause::Word(word), alternatives }], true) => {
            !(alternatives.is_empty() && is_stop_word(&word.plain) && !known(&word.plain))
        }
        _ => true,
    };
    if groups.iter().any(meaningful) {
        groups.retain(meaningful);
    }
    groups
}

/// The synonyms of a span of typed clauses: words typed apart, or one phrase.
fn readings(synonyms: &Synonyms, span: &[Clause]) -> Vec<Clause> {
    if synonyms.is_empty() {
        return Vec::new();
    }
    let mut stems = Vec::new();
    for clause in span {
        match clause {
            Clause::Word(word) => stems.push(word.stem.clone()),
            Clause::Phrase(words) if span.len() == 1 => stems.extend(words.iter().map(|word| word.stem.clone())),
            _ => return Vec::new(),
        }
    }
    synonyms
        .of(&stems)
        .iter()
        .map(|entry| match entry.as_slice() {
            [word] => Clause::Word(word.clone()),
            words => Clause::Phrase(words.to_vec()),
        })
        .collect()
}

/// The best split of a word the index lacks into two words it has, as a phrase: the
/// split whose rarer part is the most frequent.
fn split(word: &str, frequency: Frequency) -> Option<Vec<Word>> {
    let letters = word.len();
    if !word.bytes().all(|b| b.is_ascii_lowercase()) || !(MIN_SPLIT..=MAX_SPLIT).contains(&letters) {
        return None;
    }
    let (_, at) = (MIN_PART..=letters - MIN_PART)
        .filter_map(|at| {
            let rarer = frequency(&word[..at]).min(frequency(&word[at..]));
            (rarer > 0).then_some((rarer, std::cmp::Reverse(at)))
        })
        .max()?;
    let phrase = format!("{} {}", &word[..at.0], &word[at.0..]);
    Some(query_words(&phrase))
}

/// Two typed words written as one, when the index has that word.
fn joined(first: &Clause, second: &Clause, frequency: Frequency) -> Option<Word> {
    let (Clause::Word(first), Clause::Word(second)) = (first, second) else { return None };
    if cjk::is_cjk(&first.plain) || cjk::is_cjk(&second.plain) {
        return None;
    }
    let word = format!("{}{}", first.plain, second.plain);
    if frequency(&word) == 0 {
        return None;
    }
    query_words(&word).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    fn show(clause: &Clause) -> String {
        match clause {
            Clause::Word(word) => word.plain.clone(),
            Clause::Phrase(words) => {
                format!("\"{}\"", words.iter().map(|w| w.plain.as_str()).collect::<Vec<_>>().join(" "))
            }
            Clause::Prefix(prefix) => format!("{prefix}*"),
        }
    }

    /// Each group as `typed[|reading..] ... || group readings`.
    fn shown(groups: &[Group]) -> Vec<String> {
        groups
            .iter()
            .map(|group| {
                let parts: Vec<String> = group
                    .parts
                    .iter()
                    .map(|part| {
                        std::iter::once(&part.clause).chain(&part.alternatives).map(show).collect::<Vec<_>>().join("|")
                    })
                    .collect();
                let mut text = parts.join(" ");
                if !group.alternatives.is_empty() {
                    let readings: Vec<String> = group.alternatives.iter().map(show).collect();
                    text = format!("{text} || {}", readings.join("|"));
                }
                text
            })
            .collect()
    }

    fn vocabulary(word: &str) -> u64 {
        match word {
            "high" => 5,
            "speed" => 3,
            "hig" | "hspeed" => 1,
            "sculpturepark" => 1,
            _ => 0,
        }
    }

    fn run(text: &str, synonyms: &Synonyms) -> Vec<String> {
        let known = |word: &str| vocabulary(word) > 0 || ["sculpture", "park", "trains", "the"].contains(&word);
        shown(&expand(&parse(text).clauses, synonyms, &vocabulary, &known, true))
    }

    #[test]
    fn a_word_the_index_lacks_is_split_where_both_parts_are_most_frequent() {
        let none = Synonyms::default();
        assert_eq!(run("highspeed trains", &none), ["highspeed|\"high speed\"", "trains"]);
        assert_eq!(run("high speed", &none), ["high", "speed"], "known words are never split");
        assert_eq!(run("xyzzyq", &none), ["xyzzyq"]);
    }

    #[test]
    fn two_typed_words_are_joined_when_the_index_has_the_joined_word() {
        let none = Synonyms::default();
        assert_eq!(run("sculpture park", &none), ["sculpture park || sculpturepark"]);
        assert_eq!(run("trains sculpture park", &none), ["trains", "sculpture park || sculpturepark"]);
        let excluded = expand(&parse("sculpture park").clauses, &none, &vocabulary, &|_| true, false);
        assert_eq!(shown(&excluded), ["sculpture", "park"], "no joins when not allowed");
    }

    #[test]
    fn stop_words_the_index_lacks_are_left_out_unless_nothing_else_is_left() {
        let none = Synonyms::default();
        let left = |text: &str| {
            let known = |word: &str| ["the", "trains"].contains(&word);
            shown(&without_unknown_stop_words(expand(&parse(text).clauses, &none, &vocabulary, &known, true), &known))
        };
        assert_eq!(left("how did the trains"), ["the", "trains"]);
        assert_eq!(left("how did"), ["how", "did"]);
        assert_eq!(left("\"how did\" trains"), ["\"how did\"", "trains"], "phrases are kept whole");
    }

    #[test]
    fn synonyms_name_single_words_spans_of_words_and_phrases() {
        let synonyms = Synonyms::parse("VW, Volkswagen\nFAW => FAW Group, First Automobile Works\n").unwrap();
        assert_eq!(run("vw trains", &synonyms), ["vw|volkswagen", "trains"]);
        assert_eq!(run("FAW", &synonyms), ["faw|\"faw group\"|\"first automobile works\""]);
        let spans = Synonyms::parse("first automobile works, FAW\n").unwrap();
        assert_eq!(run("the first automobile works", &spans), ["the", "first automobile works || faw"]);
        assert_eq!(run("\"first automobile works\"", &spans), ["\"first automobile works\"|faw"]);
    }
}
