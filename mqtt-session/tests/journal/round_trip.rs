use mqtt_kit_codec::QoS;
use mqtt_kit_session::StoredSession;
use mqtt_kit_session::{Journal, JournalError, Record};

use crate::support::{Dir, history, id, publish, saved, write};

#[test]
fn every_kind_of_record_survives_reopening() {
    let dir = Dir::new("round-trip");
    let path = dir.file("j");
    write(&path, &history());
    let loaded = Journal::load(&path).unwrap();
    assert_eq!(loaded.records, history().len() as u64);
    assert_eq!(loaded.torn_tail, None);
    let state = loaded.state;
    assert!(state.established);
    let outgoing: Vec<(u64, u16, bool)> = state
        .outgoing
        .values()
        .map(|e| (e.order, e.publish.packet_id.unwrap().get(), e.released))
        .collect();
    assert_eq!(outgoing, [(2, 3, false), (3, 1, true)]);
    let Record::SaveOutgoing(third) = saved(3, 2) else {
        unreachable!()
    };
    assert_eq!(state.outgoing[&2].publish, third.publish);
    assert_eq!(state.incoming_qos2.iter().copied().collect::<Vec<_>>(), [8]);
    // Queued publishes come back in queue order, without packet identifier.
    let queued: Vec<(u64, &str, QoS)> = state
        .queued
        .iter()
        .map(|(seq, p)| (*seq, std::str::from_utf8(&p.payload).unwrap(), p.qos))
        .collect();
    assert_eq!(
        queued,
        [
            (11, "second", QoS::AtMostOnce),
            (12, "third", QoS::ExactlyOnce)
        ]
    );
    assert!(state.queued.values().all(|p| p.packet_id.is_none()));
    assert_eq!(
        state.queued[&12],
        publish("q", "third", QoS::ExactlyOnce, None)
    );
}

#[test]
fn one_batch_is_the_same_as_one_record_at_a_time() {
    let dir = Dir::new("batch");
    let one_by_one = write(&dir.file("a"), &history());
    let mut journal = Journal::open(dir.file("b"), true).unwrap();
    journal.append(&history()).unwrap();
    let expected = journal.state().clone();
    drop(journal);
    assert_eq!(std::fs::read(dir.file("b")).unwrap(), one_by_one);
    assert_eq!(Journal::load(dir.file("b")).unwrap().state, expected);
}

#[test]
fn clear_forgets_everything_before_it() {
    let dir = Dir::new("clear");
    let mut records = history();
    records.push(Record::Clear);
    write(&dir.file("j"), &records);
    assert_eq!(
        Journal::load(dir.file("j")).unwrap().state,
        StoredSession::default()
    );
}

#[test]
fn a_batch_the_state_refuses_writes_nothing() {
    let dir = Dir::new("refused");
    let path = dir.file("j");
    let before = write(&path, &[saved(1, 0)]);
    let mut journal = Journal::open(&path, false).unwrap();
    // Released in the same batch that saves it: accepted. Released after its removal, or
    // after a clear: refused as a whole.
    let refused = [
        vec![Record::RemoveOutgoing(id(1)), release(1, 5)],
        vec![Record::Clear, release(1, 5)],
        vec![saved(2, 1), release(3, 5)],
    ];
    for batch in refused {
        let error = journal.append(&batch).unwrap_err();
        assert!(matches!(error, JournalError::Refused { .. }), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
    journal.append(&[saved(2, 1), release(2, 5)]).unwrap();
    assert!(journal.state().outgoing[&5].released);
}

fn release(packet_id: u16, order: u64) -> Record {
    Record::ReleaseOutgoing {
        packet_id: id(packet_id),
        order,
    }
}

#[test]
fn a_missing_file_is_an_empty_journal_and_an_empty_file_or_garbage_is_refused() {
    let dir = Dir::new("new");
    let path = dir.file("j");
    assert_eq!(
        Journal::load(&path).unwrap().state,
        StoredSession::default()
    );
    let mut journal = Journal::open(&path, false).unwrap();
    assert_eq!(journal.state(), &StoredSession::default());
    journal.append(&[Record::SaveIncoming(id(4))]).unwrap();
    drop(journal);
    assert!(
        Journal::load(&path)
            .unwrap()
            .state
            .incoming_qos2
            .contains(&4)
    );

    // A journal is created with its header in one step: an empty file was cut by someone
    // else, and taking it for an empty store would lose what it held without a word.
    for garbage in [&b""[..], b"not a journal", b"MQTTJRNL"] {
        std::fs::write(&path, garbage).unwrap();
        let error = Journal::open(&path, false).unwrap_err();
        assert!(matches!(error, JournalError::BadHeader { .. }), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), garbage);
    }
}
