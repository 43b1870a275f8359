//! Relay connections: argument checks, keyset pages from the store, and offset pages
//! over small in-memory lists (a parent's related entities).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::Error;
use crate::store::{Cursor, Page, PageRequest, SortOrder};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: usize = 20;
/// The largest `first` or `last` a client may ask for.
pub const MAX_PAGE: usize = 100;

/// Extra fields on every connection.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many items match, over all pages.
    pub total_count: i64,
}

/// A connection with string cursors and a `totalCount`.
pub type Conn<T> = Connection<String, T, ConnectionFields>;

/// The Relay pagination arguments of one field.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// Checks the counts; returns the page size and whether it is taken from the end.
    fn size(&self) -> Result<(usize, bool), Error> {
        let check = |value: i32, field: &str| {
            if value < 0 || value as usize > MAX_PAGE {
                Err(Error::bad_input(field, format!("`{field}` must be between 0 and {MAX_PAGE}, got {value}")))
            } else {
                Ok(value as usize)
            }
        };
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(Error::bad_input("last", "pass either `first` or `last`, not both")),
            (Some(first), None) => Ok((check(first, "first")?, false)),
            (None, Some(last)) => Ok((check(last, "last")?, true)),
            (None, None) => Ok((DEFAULT_PAGE, self.before.is_some() && self.after.is_none())),
        }
    }

    /// Builds a keyset request for the store.
    pub fn to_request(&self, order: SortOrder) -> Result<PageRequest, Error> {
        let (limit, from_end) = self.size()?;
        let cursor = |text: &Option<String>, field: &str| {
            text.as_deref()
                .map(|text| {
                    Cursor::decode(text, order)
                        .ok_or_else(|| Error::bad_input(field, format!("`{text}` is not a cursor of this list")))
                })
                .transpose()
        };
        Ok(PageRequest {
            after: cursor(&self.after, "after")?,
            before: cursor(&self.before, "before")?,
            limit,
            from_end,
        })
    }

    /// Returns one page of an in-memory list, with offset cursors.
    pub fn slice<T: OutputType>(&self, items: Vec<T>) -> Result<Conn<T>, Error> {
        let total = items.len();
        let (from, to) = self.window(total)?;
        let mut connection =
            Conn::with_additional_fields(from > 0, to < total, ConnectionFields { total_count: total as i64 });
        connection.edges.extend(
            items.into_iter().enumerate().skip(from).take(to - from).map(|(i, item)| Edge::new(encode_offset(i), item)),
        );
        Ok(connection)
    }

    /// Returns the positions `from..to` of the page of an in-memory list of `total` items.
    pub fn window(&self, total: usize) -> Result<(usize, usize), Error> {
        let (limit, from_end) = self.size()?;
        let offset = |text: &Option<String>, field: &str| {
            text.as_deref()
                .map(|text| {
                    decode_offset(text)
                        .ok_or_else(|| Error::bad_input(field, format!("`{text}` is not a cursor of this list")))
                })
                .transpose()
        };
        let start = offset(&self.after, "after")?.map_or(0, |after| (after + 1).min(total));
        let end = offset(&self.before, "before")?.map_or(total, |before| before.min(total)).max(start);
        Ok(if from_end { (end.saturating_sub(limit).max(start), end) } else { (start, (start + limit).min(end)) })
    }
}

/// Turns a store page into a connection.
pub fn from_page<T: OutputType, U>(page: Page<U>, total: i64, wrap: impl Fn(U) -> T) -> Conn<T> {
    let mut connection = Conn::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ConnectionFields { total_count: total },
    );
    connection.edges.extend(page.items.into_iter().map(|(cursor, item)| Edge::new(cursor.encode(), wrap(item))));
    connection
}

/// Encodes a position in a list as an opaque cursor.
pub fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o1:{offset}"))
}

/// Decodes a cursor made by `encode_offset`.
pub fn decode_offset(text: &str) -> Option<usize> {
    let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    plain.strip_prefix("o1:")?.parse().ok()
}
