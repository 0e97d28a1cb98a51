//! Fuzz target `command`: see `connected_apps_fuzz::command`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::command(data));
