//! The graph's object types: each domain type with its fields and both directions of
//! every relation, resolved through the per-request loaders.

use async_graphql::{
    Context, Enum, InputValueError, InputValueResult, Interface, Object, Scalar, ScalarType, SimpleObject, Union,
    Value, ID,
};

use super::changes::{history, ChangeRecord};
use super::connection::{Conn, PageArgs};
use super::ids::encode;
use super::loaders::{excerpt, one, related, required, GqlResult};
use super::search::TextRange;
use crate::error::Error;
use crate::model::number;
use crate::model::{
    Achievement, AchievementList, City, Country, Date, Document, EntityKind, EntityRef, Event, Organization, Span,
    Statistic,
};
use crate::store::rel;

/// An ISO 8601 calendar date, at the precision the source gives: 2019-01-22, 2019-01 or 2019.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Date::parse(&text).map_err(InputValueError::custom),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

/// The category the article assigns to an achievement.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::model::Category")]
pub enum AchievementCategory {
    Theoretical,
    Industrial,
    Cultural,
    Sports,
    InternationalExchange,
    InternationalExhibition,
}

/// How a figure is worded in its source.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::model::Qualifier")]
pub enum StatisticQualifier {
    /// the figure as stated
    Exact,
    /// 'some', 'about', 'around'
    About,
    /// 'nearly', 'almost': a little less
    Nearly,
    /// 'more than', 'over', 'plus', 'exceeded'
    MoreThan,
}

/// What sort of body an organization is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::model::OrganizationKind")]
pub enum OrganizationKind {
    Company,
    Government,
    Media,
    Association,
    Education,
    Cultural,
    Sports,
    Other,
}

/// Every entity has a stable, opaque global ID (Relay Node).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Document(Document),
    AchievementList(AchievementList),
    Achievement(Achievement),
    Country(Country),
    City(City),
    Organization(Organization),
    Event(Event),
    Statistic(Statistic),
}

/// What a statistic describes.
#[derive(Union)]
pub enum StatisticSubject {
    AchievementList(AchievementList),
    Achievement(Achievement),
    Event(Event),
    Organization(Organization),
    City(City),
}

/// Where a fact was read: a span of a document's text.
pub struct SourceSpan(pub Span);

#[Object]
impl SourceSpan {
    async fn document(&self, ctx: &Context<'_>) -> async_graphql::Result<Document> {
        required(ctx, &self.0.document).await
    }

    /// Offsets in Unicode scalar values (chars), start inclusive, end exclusive.
    async fn start(&self) -> i64 {
        self.0.start
    }

    async fn end(&self) -> i64 {
        self.0.end
    }

    /// Equals the document text between start and end.
    async fn excerpt(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        excerpt(ctx, &self.0).await
    }
}

