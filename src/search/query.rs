//! The search box's query language, parsed leniently: plain words, "quoted phrases",
//! prefix*, -excluded words and `type:`/`category:`/`city:` filters. Nothing a user types
//! is an error: what cannot be used is dropped and explained in `warnings`.

use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::analysis::{english::is_stop_word, query_words, Word};
use super::expand::{Group, Part};
use super::fields::Fields;

/// Queries longer than this many chars are cut, with a warning.
pub const MAX_QUERY_CHARS: usize = 256;
/// At most this many words and phrases are searched; the rest are dropped with a warning.
pub const MAX_CLAUSES: usize = 16;
/// A prefix must have at least this many chars.
const MIN_PREFIX_CHARS: usize = 2;

/// One searchable part of the query.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// A word, matched by stem and, when long enough, with typos.
    Word(Word),
    /// Words that must appear in this order.
    Phrase(Vec<Word>),
    /// Words starting with these (unstemmed) letters.
    Prefix(String),
}

/// A parsed search query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
    pub excluded: Vec<Clause>,
    /// `type:`, `category:` and `city:` filters written in the query, upper-cased or slugged.
    pub types: Vec<String>,
    pub categories: Vec<String>,
    pub cities: Vec<String>,
    pub warnings: Vec<String>,
}

/// How many typos a word of this length may contain and still match: none in numbers,
/// nor in Chinese, Japanese or Korean words (one character changes the word).
pub fn typo_budget(word: &str) -> u8 {
    let length = word.chars().count();
    if word.chars().all(|c| c.is_ascii_digit()) || super::analysis::cjk::is_cjk(word) {
        0
    } else if length >= 9 {
        2
    } else if length >= 5 {
        1
    } else {
        0
    }
}

/// Parses what a user typed; never fails.
pub fn parse(input: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut text: String = input.chars().filter(|c| !c.is_control() || c.is_whitespace()).collect();
    if text.chars().count() > MAX_QUERY_CHARS {
        text = text.chars().take(MAX_QUERY_CHARS).collect();
        parsed.warnings.push(format!("the query was cut to its first {MAX_QUERY_CHARS} characters"));
    }
    if text.matches('"').count() % 2 == 1 {
        parsed.warnings.push("a quote was not closed: the words after it were searched one by one".to_owned());
        if let Some(last) = text.rfind('"') {
            text.replace_range(last..last + 1, " ");
        }
    }
    let mut ignored_operators: Vec<String> = Vec::new();
    let mut ignored_chars: Vec<char> = Vec::new();
    let mut negate_next = false;
    for (i, piece) in text.split('"').enumerate() {
        if i % 2 == 1 {
            let phrase = query_words(piece);
            push(&mut parsed, negate_next, (!phrase.is_empty()).then_some(Clause::Phrase(phrase)));
            negate_next = false;
            continue;
        }
        for raw in piece.split_whitespace() {
            // Characters with no meaning here are dropped first, so `(skiing` is `skiing`.
            let mut cleaned = String::with_capacity(raw.len());
            for c in raw.chars() {
                if "()[]{}^~\\/<>=?&|".contains(c) {
                    if !ignored_chars.contains(&c) {
                        ignored_chars.push(c);
                    }
                } else {
                    cleaned.push(c);
                }
            }
            let raw = cleaned.as_str();
            match raw {
                "" => continue,
                "AND" | "OR" | "+" => {
                    ignored_operators.push(raw.to_owned());
                    continue;
                }
                "NOT" | "-" | "!" => {
                    negate_next = true;
                    continue;
                }
                _ => {}
            }
            let mut token = raw;
            let mut negate = std::mem::take(&mut negate_next);
            if let Some(rest) = token.strip_prefix('-').or_else(|| token.strip_prefix('!')) {
                negate = true;
                token = rest;
            }
            let token = token.trim_start_matches('+');
            let mut parts: Vec<&str> = vec![token];
            if let Some((field, value)) = token.split_once(':') {
                if filter(&mut parsed, field, value) {
                    continue;
                }
                if !field.is_empty() && !value.is_empty() {
                    parsed.warnings.push(format!(
                        "`{field}:` is not a field you can search: `{field}` and `{value}` were searched as words"
                    ));
                }
                parts = token.split(':').filter(|part| !part.is_empty()).collect();
            }
            for part in parts {
                for clause in word_clauses(&mut parsed, part) {
                    push(&mut parsed, negate, Some(clause));
                }
            }
        }
    }
    if negate_next {
        parsed.warnings.push("a trailing `-` or `NOT` had nothing to exclude and was ignored".to_owned());
    }
    if !ignored_operators.is_empty() {
        parsed.warnings.push(format!(
            "operators are not supported and were ignored ({}): results contain every word",
            ignored_operators.join(" ")
        ));
    }
    if !ignored_chars.is_empty() {
        let list: String = ignored_chars.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ");
        parsed.warnings.push(format!("these characters have no meaning in a search and were ignored: {list}"));
    }
    let total = parsed.clauses.len() + parsed.excluded.len();
    if total > MAX_CLAUSES {
        parsed.warnings.push(format!("only the first {MAX_CLAUSES} words and phrases were searched"));
        parsed.clauses.truncate(MAX_CLAUSES);
        parsed.excluded.truncate(MAX_CLAUSES.saturating_sub(parsed.clauses.len()));
    }
    if parsed.clauses.is_empty() && !parsed.excluded.is_empty() {
        parsed
            .warnings
            .push("a search needs at least one word that is not excluded: showing everything else".to_owned());
    }
    parsed
}

