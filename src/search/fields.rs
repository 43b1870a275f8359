//! The index schema: field handles, analyzers and the schema version.

use tantivy::schema::FacetOptions;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::Index;

/// Bump when fields, analyzers or the storage format change: an index of another version
/// is rebuilt at startup. (2: columns without zstd; 3: the stored `node`; 4: `digest`;
/// 5: `*_plain` without frequencies and positions.)
pub const SCHEMA_VERSION: u32 = 5;

/// English words, lowercased, accents folded, stemmed ("skiing" -> "ski").
pub const STEMMED: &str = "ag_stemmed";
/// The same words unstemmed: the vocabulary for typos, prefixes and suggestions.
pub const PLAIN: &str = "ag_plain";

/// Handles on every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `Type:slug`, unique per document; updates delete by it.
    pub key: Field,
    /// The entity type, e.g. `ACHIEVEMENT`.
    pub kind: Field,
    /// The entity's slug.
    pub slug: Field,
    pub title: Field,
    pub body: Field,
    /// Names of related entities: found by search, never highlighted.
    pub context: Field,
    pub title_plain: Field,
    pub body_plain: Field,
    pub category: Field,
    /// Slugs of the cities an entity belongs to, for the city filter.
    pub city: Field,
    /// `/type/..`, `/category/..`, `/city/..` for facet counts.
    pub facets: Field,
    /// The entity itself (JSON), stored only: results are read without the store.
    pub node: Field,
    /// A digest of everything indexed for the entity (a column): a change that leaves it
    /// as it was is not indexed again.
    pub digest: Field,
}

impl Fields {
    /// Builds the schema and its field handles.
    pub fn build() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = |analyzer: &str, stored: bool| {
            // The plain words only match typos and prefixes, whose queries score every
            // match alike and never read frequencies or positions: leaving them out
            // saves a part of the indexing work and of the index.
            let record =
                if analyzer == PLAIN { IndexRecordOption::Basic } else { IndexRecordOption::WithFreqsAndPositions };
            let options = TextOptions::default()
                .set_indexing_options(TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(record));
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let fields = Fields {
            key: builder.add_text_field("key", STRING | STORED),
            kind: builder.add_text_field("kind", STRING | STORED | FAST),
            slug: builder.add_text_field("slug", STRING | STORED),
            title: builder.add_text_field("title", text(STEMMED, true)),
            body: builder.add_text_field("body", text(STEMMED, true)),
            context: builder.add_text_field("context", text(STEMMED, false)),
            title_plain: builder.add_text_field("title_plain", text(PLAIN, false)),
            body_plain: builder.add_text_field("body_plain", text(PLAIN, false)),
            category: builder.add_text_field("category", STRING),
            city: builder.add_text_field("city", STRING),
            facets: builder.add_facet_field("facets", FacetOptions::default()),
            node: builder.add_text_field("node", STORED),
            digest: builder.add_u64_field("digest", FAST),
        };
        (builder.build(), fields)
    }
}

/// Returns the stemming analyzer used for `title`, `body` and `context`.
pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Returns the unstemmed analyzer used for the `*_plain` fields.
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers both analyzers on an index.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(PLAIN, plain_analyzer());
}

/// One analyzed word: its stem, its unstemmed form, and its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub stem: String,
    pub plain: String,
    pub from: usize,
    pub to: usize,
}

/// Splits text into words the way the index does.
pub fn words(text: &str) -> Vec<Word> {
    let mut stemmed = stemmed_analyzer();
    let mut plain = plain_analyzer();
    let mut stems = stemmed.token_stream(text);
    let mut plains = plain.token_stream(text);
    let mut out = Vec::new();
    while stems.advance() && plains.advance() {
        let (stem, plain) = (stems.token(), plains.token());
        out.push(Word {
            stem: stem.text.clone(),
            plain: plain.text.clone(),
            from: plain.offset_from,
            to: plain.offset_to,
        });
    }
    out
}
