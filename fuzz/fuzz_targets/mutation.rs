//! A mutation with fuzzed variables: refused with a client code that names the field,
//! changing nothing, or done (`Server::mutation` says what must hold).
#![no_main]

use achievement_graph_fuzz::Server;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| Server::shared().mutation(data));
