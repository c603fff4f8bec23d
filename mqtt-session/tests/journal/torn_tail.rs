use mqtt_kit_session::{Journal, Record};

use crate::support::{Dir, history, id, write};

/// The journal of `history()` and the offset where its last record starts.
fn journal_and_last_offset(dir: &Dir) -> (Vec<u8>, usize, Vec<Record>) {
    let mut records = history();
    let last = records.pop().unwrap();
    let before = write(&dir.file("before"), &records);
    records.push(last);
    let full = write(&dir.file("full"), &records);
    assert_eq!(&full[..before.len()], &before[..]);
    records.pop();
    (full, before.len(), records)
}

#[test]
fn a_final_record_cut_at_any_byte_is_dropped_and_reported() {
    let dir = Dir::new("torn-every-byte");
    let (full, last, without_last) = journal_and_last_offset(&dir);
    let expected = {
        write(&dir.file("expected"), &without_last);
        Journal::load(dir.file("expected")).unwrap().state
    };
    let path = dir.file("j");
    for cut in last..full.len() {
        std::fs::write(&path, &full[..cut]).unwrap();
        let loaded = Journal::load(&path).unwrap();
        assert_eq!(loaded.state, expected, "cut at {cut}");
        match loaded.torn_tail {
            None => assert_eq!(cut, last),
            Some(torn) => {
                assert_eq!(torn.offset, last as u64, "cut at {cut}");
                assert_eq!(torn.len, (cut - last) as u64);
                assert_eq!(torn.saved_to, None);
            }
        }
        // Loading changes nothing.
        assert_eq!(std::fs::read(&path).unwrap(), &full[..cut]);
    }
}

#[test]
fn opening_keeps_the_torn_bytes_aside_and_appends_after_the_last_whole_record() {
    let dir = Dir::new("torn-open");
    let (full, last, _) = journal_and_last_offset(&dir);
    let path = dir.file("j");
    let cut = last + 20;
    std::fs::write(&path, &full[..cut]).unwrap();
    let mut journal = Journal::open(&path, true).unwrap();
    let torn = journal.torn_tail().cloned().unwrap();
    assert_eq!((torn.offset, torn.len), (last as u64, 20));
    let saved = torn.saved_to.clone().unwrap();
    assert_eq!(std::fs::read(&saved).unwrap(), &full[last..cut]);
    assert_eq!(std::fs::read(&path).unwrap(), &full[..last]);
    journal.append(&[Record::SaveIncoming(id(33))]).unwrap();
    drop(journal);
    let loaded = Journal::load(&path).unwrap();
    assert_eq!(loaded.torn_tail, None);
    assert!(loaded.state.incoming_qos2.contains(&33));
}

#[test]
fn zeros_after_the_last_record_are_a_torn_tail() {
    // A file system may extend a file before its data is written: after a power loss the
    // end of the journal reads as zeros.
    let dir = Dir::new("torn-zeros");
    let path = dir.file("j");
    let mut bytes = write(&path, &history());
    let len = bytes.len();
    bytes.extend_from_slice(&[0; 100]);
    std::fs::write(&path, &bytes).unwrap();
    let loaded = Journal::load(&path).unwrap();
    let torn = loaded.torn_tail.unwrap();
    assert_eq!((torn.offset, torn.len), (len as u64, 100));
    assert_eq!(loaded.records, history().len() as u64);
}

#[test]
fn an_opened_journal_reports_the_torn_tail() {
    let dir = Dir::new("torn-open");
    let (full, last, _) = journal_and_last_offset(&dir);
    let path = dir.file("j");
    std::fs::write(&path, &full[..last + 3]).unwrap();
    let journal = mqtt_kit_session::Journal::open(&path, false).unwrap();
    assert_eq!(journal.torn_tail().unwrap().offset, last as u64);
}
