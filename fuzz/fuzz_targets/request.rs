//! An HTTP request through the router, the limits and execution against a real store on
//! a temporary SQLite file (`Server::request` says what must hold).
#![no_main]

use achievement_graph_fuzz::Server;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| Server::shared().request(data));