/// Turns one typed word into clauses: a prefix when it ends in `*`, a phrase when the
/// analyzer splits it (`3,071`, `FAW-Volkswagen`), else a word. Chinese has no spaces:
/// the words of a Han run (汽车集团 is 汽车 and 集团) are searched each on its own, as
/// words typed apart are; they make no phrase, since the index holds a longer word's
/// sub-words at its position (电影 inside 长春电影制片厂).
fn word_clauses(parsed: &mut ParsedQuery, raw: &str) -> Vec<Clause> {
    let (body, prefix) = match raw.strip_suffix('*') {
        Some(body) => (body.trim_end_matches('*'), true),
        None => (raw, false),
    };
    let analyzed = query_words(body);
    if prefix {
        match analyzed.as_slice() {
            [word] if word.is_cjk() => {
                parsed.warnings.push(format!("`{raw}`: prefixes are for words in Latin letters; searched without `*`"))
            }
            [word] if word.plain.chars().count() >= MIN_PREFIX_CHARS => {
                return vec![Clause::Prefix(word.plain.clone())]
            }
            [_] => parsed.warnings.push(format!(
                "`{raw}` is too short for a prefix search (at least {MIN_PREFIX_CHARS} letters): searched as a word"
            )),
            [] => {}
            _ => parsed.warnings.push(format!("`{raw}`: a prefix must be a single word; searched without `*`")),
        }
    }
    if analyzed.len() > 1 && analyzed.iter().any(Word::is_cjk) {
        return analyzed.into_iter().map(Clause::Word).collect();
    }
    match analyzed.len() {
        0 => Vec::new(),
        1 => analyzed.into_iter().map(Clause::Word).collect(),
        _ => vec![Clause::Phrase(analyzed)],
    }
}

fn push(parsed: &mut ParsedQuery, negate: bool, clause: Option<Clause>) {
    let Some(clause) = clause else { return };
    if negate {
        parsed.excluded.push(clause);
    } else {
        parsed.clauses.push(clause);
    }
}

/// Handles `type:event`, `category:sports`, `city:changchun`; returns false for other fields.
fn filter(parsed: &mut ParsedQuery, field: &str, value: &str) -> bool {
    let normalized = value.trim().to_uppercase().replace('-', "_");
    match field.to_lowercase().as_str() {
        "type" => {
            if super::searchable(&normalized).is_some() {
                parsed.types.push(normalized);
            } else {
                parsed.warnings.push(format!("`type:{value}` names no type: the filter was ignored"));
            }
            true
        }
        "category" => {
            if crate::model::Category::parse(&normalized).is_some() {
                parsed.categories.push(normalized);
            } else {
                parsed.warnings.push(format!("`category:{value}` names no category: the filter was ignored"));
            }
            true
        }
        "city" => {
            let slug = value.trim().to_lowercase();
            if crate::model::is_slug(&slug) {
                parsed.cities.push(slug);
            } else {
                parsed.warnings.push(format!("`city:{value}` is not a city slug: the filter was ignored"));
            }
            true
        }
        _ => false,
    }
}

/// Field boosts: names and titles weigh more than body text.
const TITLE_BOOST: f32 = 3.0;
const CONTEXT_BOOST: f32 = 1.5;
const BODY_BOOST: f32 = 1.0;
/// Typo and prefix matches score a small constant, so exact matches rank first.
const TITLE_LOOSE_BOOST: f32 = 0.4;
const BODY_LOOSE_BOOST: f32 = 0.15;
/// A word in Latin letters also matches the pinyin of Han titles, below a title match.
const PINYIN_BOOST: f32 = 0.8;

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

