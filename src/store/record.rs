//! A finished run's outcome, as stored in `.runner/runs/<xx>/<id>.toml`.
//!
//! The file is TOML followed by one last line, `# checksum <sha256>`, the hash of everything
//! above it. The record is written after the run's epoch file, and carries that file's row
//! count and hash: a run whose two files do not agree with each other, or that lacks either,
//! is not finished.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a stored run ended, written as `ok`, `converged` or `diverged` (in the record, the CSVs
/// and the JSON lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Trained every epoch asked for.
    Ok,
    /// Stopped by the tol rule or early stopping.
    Converged,
    /// The loss became NaN or infinite; training stopped there.
    Diverged,
}

impl RunStatus {
    /// The word written in the files.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Converged => "converged",
            RunStatus::Diverged => "diverged",
        }
    }
}

impl RunRecord {
    /// The status the files and the table show: `saturated` for a run that trained every
    /// epoch but ended saturated, else the stored status.
    pub fn shown_status(&self) -> &'static str {
        if self.judged.saturated && self.status == RunStatus::Ok {
            "saturated"
        } else {
            self.status.as_str()
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finished run's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub status: RunStatus,
    pub diverged_epoch: Option<usize>,
    pub epochs: usize,
    pub final_loss: f64,
    pub min_loss: f64,
    pub accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub epochs_to_target: Option<usize>,
    pub seconds: f64,
    pub predictions: Vec<Vec<f64>>,
    /// The final weights and biases, in runner's flat layout ([`crate::network`]).
    pub weights: Vec<f64>,
    /// Lines in the run's epoch file.
    pub rows: u64,
    /// SHA-256 of the run's epoch file.
    pub epochs_sha256: String,
    /// The record's checksum, once computed or read (not part of the record's text).
    #[serde(skip)]
    pub sum: Sum,
    /// What is judged from its final weights and data when the record is shown
    /// ([`crate::job::saturation`]); its id and checksum cover both, so it is not part of the
    /// record's text.
    #[serde(skip)]
    pub judged: Judged,
}

/// A finished run's final network judged on its data: computed when shown, never stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Judged {
    /// Every output at its activation's bound or constant, no better than the commonest class.
    pub saturated: bool,
    /// The coefficient of determination on the training rows, for numeric targets.
    pub r2: Option<f64>,
    /// The same on the test rows.
    pub test_r2: Option<f64>,
}

/// A record's checksum, kept once known. Records are equal whatever their cache holds.
#[derive(Clone, Debug, Default)]
pub struct Sum(std::sync::OnceLock<String>);

impl PartialEq for Sum {
    fn eq(&self, _: &Sum) -> bool {
        true
    }
}

const MARK: &str = "# checksum ";

impl RunRecord {
    /// Whether the run diverged; a run that did not (`ok`, `converged`) counts in every
    /// statistic and figure.
    pub fn diverged(&self) -> bool {
        self.status == RunStatus::Diverged
    }

    /// The record file's text, its checksum line last.
    pub fn to_text(&self) -> String {
        let body = toml::to_string(self).expect("records serialize");
        let sum = hex::encode(Sha256::digest(body.as_bytes()));
        let text = format!("{body}{MARK}{sum}\n");
        let _ = self.sum.0.set(sum);
        text
    }

    /// The checksum of the record's text: a digest of everything the record says.
    pub fn checksum(&self) -> &str {
        if self.sum.0.get().is_none() {
            self.to_text();
        }
        self.sum.0.get().expect("set by to_text")
    }

    /// Parses and checks a record file's text; the error says what is wrong with it.
    pub fn from_text(text: &str, id: &str) -> Result<RunRecord, String> {
        let (body, sum) = Self::check_text(text, id)?;
        let record: RunRecord =
            toml::from_str(body).map_err(|e| format!("its record cannot be read: {e}"))?;
        if record.id != id {
            return Err(format!("its record belongs to run `{}`", record.id));
        }
        let _ = record.sum.0.set(sum.to_string());
        Ok(record)
    }

    /// Checks a record file's text without parsing it: its checksum holds and it is run
    /// `id`'s. Returns the body and the checksum.
    pub fn check_text<'t>(text: &'t str, id: &str) -> Result<(&'t str, &'t str), String> {
        let body_end = text.trim_end_matches('\n').rfind('\n').map_or(0, |i| i + 1);
        let (body, last) = text.split_at(body_end);
        let Some(sum) = last.trim_end().strip_prefix(MARK) else {
            return Err("its record has no checksum line (it was cut short)".into());
        };
        if hex::encode(Sha256::digest(body.as_bytes())) != sum {
            return Err("its record does not match its checksum".into());
        }
        // The id is the record's first key, as runner writes it.
        let first = body.lines().next().unwrap_or("");
        match first
            .strip_prefix("id = \"")
            .and_then(|r| r.strip_suffix('"'))
        {
            Some(found) if found == id => Ok((body, sum)),
            Some(found) => Err(format!("its record belongs to run `{found}`")),
            None => Err("its record does not start with its run's id".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RunRecord {
        RunRecord {
            id: "00ff".into(),
            status: RunStatus::Ok,
            diverged_epoch: None,
            epochs: 3,
            final_loss: 0.25,
            min_loss: f64::NAN,
            accuracy: Some(1.0),
            test_loss: None,
            test_accuracy: None,
            epochs_to_target: None,
            seconds: 0.5,
            predictions: vec![vec![0.1]],
            weights: vec![0.5, -1.0],
            rows: 3,
            epochs_sha256: "ab".into(),
            sum: Default::default(),
            judged: Default::default(),
        }
    }

    #[test]
    fn a_record_reads_back_and_any_damage_is_named() {
        let text = record().to_text();
        assert!(text.contains("status = \"ok\"\n"), "{text}");
        let back = RunRecord::from_text(&text, "00ff").unwrap();
        assert_eq!(back.to_text(), text);
        let cut = &text[..text.len() / 2];
        assert!(RunRecord::from_text(cut, "00ff").is_err());
        let garbled = text.replace("final_loss = 0.25", "final_loss = 0.35");
        assert_eq!(
            RunRecord::from_text(&garbled, "00ff").unwrap_err(),
            "its record does not match its checksum"
        );
        assert!(RunRecord::from_text(&text, "0000").is_err());
        assert!(RunRecord::from_text("", "00ff").is_err());
        // The light check agrees with the full read on every one of these.
        for (t, id) in [(&text[..], "00ff"), (cut, "00ff"), (&garbled[..], "00ff")] {
            assert_eq!(
                RunRecord::check_text(t, id).is_ok(),
                RunRecord::from_text(t, id).is_ok()
            );
        }
        assert_eq!(
            RunRecord::check_text(&text, "0000").unwrap_err(),
            "its record belongs to run `00ff`"
        );
        // The checksum read back is the one written, and a fresh record computes the same.
        assert_eq!(back.checksum(), record().checksum());
        assert_eq!(
            text.lines().last(),
            Some(&*format!("# checksum {}", back.checksum()))
        );
    }
}
