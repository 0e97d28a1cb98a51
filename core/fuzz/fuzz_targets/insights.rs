//! Fuzz target `insights`: see `connected_apps_fuzz::insights`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::insights(data));