/// Builds the Tantivy query for one clause.
/// `known` says whether the index holds a plain word (in titles or bodies): a word it
/// holds is matched as typed and its stem, without the typo expansion, whose automaton
/// and dictionary scan cost more than the rest of a small search.
pub fn clause_query(fields: &Fields, clause: &Clause, known: &dyn Fn(&str) -> bool) -> Box<dyn Query> {
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let stemmed = [(fields.title, TITLE_BOOST), (fields.context, CONTEXT_BOOST), (fields.body, BODY_BOOST)];
    let plain = [(fields.title_plain, TITLE_LOOSE_BOOST), (fields.body_plain, BODY_LOOSE_BOOST)];
    match clause {
        Clause::Word(word) => {
            for (field, boost) in stemmed {
                let query = TermQuery::new(term(field, &word.stem), IndexRecordOption::WithFreqs);
                should.push((Occur::Should, boosted(Box::new(query), boost)));
            }
            if word.plain.bytes().all(|b| b.is_ascii_lowercase()) {
                let query = TermQuery::new(term(fields.pinyin, &word.plain), IndexRecordOption::WithFreqs);
                should.push((Occur::Should, boosted(Box::new(query), PINYIN_BOOST)));
            }
            let distance = typo_budget(&word.plain);
            if distance > 0 && !known(&word.plain) && !is_stop_word(&word.plain) {
                for (field, boost) in plain {
                    let query = FuzzyTermQuery::new(term(field, &word.plain), distance, true);
                    should.push((Occur::Should, boosted(Box::new(query), boost)));
                }
            }
        }
        Clause::Phrase(phrase) if phrase.len() == 1 => {
            for (field, boost) in stemmed {
                let query = TermQuery::new(term(field, &phrase[0].stem), IndexRecordOption::WithFreqs);
                should.push((Occur::Should, boosted(Box::new(query), boost)));
            }
        }
        Clause::Phrase(phrase) => {
            for (field, boost) in stemmed {
                let terms = phrase.iter().map(|word| term(field, &word.stem)).collect();
                should.push((Occur::Should, boosted(Box::new(PhraseQuery::new(terms)), boost)));
            }
        }
        Clause::Prefix(prefix) => {
            let pattern = format!("{}.*", regex_escape(prefix));
            for (field, boost) in [(fields.title_plain, TITLE_BOOST), (fields.body_plain, BODY_BOOST)] {
                if let Ok(query) = RegexQuery::from_pattern(&pattern, field) {
                    should.push((Occur::Should, boosted(Box::new(query), boost)));
                }
            }
        }
    }
    Box::new(BooleanQuery::new(should))
}

/// A reading of the query other than what was typed (a synonym, a split or joined word)
/// weighs this much of what the same match of the typed words would.
const READING_BOOST: f32 = 0.5;

/// Builds the Tantivy query for a group: its typed clauses all, or one of its readings.
/// Readings are matched exactly, never expanded for typos. A group of one clause without
/// readings is that clause's query alone.
pub fn group_query(fields: &Fields, group: &Group, known: &dyn Fn(&str) -> bool) -> Box<dyn Query> {
    let either = |typed: Box<dyn Query>, readings: &[Clause]| -> Box<dyn Query> {
        if readings.is_empty() {
            return typed;
        }
        let mut should = vec![(Occur::Should, typed)];
        for reading in readings {
            should.push((Occur::Should, boosted(clause_query(fields, reading, &|_| true), READING_BOOST)));
        }
        Box::new(BooleanQuery::new(should))
    };
    let part_query = |part: &Part| either(clause_query(fields, &part.clause, known), &part.alternatives);
    let typed = match group.parts.as_slice() {
        [part] => part_query(part),
        parts => Box::new(BooleanQuery::new(parts.iter().map(|part| (Occur::Must, part_query(part))).collect())),
    };
    either(typed, &group.alternatives)
}

/// The queries of a group when any word may match (the fallback when no result has
/// every word): each typed clause with its readings, and each reading of the span.
pub fn loose_queries(fields: &Fields, group: &Group, known: &dyn Fn(&str) -> bool) -> Vec<Box<dyn Query>> {
    if group.parts.len() == 1 {
        return vec![group_query(fields, group, known)];
    }
    let single = |part: &Part| Group { parts: vec![part.clone()], alternatives: Vec::new() };
    let mut queries: Vec<Box<dyn Query>> =
        group.parts.iter().map(|part| group_query(fields, &single(part), known)).collect();
    for reading in &group.alternatives {
        queries.push(boosted(clause_query(fields, reading, &|_| true), READING_BOOST));
    }
    queries
}

