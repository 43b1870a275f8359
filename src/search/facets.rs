//! Facet counts over every match. Each segment counts its matches by facet ordinal; the
//! names of the ordinals that matched are then read in one sorted pass over the
//! segment's facet dictionary. (tantivy's `FacetCollector` looks every ordinal up on its
//! own, each lookup scanning a dictionary block: with thousands of cities that was
//! nearly all of a faceted search's time.)

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts per facet, keyed by (root, value): `/city/changchun` is `("city", "changchun")`.
pub type Counts = HashMap<(String, String), u64>;

/// Counts the two-level facets (`/root/value`) of every match in one facet field.
pub struct FacetCounter {
    pub field: &'static str,
}

pub struct SegmentFacetCounter {
    reader: FacetReader,
    /// Matches per facet ordinal of this segment.
    counts: Vec<u64>,
}

impl Collector for FacetCounter {
    type Fruit = Counts;
    type Child = SegmentFacetCounter;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacetCounter> {
        let reader = segment.facet_reader(self.field)?;
        let counts = vec![0; reader.num_facets()];
        Ok(SegmentFacetCounter { reader, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut merged = Counts::new();
        for fruit in fruits {
            for (key, count) in fruit {
                *merged.entry(key).or_default() += count;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(count) = self.counts.get_mut(ord as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> Counts {
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
        out
    }
}
