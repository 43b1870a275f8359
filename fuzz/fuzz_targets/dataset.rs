//! `check` on dataset JSON (`dataset` says what must hold).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| achievement_graph_fuzz::dataset(data));