fn regex_escape(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_alphanumeric() { vec![c] } else { vec!['\\', c] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plains(clauses: &[Clause]) -> Vec<String> {
        clauses
            .iter()
            .map(|clause| match clause {
                Clause::Word(word) => word.plain.clone(),
                Clause::Phrase(words) => {
                    format!("\"{}\"", words.iter().map(|w| w.plain.as_str()).collect::<Vec<_>>().join(" "))
                }
                Clause::Prefix(prefix) => format!("{prefix}*"),
            })
            .collect()
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions_are_recognised() {
        let parsed = parse(r#"skiing "winter games" sculpt* -film"#);
        assert_eq!(plains(&parsed.clauses), ["skiing", "\"winter games\"", "sculpt*"]);
        assert_eq!(plains(&parsed.excluded), ["film"]);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }

    #[test]
    fn an_unbalanced_quote_is_searched_as_words_with_a_warning() {
        let parsed = parse(r#""asian winter"#);
        assert_eq!(plains(&parsed.clauses), ["asian", "winter"]);
        assert!(parsed.warnings[0].contains("quote"));
    }

    #[test]
    fn stray_operators_and_unknown_fields_become_warnings() {
        let parsed = parse("((skiing AND OR)) foo:bar ^~ *");
        assert_eq!(plains(&parsed.clauses), ["skiing", "foo", "bar"]);
        let all = parsed.warnings.join("\n");
        assert!(all.contains("`foo:`"), "{all}");
        assert!(all.contains("operators"), "{all}");
        assert!(all.contains("`(`"), "{all}");
    }

    #[test]
    fn filters_written_in_the_query_are_applied() {
        let parsed = parse("type:event category:sports city:changchun games type:planet");
        assert_eq!(parsed.types, ["EVENT"]);
        assert_eq!(parsed.categories, ["SPORTS"]);
        assert_eq!(parsed.cities, ["changchun"]);
        assert!(parsed.warnings.iter().any(|w| w.contains("type:planet")));
    }

    #[test]
    fn very_long_input_is_cut_and_clause_count_is_capped() {
        let parsed = parse(&"word ".repeat(1000));
        assert!(parsed.clauses.len() <= MAX_CLAUSES);
        assert!(parsed.warnings.iter().any(|w| w.contains("cut")));
        assert!(parsed.warnings.iter().any(|w| w.contains("only the first")));
    }

    #[test]
    fn a_word_with_inner_punctuation_becomes_a_phrase() {
        let parsed = parse("3,071 FAW-Volkswagen");
        assert_eq!(plains(&parsed.clauses), ["\"3 071\"", "\"faw volkswagen\""]);
    }

    #[test]
    fn a_word_the_index_holds_is_not_expanded_for_typos() {
        let (_, fields) = Fields::build();
        let clause = parse("skiing").clauses.remove(0);
        let unknown = format!("{:?}", clause_query(&fields, &clause, &|_| false));
        let known = format!("{:?}", clause_query(&fields, &clause, &|word| word == "skiing"));
        assert_eq!(unknown.matches("FuzzyTermQuery").count(), 2, "{unknown}");
        assert_eq!(known.matches("FuzzyTermQuery").count(), 0, "{known}");
        assert_eq!(
            known.matches("TermQuery").count(),
            4,
            "the stem, in title, context and body, and the word in the pinyin of titles: {known}"
        );
    }

    #[test]
    fn chinese_words_are_searched_each_on_its_own_and_without_typos() {
        let parsed = parse("第一汽车 长春电影制片厂 FAW-大众");
        assert_eq!(plains(&parsed.clauses), ["第一", "汽车", "长春电影制片厂", "faw", "大众"]);
        assert_eq!(typo_budget("长春电影制片厂"), 0);
        let quoted = parse("\"长春 电影\"");
        assert_eq!(plains(&quoted.clauses), ["\"长春 电影\""]);
        let prefix = parse("长春*");
        assert_eq!(plains(&prefix.clauses), ["长春"]);
        assert!(prefix.warnings[0].contains("Latin"), "{:?}", prefix.warnings);
    }

    #[test]
    fn stop_words_are_never_expanded_for_typos() {
        let (_, fields) = Fields::build();
        for (text, fuzzy) in [("during", 0), ("durian", 2)] {
            let clause = parse(text).clauses.remove(0);
            let query = format!("{:?}", clause_query(&fields, &clause, &|_| false));
            assert_eq!(query.matches("FuzzyTermQuery").count(), fuzzy, "{text}: {query}");
        }
    }

    #[test]
    fn typo_budget_grows_with_word_length() {
        assert_eq!(typo_budget("expo"), 0);
        assert_eq!(typo_budget("skiing"), 1);
        assert_eq!(typo_budget("sculptures"), 2);
        assert_eq!(typo_budget("200000"), 0);
    }
}
