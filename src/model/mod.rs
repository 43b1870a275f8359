//! Plain domain types of the graph and the dataset file format.
//!
//! Nothing here knows about SQL, Tantivy or GraphQL: the store, the index and the
//! API all speak these types.

pub mod dataset;
pub mod edit;
pub mod generate;
pub mod number;
pub mod validate;

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 8601 calendar date at the precision the source gives: `2019-01-22`, `2019-01` or `2019`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date(String);

impl Date {
    /// Parses a date of year, year-month or year-month-day precision, checking the calendar.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        let well_formed = match parts.as_slice() {
            [y] => digits(y, 4),
            [y, m] => digits(y, 4) && digits(m, 2),
            [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
            _ => false,
        };
        if !well_formed {
            return Err(format!("`{text}` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"));
        }
        let year: u32 = parts[0].parse().unwrap_or(0);
        if let Some(month) = parts.get(1) {
            let month: u32 = month.parse().unwrap_or(0);
            if !(1..=12).contains(&month) {
                return Err(format!("`{text}` has no month {month}"));
            }
            if let Some(day) = parts.get(2) {
                let day: u32 = day.parse().unwrap_or(0);
                let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
                let days_in_month = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                if !(1..=days_in_month).contains(&day) {
                    return Err(format!("`{text}` has no day {day}"));
                }
            }
        }
        Ok(Self(text.to_owned()))
    }

    /// Returns the date as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Date> for String {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Returns whether `text` is a slug: lowercase ASCII words joined by single hyphens.
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('-')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Defines a closed set of upper-case names that round-trip through strings.
macro_rules! names {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Returns the stored name, e.g. `INDUSTRIAL`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a stored name.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    /// The category the article assigns to an achievement.
    Category {
        Theoretical => "THEORETICAL",
        Industrial => "INDUSTRIAL",
        Cultural => "CULTURAL",
        Sports => "SPORTS",
        InternationalExchange => "INTERNATIONAL_EXCHANGE",
        InternationalExhibition => "INTERNATIONAL_EXHIBITION",
    }
);

names!(
    /// How a figure is worded: as stated, "about", "nearly" or "more than".
    Qualifier {
        Exact => "EXACT",
        About => "ABOUT",
        Nearly => "NEARLY",
        MoreThan => "MORE_THAN",
    }
);

names!(
    /// What sort of body an organization is.
    OrganizationKind {
        Company => "COMPANY",
        Government => "GOVERNMENT",
        Media => "MEDIA",
        Association => "ASSOCIATION",
        Education => "EDUCATION",
        Cultural => "CULTURAL",
        Sports => "SPORTS",
        Other => "OTHER",
    }
);

names!(
    /// Every kind of entity in the graph, parents before the children that reference them.
    EntityKind {
        Document => "DOCUMENT",
        Country => "COUNTRY",
        City => "CITY",
        Organization => "ORGANIZATION",
        Event => "EVENT",
        List => "LIST",
        Achievement => "ACHIEVEMENT",
        Statistic => "STATISTIC",
    }
);

impl EntityKind {
    /// The kinds the search index holds (countries and lists are found through others).
    pub const SEARCHABLE: [EntityKind; 6] = [
        EntityKind::Achievement,
        EntityKind::City,
        EntityKind::Organization,
        EntityKind::Event,
        EntityKind::Statistic,
        EntityKind::Document,
    ];

    /// The kinds a statistic can be about.
    pub const SUBJECTS: [EntityKind; 5] =
        [EntityKind::List, EntityKind::Achievement, EntityKind::Event, EntityKind::Organization, EntityKind::City];

    /// Whether the search index holds entities of this kind.
    pub fn is_searchable(self) -> bool {
        Self::SEARCHABLE.contains(&self)
    }

    /// Whether a statistic can be about an entity of this kind.
    pub fn is_subject(self) -> bool {
        Self::SUBJECTS.contains(&self)
    }

