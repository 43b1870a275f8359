//! The search query language, its other readings and the highlighter, on the bundled
//! graph and a Chinese dataset (`Server::search` says what must hold).
#![no_main]

use achievement_graph_fuzz::Server;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| Server::shared().search(data));
