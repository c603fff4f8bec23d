use mqtt_kit_session::{Journal, Record};

use crate::support::{Dir, history, id, saved};

/// Appends and removes `rounds` large publishes: the journal grows, the live state does not.
fn churn(journal: &mut Journal, rounds: u16) {
    for n in 0..rounds {
        let packet_id = 100 + n % 1000;
        let Record::SaveOutgoing(mut entry) = saved(packet_id, 1000 + u64::from(n)) else {
            unreachable!()
        };
        entry.publish.payload = vec![7; 50_000].into();
        journal
            .append(&[
                Record::SaveOutgoing(entry),
                Record::RemoveOutgoing(id(packet_id)),
            ])
            .unwrap();
    }
}

#[test]
fn a_journal_grown_well_past_its_live_state_is_compacted_with_the_same_state() {
    let dir = Dir::new("compact-grow");
    let path = dir.file("j");
    let mut journal = Journal::open(&path, false).unwrap();
    journal.append(&history()).unwrap();
    let expected = journal.state().clone();
    let mut largest = 0;
    churn(&mut journal, 100);
    for _ in 0..100 {
        churn(&mut journal, 1);
        largest = largest.max(journal.len_bytes());
    }
    assert!(largest < 4 << 20, "journal of {largest} bytes");
    assert_eq!(journal.state(), &expected);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), journal.len_bytes());
    drop(journal);
    assert_eq!(Journal::load(&path).unwrap().state, expected);
    assert_eq!(dir.names(), ["j"], "no temporary file left behind");
}

#[test]
fn compaction_never_writes_into_the_old_file() {
    // A second name for the old file: it must still hold the old journal, byte for byte,
    // after the compaction (which only renames a new file over the journal's name).
    let dir = Dir::new("compact-link");
    let path = dir.file("j");
    let mut journal = Journal::open(&path, false).unwrap();
    journal.append(&history()).unwrap();
    churn(&mut journal, 10);
    let old = std::fs::read(&path).unwrap();
    std::fs::hard_link(&path, dir.file("old")).unwrap();
    journal.compact().unwrap();
    assert_eq!(std::fs::read(dir.file("old")).unwrap(), old);
    let new_len = std::fs::metadata(&path).unwrap().len();
    assert!(new_len < old.len() as u64);
    assert_eq!(
        Journal::load(&path).unwrap().state,
        Journal::load(dir.file("old")).unwrap().state
    );
}

#[test]
fn a_compaction_that_fails_before_the_rename_leaves_the_journal_whole_and_usable() {
    let dir = Dir::new("compact-fail");
    let path = dir.file("j");
    let mut journal = Journal::open(&path, false).unwrap();
    journal.append(&history()).unwrap();
    let before = std::fs::read(&path).unwrap();
    // The new file cannot be created: a directory has its name (as a crash before the
    // rename would leave things: the old journal and, at most, a partial new file).
    std::fs::create_dir(dir.file("j.compacting")).unwrap();
    assert!(journal.compact().is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    journal.append(&[Record::SaveIncoming(id(77))]).unwrap();
    std::fs::remove_dir(dir.file("j.compacting")).unwrap();
    // A partial new file left by a crash is ignored when opening, and replaced.
    std::fs::write(dir.file("j.compacting"), b"MQTTJRNL partial").unwrap();
    drop(journal);
    let mut journal = Journal::open(&path, false).unwrap();
    assert!(journal.state().incoming_qos2.contains(&77));
    journal.compact().unwrap();
    assert_eq!(dir.names(), ["j"]);
    assert!(
        Journal::load(&path)
            .unwrap()
            .state
            .incoming_qos2
            .contains(&77)
    );
}

#[test]
fn a_long_journal_is_compacted_at_opening_unless_a_torn_tail_was_dropped() {
    let dir = Dir::new("compact-torn");
    let path = dir.file("j");
    let mut journal = Journal::open(&path, false).unwrap();
    churn(&mut journal, 1);
    drop(journal);
    // 3 MB of records that cancel out, written without the journal (which would have
    // compacted them as they came).
    let one = std::fs::read(&path).unwrap();
    let mut long = one.clone();
    for _ in 0..30 {
        long.extend_from_slice(&one[12..]);
    }
    std::fs::write(&path, &long).unwrap();
    drop(Journal::open(&path, false).unwrap());
    assert!(std::fs::metadata(&path).unwrap().len() < 100, "compacted");

    let mut torn = long.clone();
    torn.extend_from_slice(&[0, 0, 0, 40, 1]);
    std::fs::write(&path, &torn).unwrap();
    let mut journal = Journal::open(&path, false).unwrap();
    assert!(journal.torn_tail().is_some());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        long,
        "only the torn bytes cut off"
    );
    // Later, as it grows, it is compacted all the same (the torn bytes are kept aside).
    churn(&mut journal, 1);
    assert!(journal.len_bytes() < 100, "{} bytes", journal.len_bytes());
}
