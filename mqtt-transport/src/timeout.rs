//! Time limits on the steps of opening a connection, with async-io's timer (which runs on
//! its own thread, so this works under any executor).

use std::future::Future;
use std::time::Duration;

use async_io::Timer;
use futures_lite::future;

use crate::{Stage, TransportError};

/// How long a TLS or WebSocket handshake may take unless told otherwise.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `step`, failing with [`TransportError::Timeout`] if `limit` runs out first.
pub(crate) async fn limit_time<T>(
    limit: Option<Duration>,
    stage: Stage,
    step: impl Future<Output = Result<T, TransportError>>,
) -> Result<T, TransportError> {
    let Some(after) = limit else {
        return step.await;
    };
    future::or(step, async move {
        Timer::after(after).await;
        Err(TransportError::Timeout { stage, after })
    })
    .await
}
