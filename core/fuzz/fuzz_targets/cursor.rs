//! Fuzz target `cursor`: see `connected_apps_fuzz::cursor`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::cursor(data));
