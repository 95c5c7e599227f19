//! The claim and finish protocol on a store of its own: what a second claimer sees at each
//! step, entries read back whole, a cut entry, and the format version.

use super::*;
use std::io::Write;

/// A record for run `id` whose rows are `rows` logged epochs of one metric, and those rows as
/// stored (compressed), written into `claim`.
fn trained(claim: &Claim, id: &str, rows: u64) -> RunRecord {
    let mut out =
        Hashing::new(zstd::stream::write::Encoder::new(claim.writer().unwrap(), 3).unwrap());
    rows::start(&mut out, 1).unwrap();
    for e in 0..rows {
        rows::write(&mut out, e, &[Some(e as f64 / 3.0)]).unwrap();
    }
    let (enc, sha, _) = out.finish();
    enc.finish().unwrap().flush().unwrap();
    RunRecord {
        id: id.into(),
        status: RunStatus::Ok,
        diverged_epoch: None,
        epochs: rows as usize,
        final_loss: 0.5,
        min_loss: 0.25,
        accuracy: None,
        test_loss: None,
        test_accuracy: None,
        epochs_to_target: None,
        seconds: 0.0,
        predictions: Vec::new(),
        weights: vec![1.0, 2.0],
        rows,
        epochs_sha256: sha,
        sum: Default::default(),
        judged: Default::default(),
    }
}

fn mine(c: Claimed) -> Claim {
    match c {
        Claimed::Mine(c) => c,
        _ => panic!("expected to claim the run"),
    }
}

#[test]
fn a_claimed_run_is_busy_to_others_then_done_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::at(dir.path());
    a.create().unwrap();
    let b = Store::at(dir.path());
    let claim = mine(a.claim("00aa", false, true).unwrap());
    assert!(matches!(
        b.claim("00aa", false, true).unwrap(),
        Claimed::Busy
    ));
    let record = trained(&claim, "00aa", 5);
    a.finish(claim, &record, None).unwrap();
    assert!(!dir.path().join(".runner/claims/00aa").exists());
    // Another process (another Store) finds it done, whole.
    match b.claim("00aa", false, true).unwrap() {
        Claimed::Done(r) => assert_eq!(*r, record),
        _ => panic!("expected the finished run"),
    }
    assert_eq!(b.verify("00aa"), Lookup::Found(record.clone()));
    let mut epochs = Vec::new();
    b.each_row("00aa", |e, v| {
        assert_eq!(v, [Some(e as f64 / 3.0)]);
        epochs.push(e);
        Ok(())
    })
    .unwrap();
    assert_eq!(epochs, [0, 1, 2, 3, 4]);
    // Without reuse (--force) it is trained again, and the newer entry counts.
    let again = mine(b.claim("00aa", false, false).unwrap());
    let newer = trained(&again, "00aa", 2);
    b.finish(again, &newer, None).unwrap();
    let c = Store::at(dir.path());
    assert_eq!(c.verify("00aa"), Lookup::Found(newer));
    assert_eq!(packs_in(dir.path()), 2, "one pack per process");
}

#[test]
fn a_stopped_run_leaves_nothing_and_a_cut_entry_is_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::at(dir.path());
    s.create().unwrap();
    mine(s.claim("00bb", true, true).unwrap()).abandon();
    assert!(!dir.path().join(".runner/claims/00bb").exists());
    assert_eq!(Store::at(dir.path()).lookup("00bb"), Lookup::Missing);
    for (id, n) in [("00c1", 3), ("00c2", 4)] {
        let claim = mine(s.claim(id, true, true).unwrap());
        let r = trained(&claim, id, n);
        s.finish(claim, &r, None).unwrap();
    }
    s.sync().unwrap();
    // Cut the pack inside its last entry, as a process killed mid-append leaves it.
    let pack = fs::read_dir(dir.path().join(".runner/packs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let len = fs::metadata(&pack).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&pack)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    let fresh = Store::at(dir.path());
    assert!(matches!(fresh.verify("00c1"), Lookup::Found(_)));
    assert_eq!(fresh.lookup("00c2"), Lookup::Missing);
    // Bytes flipped inside an entry's rows: damaged, and named.
    let mut bytes = fs::read(&pack).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0xff;
    fs::write(&pack, &bytes).unwrap();
    assert!(matches!(
        Store::at(dir.path()).verify("00c1"),
        Lookup::Damaged(..)
    ));
}

#[test]
fn a_store_of_a_newer_format_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".runner")).unwrap();
    fs::write(dir.path().join(".runner/format"), "9\n").unwrap();
    let e = Store::at(dir.path()).create().unwrap_err().to_string();
    assert!(
        e.contains("store format 9, newer than this runner's 2"),
        "{e}"
    );
}

#[test]
fn a_pack_of_a_newer_format_is_refused_not_called_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.create().unwrap();
    let pack = dir.path().join(".runner/packs/other.pack");
    fs::write(&pack, "runner pack 7\n@run 0123 1 10 0\n").unwrap();
    for e in [store.check_format(), store.create()] {
        let e = e.unwrap_err().to_string();
        assert!(
            e.contains("other.pack` is in pack format 7, newer than this runner's 1"),
            "{e}"
        );
    }
    // A pack of this format, or one cut before its first line ends, is not refused.
    fs::write(&pack, "runner pack 1\n").unwrap();
    store.check_format().unwrap();
    fs::write(&pack, "runner pa").unwrap();
    store.check_format().unwrap();
}

fn packs_in(dir: &Path) -> usize {
    fs::read_dir(dir.join(".runner/packs")).unwrap().count()
}
