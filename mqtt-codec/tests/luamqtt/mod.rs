//! luamqtt's packet tables, both ways: [`build`] turns a vector's `fields` into our packet,
//! [`fields_of`] turns our packet into the table luamqtt's parser gives.

mod build;
mod fields;

pub use build::{BuildError, build};
pub use fields::fields_of;
