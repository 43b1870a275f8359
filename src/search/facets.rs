//! Facet counts over every match. Each segment counts its matches by facet ordinal; the
//! names of the ordinals that matched are then read in one sorted pass over the
//! segment's facet dictionary. (tantivy's `FacetCollector` looks every ordinal up on its
//! own, each lookup scanning a dictionary block: with thousands of cities that was
//! nearly all of a faceted search's time.)
//!
//! Counts are exact up to `EXACT_MATCHES` matches in a segment; past them one match in
//! `SAMPLE_EVERY` is counted, for `SAMPLE_EVERY`, and the answer says the counts are
//! estimates (as Elasticsearch's sampler aggregation does, and Algolia's
//! `exhaustiveFacetsCount` reports).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts per facet, keyed by (root, value): `/city/changchun` is `("city", "changchun")`.
pub type Counts = HashMap<(String, String), u64>;

/// Matches of one segment whose facets are all counted.
pub const EXACT_MATCHES: u64 = 10_000;

/// Past `EXACT_MATCHES`, one match in this many is counted.
pub const SAMPLE_EVERY: u64 = 4;

/// The counts of a search, and whether they are exact (no segment was sampled).
#[derive(Debug, Default)]
pub struct Tally {
    pub counts: Counts,
    pub exact: bool,
}

impl Tally {
    /// Adds another tally's counts to this one.
    pub fn add(&mut self, other: Tally) {
        for (key, count) in other.counts {
            *self.counts.entry(key).or_default() += count;
        }
        self.exact &= other.exact;
    }
}

/// Counts the two-level facets (`/root/value`) of every match in one facet field.
pub struct FacetCounter {
    pub field: &'static str,
}

pub struct SegmentFacetCounter {
    reader: FacetReader,
    /// Matches per facet ordinal of this segment (past `EXACT_MATCHES`, each sampled one
    /// counts `SAMPLE_EVERY`).
    counts: Vec<u64>,
    /// Matches seen in this segment.
    seen: u64,
}

impl Collector for FacetCounter {
    type Fruit = Tally;
    type Child = SegmentFacetCounter;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacetCounter> {
        let reader = segment.facet_reader(self.field)?;
        let counts = vec![0; reader.num_facets()];
        Ok(SegmentFacetCounter { reader, counts, seen: 0 })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut merged = Tally { counts: Counts::new(), exact: true };
        for fruit in fruits {
            merged.add(fruit);
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.seen += 1;
        let weight = if self.seen <= EXACT_MATCHES {
            1
        } else if self.seen % SAMPLE_EVERY == 0 {
            SAMPLE_EVERY
        } else {
            return;
        };
        for ord in self.reader.facet_ords(doc) {
            if let Some(count) = self.counts.get_mut(ord as usize) {
                *count += weight;
            }
        }
    }

    fn harvest(self) -> Tally {
        let matched: Vec<u64> = (0..self.counts.len() as u64).filter(|&ord| self.counts[ord as usize] > 0).collect();
        let mut out = Counts::with_capacity(matched.len());
        let mut next = matched.iter();
        let _ = self.reader.facet_dict().sorted_ords_to_term_cb(matched.iter().copied(), |bytes| {
            let Some(&ord) = next.next() else { return Ok(()) };
            if let Ok(facet) = Facet::from_encoded(bytes.to_vec()) {
                if let [root, value] = facet.to_path()[..] {
                    out.insert((root.to_owned(), value.to_owned()), self.counts[ord as usize]);
                }
            }
            Ok(())
        });
        Tally { counts: out, exact: self.seen <= EXACT_MATCHES }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::AllQuery;
    use tantivy::schema::{FacetOptions, Schema};
    use tantivy::{doc, Index};

    use super::*;

    /// Counts the facets of every document of an index of `n`, where one in three is in `b`.
    fn tally(n: u64) -> Tally {
        let mut schema = Schema::builder();
        let field = schema.add_facet_field("facets", FacetOptions::default());
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..n {
            let city = if i % 3 == 0 { "b" } else { "a" };
            writer.add_document(doc!(field => Facet::from_path(["city", city]))).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        searcher.search(&AllQuery, &FacetCounter { field: "facets" }).unwrap()
    }

    #[test]
    fn counts_are_exact_up_to_the_threshold_and_estimated_past_it() {
        let exact = tally(EXACT_MATCHES);
        assert!(exact.exact);
        assert_eq!(exact.counts[&("city".to_owned(), "b".to_owned())], EXACT_MATCHES.div_ceil(3));
        assert_eq!(exact.counts.values().sum::<u64>(), EXACT_MATCHES);

        let n = EXACT_MATCHES * 3;
        let sampled = tally(n);
        assert!(!sampled.exact, "the answer says the counts are estimates");
        let total: u64 = sampled.counts.values().sum();
        assert_eq!(total, n, "every sampled match stands for {SAMPLE_EVERY}");
        let b = sampled.counts[&("city".to_owned(), "b".to_owned())] as f64;
        assert!((b / n as f64 - 1.0 / 3.0).abs() < 0.01, "{b} of {n}");
    }
}
