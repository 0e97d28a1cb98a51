//! Fuzz target `import`: see `connected_apps_fuzz::import`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| connected_apps_fuzz::import(data));
