//! Examples live in this package's `[[example]]` targets; see `cargo run -p connected-apps-examples --example connections_home`.
