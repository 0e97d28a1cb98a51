//! Fuzz target `partial`: see `connected_apps_fuzz::partial`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::partial(data));
