//! Helpers shared by the client's integration tests.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

/// How long any one step of a test may take before the test fails (a hang is a failure,
/// never a wait forever).
pub const STEP: Duration = Duration::from_secs(20);

/// `future`'s output, or a panic after [`STEP`].
pub async fn within<T>(future: impl Future<Output = T>) -> T {
    futures_lite::future::or(future, async {
        async_io::Timer::after(STEP).await;
        panic!("no answer within {STEP:?}");
    })
    .await
}

#[macro_use]
pub mod scripted;

pub mod mini_broker;

pub mod setup;
