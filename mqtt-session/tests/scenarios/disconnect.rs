//! (scenarios below)