/// A source document (e.g. the published article) that facts are taken from.
#[Object]
impl Document {
    async fn id(&self) -> ID {
        encode(EntityKind::Document, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::Document, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    async fn title(&self) -> &str {
        &self.title
    }
    async fn publisher(&self) -> Option<&str> {
        self.publisher.as_deref()
    }
    async fn published_on(&self) -> Option<&Date> {
        self.published_on.as_ref()
    }
    /// The full text, exactly as published; SourceSpan offsets index into it.
    async fn text(&self) -> &str {
        &self.text
    }
    /// The length of the text in chars, the unit of SourceSpan offsets.
    async fn length(&self) -> usize {
        self.text.chars().count()
    }
}

/// A ranked list of achievements, e.g. the Top Ten Achievements of a city's opening up.
#[Object]
impl AchievementList {
    async fn id(&self) -> ID {
        encode(EntityKind::List, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::List, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    async fn title(&self) -> &str {
        &self.title
    }
    async fn city(&self, ctx: &Context<'_>) -> async_graphql::Result<City> {
        required(ctx, &self.city).await
    }
    async fn announced_on(&self) -> Option<&Date> {
        self.announced_on.as_ref()
    }
    /// The stages of the selection, in order.
    async fn stages(&self) -> &[String] {
        &self.stages
    }
    async fn organizers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        related(ctx, rel::ORGANIZERS_OF_LIST, &self.id).await
    }
    /// The achievements in rank order.
    async fn achievements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Achievement>> {
        related(ctx, rel::ACHIEVEMENTS_OF_LIST, &self.id).await
    }
    /// The list's own figures: those about the list, and every other figure its
    /// document states outside the achievements' sections (the introduction), in text
    /// order. A figure inside an achievement's section is that achievement's.
    async fn statistics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statistic>> {
        related(ctx, rel::STATISTICS_OF_LIST, &self.id).await
    }
    async fn source(&self) -> SourceSpan {
        SourceSpan(self.source.clone())
    }
}

#[Object]
impl Achievement {
    async fn id(&self) -> ID {
        encode(EntityKind::Achievement, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::Achievement, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    /// Position in its list, 1-based.
    async fn rank(&self) -> i64 {
        self.rank
    }
    /// The heading as published.
    async fn title(&self) -> &str {
        &self.title
    }
    async fn category(&self) -> AchievementCategory {
        self.category.into()
    }
    /// The body text as published.
    async fn summary(&self) -> &str {
        &self.summary
    }
    async fn list(&self, ctx: &Context<'_>) -> async_graphql::Result<AchievementList> {
        required(ctx, &self.list).await
    }
    async fn cities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<City>> {
        related(ctx, rel::CITIES_OF_ACHIEVEMENT, &self.id).await
    }
    async fn organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        related(ctx, rel::ORGANIZATIONS_OF_ACHIEVEMENT, &self.id).await
    }
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        related(ctx, rel::EVENTS_OF_ACHIEVEMENT, &self.id).await
    }
    /// Every figure stated in this achievement's section of the article (its heading
    /// and body: the span of `source`), in text order, whatever it is about: each
    /// statistic's `subject` stays its most specific subject (an event, an
    /// organization, a city...).
    async fn statistics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statistic>> {
        related(ctx, rel::STATISTICS_IN_ACHIEVEMENT, &self.id).await
    }
    /// The heading and body in the source document.
    async fn source(&self) -> SourceSpan {
        SourceSpan(self.source.clone())
    }
}

#[Object]
impl Country {
    async fn id(&self) -> ID {
        encode(EntityKind::Country, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::Country, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn cities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<City>> {
        related(ctx, rel::CITIES_OF_COUNTRY, &self.id).await
    }
}

#[Object]
impl City {
    async fn id(&self) -> ID {
        encode(EntityKind::City, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::City, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn country(&self, ctx: &Context<'_>) -> async_graphql::Result<Country> {
        required(ctx, &self.country).await
    }
    /// The achievements linked to this city, in list order.
    async fn achievements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Achievement>> {
        let all = related(ctx, rel::ACHIEVEMENTS_OF_CITY, &self.id).await?;
        PageArgs { first, after, last, before }.slice(all).gql()
    }
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        related(ctx, rel::EVENTS_OF_CITY, &self.id).await
    }
    /// Sister / friendship cities, in both directions.
    async fn friendship_cities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<City>> {
        related(ctx, rel::FRIENDS_OF_CITY, &self.id).await
    }
    async fn statistics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statistic>> {
        related(ctx, rel::STATISTICS_OF_CITY, &self.id).await
    }
}

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        encode(EntityKind::Organization, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::Organization, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn kind(&self) -> OrganizationKind {
        self.kind.into()
    }
    async fn country(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Country>> {
        match &self.country {
            Some(country) => one(ctx, country).await,
            None => Ok(None),
        }
    }
    async fn city(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<City>> {
        match &self.city {
            Some(city) => one(ctx, city).await,
            None => Ok(None),
        }
    }
    /// When it was founded, established or completed, at the precision the source gives.
    async fn founded_on(&self) -> Option<&Date> {
        self.founded_on.as_ref()
    }
    async fn achievements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Achievement>> {
        related(ctx, rel::ACHIEVEMENTS_OF_ORGANIZATION, &self.id).await
    }
    /// The events it organized.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        related(ctx, rel::EVENTS_OF_ORGANIZATION, &self.id).await
    }
    async fn statistics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statistic>> {
        related(ctx, rel::STATISTICS_OF_ORGANIZATION, &self.id).await
    }
    /// Where the source names it.
    async fn source(&self) -> Option<SourceSpan> {
        self.source.clone().map(SourceSpan)
    }
}

#[Object]
impl Event {
    async fn id(&self) -> ID {
        encode(EntityKind::Event, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::Event, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn start_date(&self) -> Option<&Date> {
        self.start_date.as_ref()
    }
    async fn end_date(&self) -> Option<&Date> {
        self.end_date.as_ref()
    }
    async fn city(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<City>> {
        match &self.city {
            Some(city) => one(ctx, city).await,
            None => Ok(None),
        }
    }
    async fn organizers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        related(ctx, rel::ORGANIZERS_OF_EVENT, &self.id).await
    }
    async fn achievements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Achievement>> {
        related(ctx, rel::ACHIEVEMENTS_OF_EVENT, &self.id).await
    }
    async fn statistics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statistic>> {
        related(ctx, rel::STATISTICS_OF_EVENT, &self.id).await
    }
    /// Where the source describes it.
    async fn source(&self) -> Option<SourceSpan> {
        self.source.clone().map(SourceSpan)
    }
}

/// A number stated in a source, with its unit and provenance.
#[Object]
impl Statistic {
    async fn id(&self) -> ID {
        encode(EntityKind::Statistic, &self.id)
    }
    /// 1 when written, bumped by each update; pass it back to detect concurrent edits.
    async fn version(&self) -> i64 {
        self.version
    }
    /// Every change to this entity, newest first: who made it, when, and its state
    /// before and after. Needs a token, as it names who wrote.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<ChangeRecord>> {
        history(ctx, EntityRef::new(EntityKind::Statistic, self.id.clone()), first).await
    }
    async fn slug(&self) -> &str {
        &self.id
    }
    /// What is counted, e.g. 'registered participants'.
    async fn label(&self) -> &str {
        &self.label
    }
    /// The number as a plain value: 640 million is 640000000, 42% is 42.
    async fn value(&self) -> f64 {
        self.value
    }
    /// e.g. 'people', 'countries and regions', 'RMB', 'hectares', 'percent'.
    async fn unit(&self) -> &str {
        &self.unit
    }
    async fn qualifier(&self) -> StatisticQualifier {
        self.qualifier.into()
    }
    /// The time the figure covers, as worded (e.g. 'over the past 17 years').
    async fn period(&self) -> Option<&str> {
        self.period.as_deref()
    }
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<StatisticSubject> {
        let id = &self.subject_id;
        Ok(match self.subject_type {
            EntityKind::List => StatisticSubject::AchievementList(required(ctx, id).await?),
            EntityKind::Achievement => StatisticSubject::Achievement(required(ctx, id).await?),
            EntityKind::Event => StatisticSubject::Event(required(ctx, id).await?),
            EntityKind::Organization => StatisticSubject::Organization(required(ctx, id).await?),
            EntityKind::City => StatisticSubject::City(required(ctx, id).await?),
            // Validation keeps a subject one of the subject kinds; a row that is not is the store's fault.
            other => {
                let error = anyhow::anyhow!("statistic `{}` is about a {}", self.id, other.noun());
                return Err(Error::Internal(error)).gql();
            }
        })
    }
    /// The achievement in whose section of the article the figure is stated; null for
    /// figures stated outside every achievement's section (the introduction's belong
    /// to the list).
    async fn achievement(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Achievement>> {
        Ok(related(ctx, rel::ACHIEVEMENT_OF_STATISTIC, &self.id).await?.into_iter().next())
    }
    /// The figure as the source writes it (`3,071`, `RMB640 million`, `42%`, `five`),
    /// and where in `source.excerpt`; null if the excerpt no longer states it.
    async fn stated(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StatedFigure>> {
        let excerpt = excerpt(ctx, &self.source).await?;
        Ok(number::stated(self.value, &self.unit, &excerpt).map(|at| StatedFigure {
            text: excerpt.chars().skip(at.start).take(at.end - at.start).collect(),
            range: TextRange { start: at.start as i32, end: at.end as i32 },
        }))
    }
    /// The sentence or clause that states the number.
    async fn source(&self) -> SourceSpan {
        SourceSpan(self.source.clone())
    }
}

/// A figure as its source writes it.
#[derive(SimpleObject)]
pub struct StatedFigure {
    /// E.g. `3,071`, `RMB640 million`, `42%`.
    pub text: String,
    /// Where it stands in the statistic's `source.excerpt` (chars).
    pub range: TextRange,
}
