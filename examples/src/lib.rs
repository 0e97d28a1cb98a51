//! Plumbing shared by the runnable examples (the `[[example]]` targets of this package): where the
//! bundled data is, how a snapshot is loaded, and how an example exits.
//!
//! `cargo run -p connected-apps-examples --example connections_home`

use std::process::ExitCode;

use connected_apps::Engine;

/// The bundled sample account (a JSON snapshot written by the `generate_sample` example).
pub const SAMPLE_ACCOUNT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_account.json");

/// The bundled sample marketplace.
pub const SAMPLE_MARKETPLACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/marketplace.json");

/// Reads a text file, naming it in the error.
///
/// # Errors
/// The path and the I/O error.
pub fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// Loads the engine snapshot at `path`, or the bundled sample account when `path` is `None`.
///
/// # Errors
/// The path and what was wrong with the file.
pub fn load_engine(path: Option<&str>) -> Result<Engine, String> {
    let path = path.unwrap_or(SAMPLE_ACCOUNT);
    Engine::from_json(&read(path)?).map_err(|e| format!("cannot load {path}: {e}"))
}

/// An example's exit: success, or the error printed to stderr and a failure code.
#[must_use]
pub fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
