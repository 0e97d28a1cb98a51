//! Fuzz target `snapshot`: see `connected_apps_fuzz::snapshot`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::snapshot(data));
