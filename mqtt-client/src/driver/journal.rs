//! The driver's side of persistence: the engine's records appended to the journal on a
//! thread of the `blocking` pool (a write and an `fsync` never block the executor), with
//! group commit (the records that come while one batch is written make the next batch), and
//! the bytes that depend on records held back until those records are on the disk.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_channel::oneshot;
use mqtt_kit_session::{Journal, JournalError, OutBuffer, Record};

use crate::engine::Engine;
use crate::error::ClientError;

type Write = blocking::Task<(Journal, Vec<Record>, Result<(), JournalError>)>;

/// Batches are numbered from 1; bytes and acceptances wait for the batch they depend on.
#[derive(Default)]
pub(super) struct Persistence {
    /// The journal, when no batch is being written.
    journal: Option<Journal>,
    /// The batch being written, on a thread of the pool.
    writing: Option<Write>,
    /// Records taken from the engine, for the next batch.
    records: Vec<Record>,
    /// The number the next batch written will have.
    next_batch: u64,
    /// Every batch below this number is on the disk.
    durable_below: u64,
    /// The batch the newest records taken belong to.
    needed: u64,
    /// Bytes to write, each waiting for its batch.
    held: VecDeque<(u64, OutBuffer)>,
    /// Publishes whose acceptance waits for a batch.
    accepted: VecDeque<(u64, oneshot::Sender<()>)>,
    failure: Option<ClientError>,
}

impl Persistence {
    pub(super) fn new(journal: Option<Journal>) -> Self {
        Self {
            journal,
            next_batch: 1,
            durable_below: 1,
            ..Self::default()
        }
    }

    fn enabled(&self) -> bool {
        self.journal.is_some() || self.writing.is_some()
    }

    /// A publish was handed to the engine: `accepted` hears once its records are durable
    /// (at once without a journal).
    pub(super) fn on_accepted(&mut self, engine: &mut Engine, accepted: oneshot::Sender<()>) {
        if !self.enabled() {
            let _ = accepted.send(());
            return;
        }
        self.collect(engine);
        if self.needed < self.durable_below {
            let _ = accepted.send(());
        } else {
            self.accepted.push_back((self.needed, accepted));
        }
    }

    /// Takes the engine's new records for the next batch.
    fn collect(&mut self, engine: &mut Engine) {
        if engine.poll_records(&mut self.records) > 0 {
            self.needed = self.next_batch;
        }
    }

    /// The engine's bytes to write: into `out` when every record they may depend on is
    /// durable, held back otherwise.
    pub(super) fn transmit(&mut self, engine: &mut Engine, now: Instant, out: &mut OutBuffer) {
        self.collect(engine);
        if self.needed < self.durable_below {
            engine.poll_transmit(now, out);
            return;
        }
        if self
            .held
            .back()
            .is_none_or(|(batch, _)| *batch != self.needed)
        {
            self.held.push_back((self.needed, OutBuffer::new()));
        }
        if let Some((_, buffer)) = self.held.back_mut() {
            engine.poll_transmit(now, buffer);
        }
    }

    /// How many bytes are held back.
    pub(super) fn held_len(&self) -> usize {
        self.held.iter().map(|(_, buffer)| buffer.len()).sum()
    }

    /// Bytes held back for records now durable move to `out`.
    pub(super) fn release(&mut self, out: &mut OutBuffer) {
        while let Some((batch, buffer)) = self.held.front_mut() {
            if *batch >= self.durable_below {
                break;
            }
            out.append(buffer);
            self.held.pop_front();
        }
    }

    /// The connection ended: held bytes will not be written (what they carried stays in the
    /// session); the records still go to the journal.
    pub(super) fn connection_ended(&mut self) {
        self.held.clear();
    }

    /// Collects records, finishes the batch being written and starts the next. Returns
    /// whether anything happened.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>, engine: &mut Engine) -> bool {
        if !self.enabled() {
            return false;
        }
        self.collect(engine);
        let mut progress = false;
        if let Some(writing) = self.writing.as_mut() {
            let Poll::Ready((journal, mut batch, result)) = Pin::new(writing).poll(cx) else {
                return false;
            };
            self.writing = None;
            self.journal = Some(journal);
            match result {
                Ok(()) => {
                    self.durable_below = self.next_batch;
                    while self
                        .accepted
                        .front()
                        .is_some_and(|(batch, _)| *batch < self.durable_below)
                    {
                        if let Some((_, accepted)) = self.accepted.pop_front() {
                            let _ = accepted.send(());
                        }
                    }
                }
                Err(error) => self.failure = Some(ClientError::Journal(Arc::new(error))),
            }
            // The vector goes back for the next batch: no allocation per batch.
            batch.clear();
            if self.records.is_empty() {
                self.records = batch;
            }
            progress = true;
        }
        if self.failure.is_none() && !self.records.is_empty() {
            if let Some(mut journal) = self.journal.take() {
                let batch = std::mem::take(&mut self.records);
                self.next_batch += 1;
                self.writing = Some(blocking::unblock(move || {
                    let result = journal.append(&batch);
                    (journal, batch, result)
                }));
                progress = true;
            }
        }
        progress
    }

    /// The journal failed: the driver ends with this error.
    pub(super) fn failure(&self) -> Option<&ClientError> {
        self.failure.as_ref()
    }

    /// Whether every record taken is on the disk.
    pub(super) fn is_idle(&self) -> bool {
        self.writing.is_none() && self.records.is_empty()
    }
}
