//! A directory of its own for one test (`mqtt-testkit`).

pub use mqtt_testkit::TempDir;
