//! How a figure can be written in English prose, so that a statistic's value can be
//! checked against the excerpt that states it, and found there as the article writes it
//! (`3,071`, `RMB640 million`, `42%`, `five`).

const UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// Returns the ways `value` may be written: `3071`, `3,071`, `640 million`, `five`, `2.5`.
pub fn spellings(value: f64) -> Vec<String> {
    let mut out = Vec::new();
    if !value.is_finite() {
        return out;
    }
    if value.fract() != 0.0 {
        out.push(format!("{value}"));
        return out;
    }
    let whole = value.abs() as u64;
    let sign = if value < 0.0 { "-" } else { "" };
    out.push(format!("{sign}{whole}"));
    out.push(format!("{sign}{}", with_thousands(whole)));
    for (scale, word) in [(1_000_000_000u64, "billion"), (1_000_000, "million")] {
        if whole >= scale && whole.is_multiple_of(scale) {
            out.push(format!("{sign}{} {word}", with_thousands(whole / scale)));
        } else if whole >= scale && (whole * 10).is_multiple_of(scale) {
            out.push(format!("{sign}{} {word}", whole as f64 / scale as f64));
        }
    }
    if let Some(word) = word(whole) {
        out.push(word);
    }
    out.sort();
    out.dedup();
    out
}

/// Returns whether the excerpt states `value` in one of its spellings, as a whole token.
pub fn is_stated_in(value: f64, excerpt: &str) -> bool {
    let lower = excerpt.to_lowercase();
    spellings(value).iter().any(|spelling| occurs_as_token(&lower, spelling))
}

/// Where an excerpt states a figure: char offsets into the excerpt, start inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated {
    pub start: usize,
    pub end: usize,
}

/// Finds the figure `value` (counting `unit`) in `excerpt` as the article writes it:
/// the longest spelling, with a currency written against it (`RMB640 million`) and a
/// percent sign after it (`42%`). Where the excerpt states the number more than once
/// (`10 ODA projects and 10 small-scale free aid projects`), the occurrence followed by
/// the unit's first word wins.
pub fn stated(value: f64, unit: &str, excerpt: &str) -> Option<Stated> {
    let lower = excerpt.to_lowercase();
    // Lowercasing may change byte lengths (rarely): then offsets are not comparable.
    if lower.len() != excerpt.len() {
        return None;
    }
    let mut spellings = spellings(value);
    spellings.sort_by_key(|spelling| std::cmp::Reverse(spelling.len()));
    let unit_word = unit.split_whitespace().next().unwrap_or_default().to_lowercase();
    // The best occurrence: the unit's first word next (`10 small-scale`), else the unit's
    // first word before any other number (`8,900 vehicles of`), else the first.
    let mut found: Option<((usize, usize), u8)> = None;
    for spelling in &spellings {
        for (at, _) in lower.match_indices(spelling.as_str()) {
            if !token_at(&lower, at, spelling) {
                continue;
            }
            let span = (at, at + spelling.len());
            let after = lower[span.1..].trim_start_matches(['%', ' ']);
            let before_number: String = after.chars().take(48).take_while(|c| !c.is_ascii_digit()).collect();
            let rank = match unit_word.as_str() {
                "" => 0,
                word if after.starts_with(word) => 2,
                word if before_number.contains(word) => 1,
                _ => 0,
            };
            if found.is_none_or(|(_, best)| rank > best) {
                found = Some((span, rank));
            }
        }
        if found.is_some() {
            break;
        }
    }
    let ((mut start, mut end), _) = found?;
    // A currency written against the number: `RMB640`, `US$5`, `$5`.
    let prefix = excerpt[..start].chars().rev().take_while(|c| c.is_ascii_uppercase() || "$€£¥".contains(*c));
    start -= prefix.map(char::len_utf8).sum::<usize>();
    if excerpt[end..].starts_with('%') {
        end += 1;
    }
    Some(Stated { start: excerpt[..start].chars().count(), end: excerpt[..end].chars().count() })
}

fn word(n: u64) -> Option<String> {
    match n {
        0..=19 => Some(UNITS[n as usize].to_owned()),
        20..=99 if n.is_multiple_of(10) => Some(TENS[(n / 10) as usize].to_owned()),
        20..=99 => Some(format!("{}-{}", TENS[(n / 10) as usize], UNITS[(n % 10) as usize])),
        100 => Some("hundred".to_owned()),
        _ => None,
    }
}

fn with_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A digit spelling must not be part of a longer number; a word must not be part of a longer word.
fn occurs_as_token(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| token_at(haystack, at, needle))
}

/// Returns whether `needle`, found at byte `at` of `haystack`, stands as a whole token there.
fn token_at(haystack: &str, at: usize, needle: &str) -> bool {
    let numeric = needle.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    let before = haystack[..at].chars().next_back();
    let rest = &haystack[at + needle.len()..];
    let mut after = rest.chars();
    let next = after.next();
    if numeric {
        let continues = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        let joined = matches!(next, Some(',' | '.')) && continues(after.next());
        !continues(before) && !matches!(before, Some(',' | '.')) && !continues(next) && !joined
    } else {
        !before.is_some_and(char::is_alphanumeric) && !next.is_some_and(char::is_alphanumeric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_found_in_every_usual_spelling() {
        assert!(is_stated_in(3071.0, "a total registered number of 3,071 people"));
        assert!(is_stated_in(640_000_000.0, "totaling RMB640 million from Japan"));
        assert!(is_stated_in(42.0, "accounting for 42%"));
        assert!(is_stated_in(5.0, "Five international friendship cities"));
        assert!(is_stated_in(10.0, "ten of them reached the final round"));
        assert!(is_stated_in(8900.0, "with 8,900 vehicles"));
    }

    #[test]
    fn a_figure_is_found_as_the_article_writes_it() {
        let cut = |value: f64, unit: &str, excerpt: &str| {
            let Stated { start, end } = stated(value, unit, excerpt).expect("stated");
            excerpt.chars().skip(start).take(end - start).collect::<String>()
        };
        let aid = "Changchun has received 10 ODA projects and 10 small-scale free aid projects totaling RMB640 million from Japan.";
        assert_eq!(cut(640_000_000.0, "RMB", aid), "RMB640 million");
        assert_eq!(cut(10.0, "small-scale free aid projects", aid), "10");
        assert_eq!(stated(10.0, "small-scale free aid projects", aid), Some(Stated { start: 43, end: 45 }));
        assert_eq!(stated(10.0, "ODA projects", aid), Some(Stated { start: 23, end: 25 }));
        assert_eq!(cut(42.0, "percent", "won 11 gold medals of the total 26 on ice games, accounting for 42%"), "42%");
        assert_eq!(cut(3071.0, "people", "a total registered number of 3,071 people"), "3,071");
        assert_eq!(cut(5.0, "cities", "Five international friendship cities"), "Five");
        assert_eq!(stated(900.0, "vehicles", "with 8,900 vehicles"), None);
    }

    #[test]
    fn a_figure_inside_a_longer_number_does_not_count() {
        assert!(!is_stated_in(11.0, "more than 110 celebrities"));
        assert!(!is_stated_in(900.0, "with 8,900 vehicles"));
        assert!(!is_stated_in(8.0, "with 8,900 vehicles"));
        assert!(!is_stated_in(4.0, "fourteen films"));
        assert!(!is_stated_in(7.0, "seventy"));
    }
}
