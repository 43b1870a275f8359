//! The index schema: field handles and the schema version (the analyzers they name are
//! in `analysis`).

use tantivy::schema::FacetOptions;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING};

use super::analysis::{PINYIN, PLAIN, STEMMED};

/// Bump when fields, analyzers or the storage format change: an index of another version
/// is rebuilt at startup. (2: columns without zstd; 3: the stored `node`; 4: `digest`;
/// 5: `*_plain` without frequencies and positions; 6: the mixed-script analyzer and
/// `pinyin`.)
pub const SCHEMA_VERSION: u32 = 6;

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
    /// The pinyin of the title's Han words (`analysis::pinyin::index_text`), searched
    /// by Latin query words with a lower boost.
    pub pinyin: Field,
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
            let record = match analyzer {
                PLAIN => IndexRecordOption::Basic,
                PINYIN => IndexRecordOption::WithFreqs,
                _ => IndexRecordOption::WithFreqsAndPositions,
            };
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
            pinyin: builder.add_text_field("pinyin", text(PINYIN, false)),
            category: builder.add_text_field("category", STRING),
            city: builder.add_text_field("city", STRING),
            facets: builder.add_facet_field("facets", FacetOptions::default()),
            node: builder.add_text_field("node", STORED),
            digest: builder.add_u64_field("digest", FAST),
        };
        (builder.build(), fields)
    }
}
