//! Store files damaged at random: changed bytes, cut ends, overwritten ranges. Opening one
//! must give a typed error that leaves the file as it was, or the same contents, or a
//! recovery it reports (a torn end); never a panic, never other contents without a word.

use std::path::Path;
use std::time::Instant;

use mqtt_kit_client::{Journal, Publish, QoS, TopicName};
use mqtt_kit_codec::PacketId;
use mqtt_kit_session::{Record, StoredPublish, StoredSession};
use mqtt_testkit::TempDir;

use super::memory::Sampler;
use super::plan::Plan;
use super::report::Outcome;

/// How opening one damaged file went.
#[derive(Debug, Default)]
struct Verdicts {
    refused: u64,
    same: u64,
    reported: u64,
    earlier: u64,
    silent: u64,
    panicked: u64,
    touched: u64,
}

/// A store with publishes in flight at both stages and incoming QoS 2 identifiers; with the
/// length of the file and the state it held after each change.
fn make_store(path: &Path) -> Result<Vec<(u64, StoredSession)>, String> {
    let mut journal = Journal::open(path, false).map_err(|e| e.to_string())?;
    let topic = TopicName::try_from("chaos/store").map_err(|e| e.to_string())?;
    let mut changes = vec![Record::Established(true)];
    for n in 1..=40u16 {
        let id = PacketId::new(n).ok_or("packet id")?;
        let qos = if n % 2 == 0 {
            QoS::ExactlyOnce
        } else {
            QoS::AtLeastOnce
        };
        let publish = Publish::new(topic.clone(), format!("message {n}"), qos).with_packet_id(id);
        changes.push(Record::SaveOutgoing(StoredPublish {
            order: u64::from(n),
            publish,
            released: false,
        }));
        if n % 4 == 0 {
            changes.push(Record::ReleaseOutgoing {
                packet_id: id,
                order: 100 + u64::from(n),
            });
        }
        if n % 3 == 0 {
            changes.push(Record::RemoveOutgoing(id));
        }
        if n % 5 == 0 {
            changes.push(Record::SaveIncoming(id));
        }
    }
    let mut history = Vec::new();
    let len = || {
        std::fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| e.to_string())
    };
    history.push((len()?, journal.state().clone()));
    for change in changes {
        // One record a batch: the file after each is a moment the journal was at.
        journal
            .append(std::slice::from_ref(&change))
            .map_err(|e| e.to_string())?;
        history.push((len()?, journal.state().clone()));
    }
    Ok(history)
}

/// Damages `bytes` one of three ways, at random.
fn damage(bytes: &mut Vec<u8>) -> &'static str {
    let len = bytes.len();
    match fastrand::u8(0..3) {
        0 => {
            for _ in 0..fastrand::usize(1..=3) {
                let at = fastrand::usize(0..len);
                bytes[at] ^= fastrand::u8(1..=255);
            }
            "bytes changed"
        }
        1 => {
            bytes.truncate(fastrand::usize(0..len));
            "end cut off"
        }
        _ => {
            let at = fastrand::usize(0..len);
            let end = (at + fastrand::usize(1..64)).min(len);
            bytes[at..end].fill(fastrand::u8(..));
            "range overwritten"
        }
    }
}

/// Runs the test.
pub fn run(plan: &Plan) -> Result<Outcome, String> {
    let started = Instant::now();
    let memory = Sampler::start();
    let dir = TempDir::new("chaos-store").map_err(|e| e.to_string())?;
    let good_path = dir.path().join("good.store");
    let history = make_store(&good_path)?;
    let expected = history
        .last()
        .map(|(_, state)| state.clone())
        .unwrap_or_default();
    let good = std::fs::read(&good_path).map_err(|e| e.to_string())?;
    let path = dir.path().join("damaged.store");
    let mut verdicts = Verdicts::default();
    let mut example = None;
    for _ in 0..plan.corruptions {
        let mut bytes = good.clone();
        let how = damage(&mut bytes);
        if bytes == good {
            continue;
        }
        std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        let opened = std::panic::catch_unwind(|| {
            let journal = Journal::open(&path, false)?;
            let torn = journal.torn_tail().is_some();
            Ok::<_, mqtt_kit_client::JournalError>((journal.state().clone(), torn))
        });
        match opened {
            Err(_) => verdicts.panicked += 1,
            Ok(Err(_)) => {
                verdicts.refused += 1;
                if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
                    verdicts.touched += 1;
                }
            }
            Ok(Ok((state, torn))) if torn => {
                let _ = state;
                verdicts.reported += 1;
            }
            Ok(Ok((state, _))) if state == expected => verdicts.same += 1,
            // Cut exactly after a record: the journal as it was at an earlier moment, which
            // no append-only file can tell from a crash before the later records were
            // written (with fsync, only an outside hand cuts a synced file).
            Ok(Ok((state, _)))
                if history
                    .iter()
                    .any(|(len, earlier)| *len == bytes.len() as u64 && *earlier == state) =>
            {
                verdicts.earlier += 1;
            }
            Ok(Ok(_)) => {
                verdicts.silent += 1;
                example.get_or_insert(how);
            }
        }
        // What a recovery left beside the store.
        for entry in std::fs::read_dir(dir.path())
            .map_err(|e| e.to_string())?
            .flatten()
        {
            if entry.file_name().to_string_lossy().contains(".torn-at-") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let tried = verdicts.refused
        + verdicts.same
        + verdicts.reported
        + verdicts.earlier
        + verdicts.silent
        + verdicts.panicked;
    let mut outcome = Outcome {
        name: "store files corrupted",
        sent: tried,
        accepted: verdicts.same + verdicts.reported + verdicts.earlier,
        faults: tried,
        ..Outcome::default()
    };
    outcome.goal(
        format!("no panic ({} panicked)", verdicts.panicked),
        verdicts.panicked == 0,
    );
    outcome.goal(
        format!(
            "no silent change of contents ({} loaded different contents without a report{})",
            verdicts.silent,
            example.map_or_else(String::new, |how| format!(", e.g. {how}"))
        ),
        verdicts.silent == 0,
    );
    outcome.goal(
        format!(
            "a refused file is left untouched ({} touched)",
            verdicts.touched
        ),
        verdicts.touched == 0,
    );
    outcome.notes.push(format!(
        "{tried} damaged copies of a {}-byte store: {} refused with a typed error, {} loaded the same contents, {} recovered with a reported torn end, {} cut exactly after a record (the store as it was after an earlier change, indistinguishable from a crash before the later records)",
        good.len(),
        verdicts.refused,
        verdicts.same,
        verdicts.reported,
        verdicts.earlier
    ));
    outcome.peak_kib = memory.peak_kib();
    outcome.duration = started.elapsed();
    Ok(outcome)
}
