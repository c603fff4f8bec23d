//! Shared helpers of the examples (the embedded broker comes with the client issue).
