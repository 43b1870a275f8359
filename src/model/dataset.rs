//! The dataset file format (`achievement-graph/dataset@1`), as documented in `data/README.md`.
//!
//! These types mirror the JSON one to one; `validate` checks everything serde cannot.

use serde::{Deserialize, Serialize};

use super::{Category, Date, EntityKind, OrganizationKind, Qualifier};

/// The format tag every dataset file carries.
pub const FORMAT: &str = "achievement-graph/dataset@1";

/// The bundled dataset, compiled into the binary.
pub const BUNDLED: &str = include_str!("../../data/changchun-top-ten-2019.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dataset {
    pub format: String,
    pub documents: Vec<DocumentRecord>,
    #[serde(default)]
    pub countries: Vec<CountryRecord>,
    #[serde(default)]
    pub cities: Vec<CityRecord>,
    #[serde(default)]
    pub friendships: Vec<FriendshipRecord>,
    #[serde(default)]
    pub organizations: Vec<OrganizationRecord>,
    #[serde(default)]
    pub events: Vec<EventRecord>,
    #[serde(default)]
    pub lists: Vec<ListRecord>,
    #[serde(default)]
    pub achievements: Vec<AchievementRecord>,
    #[serde(default)]
    pub statistics: Vec<StatisticRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpanRecord {
    pub document: String,
    pub start: i64,
    pub end: i64,
    pub excerpt: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DocumentRecord {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub published_on: Option<Date>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CountryRecord {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CityRecord {
    pub id: String,
    pub name: String,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FriendshipRecord {
    pub cities: [String; 2],
    pub source: Option<SpanRecord>,
}

impl FriendshipRecord {
    /// Returns whether this is the friendship of `a` and `b`, in either order.
    pub fn joins(&self, a: &str, b: &str) -> bool {
        let [x, y] = &self.cities;
        (x == a && y == b) || (x == b && y == a)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationRecord {
    pub id: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub country: Option<String>,
    pub city: Option<String>,
    pub founded_on: Option<Date>,
    pub source: Option<SpanRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventRecord {
    pub id: String,
    pub name: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub city: Option<String>,
    #[serde(default)]
    pub organizers: Vec<String>,
    pub source: Option<SpanRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListRecord {
    pub id: String,
    pub title: String,
    pub city: String,
    pub announced_on: Option<Date>,
    #[serde(default)]
    pub organizers: Vec<String>,
    #[serde(default)]
    pub stages: Vec<String>,
    pub source: SpanRecord,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AchievementRecord {
    pub id: String,
    pub list: String,
    pub rank: i64,
    pub title: String,
    pub category: Category,
    pub summary: String,
    #[serde(default)]
    pub cities: Vec<String>,
    #[serde(default)]
    pub organizations: Vec<String>,
    #[serde(default)]
    pub events: Vec<String>,
    pub source: SpanRecord,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubjectRecord {
    /// One of `EntityKind::SUBJECTS`; validation refuses the others.
    #[serde(rename = "type")]
    pub kind: EntityKind,
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StatisticRecord {
    pub id: String,
    pub label: String,
    pub value: f64,
    pub unit: String,
    pub qualifier: Qualifier,
    pub period: Option<String>,
    pub subject: SubjectRecord,
    pub source: SpanRecord,
}

/// One thing wrong with a dataset, at a JSON path such as `$.statistics[3].source.excerpt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Dataset {
    /// Parses and validates a dataset file; returns every problem found, each with its JSON path.
    pub fn parse(json: &str) -> Result<Self, Vec<Problem>> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let dataset: Dataset = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let path = if path == "." { "$".to_owned() } else { format!("$.{path}") };
            vec![Problem { path, message: error.into_inner().to_string() }]
        })?;
        let problems = super::validate::validate(&dataset);
        if problems.is_empty() {
            Ok(dataset)
        } else {
            Err(problems)
        }
    }

    /// Returns the bundled dataset, which a test keeps valid.
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled dataset is valid")
    }
}