    /// Returns the GraphQL type's name, also the prefix of global IDs: `AchievementList`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Document => "Document",
            Self::Country => "Country",
            Self::City => "City",
            Self::Organization => "Organization",
            Self::Event => "Event",
            Self::List => "AchievementList",
            Self::Achievement => "Achievement",
            Self::Statistic => "Statistic",
        }
    }

    /// Parses a GraphQL type's name.
    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.type_name() == name)
    }

    /// Returns the kind's name in messages: `list`, `achievement`.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Document => "document",
            Self::Country => "country",
            Self::City => "city",
            Self::Organization => "organization",
            Self::Event => "event",
            Self::List => "list",
            Self::Achievement => "achievement",
            Self::Statistic => "statistic",
        }
    }

    /// Returns the dataset file's collection of this kind, e.g. `achievements`.
    pub fn collection(self) -> &'static str {
        match self {
            Self::Document => "documents",
            Self::Country => "countries",
            Self::City => "cities",
            Self::Organization => "organizations",
            Self::Event => "events",
            Self::List => "lists",
            Self::Achievement => "achievements",
            Self::Statistic => "statistics",
        }
    }
}

/// One entity of the graph: its kind and its id (slug).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub id: String,
}

impl EntityRef {
    pub fn new(kind: EntityKind, id: impl Into<String>) -> Self {
        Self { kind, id: id.into() }
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.noun(), self.id)
    }
}

/// Where a fact was read: a char range of a document's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub document: String,
    pub start: i64,
    pub end: i64,
}

/// Returns the chars `start..end` of `text`, or `None` when the range is outside it.
pub fn char_slice(text: &str, start: i64, end: i64) -> Option<&str> {
    if start < 0 || end < start {
        return None;
    }
    let from = char_offset(text, start as usize)?;
    let to = from + char_offset(&text[from..], (end - start) as usize)?;
    Some(&text[from..to])
}

/// A text with the byte offset of every `STEP`th char, for slicing many spans of one
/// long document: each slice walks at most `STEP` chars.
pub struct CharIndex<'a> {
    text: &'a str,
    marks: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    const STEP: usize = 256;

    pub fn new(text: &'a str) -> Self {
        // No marks: the text is ASCII, chars are bytes.
        let marks = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().step_by(Self::STEP).map(|(i, _)| i).collect()
        };
        Self { text, marks }
    }

    /// Returns the whole text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Returns the chars `start..end`, or `None` when the range is outside the text.
    pub fn slice(&self, start: i64, end: i64) -> Option<&'a str> {
        if start < 0 || end < start {
            return None;
        }
        let (start, end) = (start as usize, end as usize);
        if self.marks.is_empty() {
            return self.text.get(start..end);
        }
        let block = (start / Self::STEP).min(self.marks.len() - 1);
        let base = self.marks[block];
        let from = base + char_offset(&self.text[base..], start - block * Self::STEP)?;
        let to = from + char_offset(&self.text[from..], end - start)?;
        Some(&self.text[from..to])
    }
}

