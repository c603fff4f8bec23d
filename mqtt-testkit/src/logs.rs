//! What a piece of code logs with `tracing`, captured as text, so that a test can check what
//! is logged and, above all, what is not (a password, a payload).
//!
//! One subscriber is installed for the whole test process (at `trace` level), writing into a
//! buffer of the thread that captures, and nowhere for the others. A subscriber per test
//! (`tracing::subscriber::with_default`) would be simpler, but tracing caches whether a
//! call site is enabled: a test thread without a subscriber that reaches a call site first
//! can leave it disabled for the test that captures, which then misses lines at random.

use std::cell::RefCell;
use std::io;
use std::sync::Once;

thread_local! {
    /// The text logged on this thread while it captures.
    static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns its result with the text its thread logged meanwhile: one line per
/// event, with its level, target, message and fields (no time, no colours).
pub fn capture_logs<R>(f: impl FnOnce() -> R) -> (R, String) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(|| ThreadBuffer)
            .finish();
        // Another global subscriber of the process would take the events: the assertions
        // on the text then fail and say so.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
    let result = f();
    let bytes = CAPTURED.with(|captured| captured.borrow_mut().take());
    (
        result,
        String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned(),
    )
}

/// Writes into the current thread's capture, if it has one.
struct ThreadBuffer;

impl io::Write for ThreadBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        CAPTURED.with(|captured| {
            if let Some(buffer) = captured.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
