//! Fuzz target `ndjson`: see `connected_apps_fuzz::ndjson`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::ndjson(data));
