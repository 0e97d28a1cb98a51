//! The `uniffi-bindgen` command, built from the same uniffi version as the library's scaffolding.

fn main() {
    uniffi::uniffi_bindgen_main();
}
