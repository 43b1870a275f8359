//! Fuzzes what the server does with a request body before running it: JSON decoding,
//! the request limits (token scan, parse, fragment-expanded measures), and the search
//! query parser on the query text. None of it may panic or hang on any input.
#![no_main]

use std::sync::OnceLock;

use achievement_graph::graphql::limits::{check, Limits};
use achievement_graph::graphql::shape::SchemaShape;
use libfuzzer_sys::fuzz_target;

fn shape() -> &'static SchemaShape {
    static SHAPE: OnceLock<SchemaShape> = OnceLock::new();
    SHAPE.get_or_init(|| SchemaShape::from_sdl(&achievement_graph::graphql::engine_sdl()).expect("the schema's shape"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<async_graphql::Request>(data) {
        let _ = check(&request.query, &request.variables, request.operation_name.as_deref(), &Limits::default(), shape());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check(text, &Default::default(), None, &Limits::default(), shape());
        let _ = achievement_graph::search::parse_query(text);
    }
});