/// Returns the byte offset of char `n` of `text` (its length for `n` = the char count),
/// or `None` past the end. Whole 64-byte blocks are skipped by counting their char
/// starts, which the compiler vectorizes: spans deep into long documents stay cheap.
fn char_offset(text: &str, n: usize) -> Option<usize> {
    const BLOCK: usize = 64;
    let bytes = text.as_bytes();
    let is_start = |b: &u8| (*b as i8) >= -0x40; // not a UTF-8 continuation byte
    let (mut at, mut left) = (0, n);
    while at + BLOCK <= bytes.len() {
        let starts = bytes[at..at + BLOCK].iter().filter(|b| is_start(b)).count();
        if starts > left {
            break;
        }
        left -= starts;
        at += BLOCK;
    }
    // Every char starting before `at` is counted; the last may end past it.
    while !text.is_char_boundary(at) {
        at += 1;
    }
    let rest = &text[at..];
    rest.char_indices().map(|(i, _)| at + i).chain(std::iter::once(text.len())).nth(left)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub title: String,
    pub publisher: Option<String>,
    pub published_on: Option<Date>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Country {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct City {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub name: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub name: String,
    pub kind: OrganizationKind,
    pub country: Option<String>,
    pub city: Option<String>,
    pub founded_on: Option<Date>,
    pub source: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub name: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub city: Option<String>,
    pub source: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AchievementList {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub title: String,
    pub city: String,
    pub announced_on: Option<Date>,
    pub stages: Vec<String>,
    pub source: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Achievement {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub list: String,
    pub rank: i64,
    pub title: String,
    pub category: Category,
    pub summary: String,
    pub source: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistic {
    pub id: String,
    /// 1 when written, bumped by each update.
    pub version: i64,
    pub label: String,
    pub value: f64,
    pub unit: String,
    pub qualifier: Qualifier,
    pub period: Option<String>,
    /// One of `EntityKind::SUBJECTS`.
    pub subject_type: EntityKind,
    pub subject_id: String,
    pub source: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_the_precision_they_are_given() {
        assert_eq!(Date::parse("2019").unwrap().as_str(), "2019");
        assert_eq!(Date::parse("2019-01").unwrap().as_str(), "2019-01");
        assert_eq!(Date::parse("2019-01-22").unwrap().as_str(), "2019-01-22");
    }

    #[test]
    fn dates_outside_the_calendar_are_refused() {
        for bad in ["2019-13", "2019-02-29", "2019-1-2", "19", "2019/01/22", "", "2020-04-31"] {
            assert!(Date::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(Date::parse("2020-02-29").is_ok());
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_hyphens() {
        assert!(is_slug("little-rock"));
        assert!(is_slug("6th-asian-winter-games"));
        for bad in ["", "Little-Rock", "little--rock", "-rock", "rock-", "little rock", "chinas’"] {
            assert!(!is_slug(bad), "{bad} should not be a slug");
        }
    }

    #[test]
    fn char_slices_count_unicode_scalar_values() {
        let text = "China’s 【 trains";
        assert_eq!(char_slice(text, 0, 7), Some("China’s"));
        assert_eq!(char_slice(text, 8, 9), Some("【"));
        assert_eq!(char_slice(text, 10, 16), Some("trains"));
        assert_eq!(char_slice(text, 16, 16), Some(""));
        assert_eq!(char_slice(text, 10, 17), None);
        assert_eq!(char_slice(text, 5, 4), None);
    }

    #[test]
    fn char_slices_of_long_texts_match_a_char_by_char_walk() {
        // Long enough for whole skipped blocks, with chars of 1 to 4 bytes straddling them.
        let pieces = ["a", "’", "【", "😀", "bc ", "é"];
        let text: String = (0..3000).map(|i| pieces[(i * 7 + i / 5) % pieces.len()]).collect();
        let chars: Vec<char> = text.chars().collect();
        let naive = |start: usize, end: usize| chars.get(start..end).map(|c| c.iter().collect::<String>());
        let n = chars.len();
        for start in (0..=n + 1).step_by(13) {
            for len in [0, 1, 2, 63, 64, 65, 200] {
                let end = start + len;
                assert_eq!(
                    char_slice(&text, start as i64, end as i64).map(str::to_owned),
                    naive(start, end),
                    "chars {start}..{end}"
                );
            }
        }
        let index = CharIndex::new(&text);
        for start in (0..=n + 1).step_by(17) {
            for len in [0, 1, 255, 256, 257] {
                let (start, end) = (start as i64, (start + len) as i64);
                assert_eq!(index.slice(start, end), char_slice(&text, start, end), "indexed chars {start}..{end}");
            }
        }
        assert_eq!(CharIndex::new("abc").slice(1, 3), Some("bc"));
        assert_eq!(CharIndex::new("abc").slice(2, 4), None);
        assert_eq!(char_slice(&text, n as i64, n as i64), Some(""));
        assert_eq!(char_slice(&text, 0, n as i64).map(str::len), Some(text.len()));
    }
}
