//! How a figure can be written in English prose, so that a statistic's value can be
//! checked against the excerpt that states it.

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
    let numeric = needle.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    haystack.match_indices(needle).any(|(at, _)| {
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
    })
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
    fn a_figure_inside_a_longer_number_does_not_count() {
        assert!(!is_stated_in(11.0, "more than 110 celebrities"));
        assert!(!is_stated_in(900.0, "with 8,900 vehicles"));
        assert!(!is_stated_in(8.0, "with 8,900 vehicles"));
        assert!(!is_stated_in(4.0, "fourteen films"));
        assert!(!is_stated_in(7.0, "seventy"));
    }
}
