//! The metrics: one table that every writer and reader of metrics goes through (the epoch
//! rows, `runs.csv`, `summary.csv`, the stdout table, the JSON lines and the figures), so that
//! a metric is named in one place.

use super::Columns;
use crate::store::RunRecord;
use crate::train::EpochRow;

/// Reads one metric from a run's record.
pub type OfRun = fn(&RunRecord) -> Option<f64>;
/// Reads one metric from a logged epoch.
pub type OfEpoch = fn(&EpochRow) -> Option<f64>;

/// Which experiments have a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Needs {
    Always,
    /// Targets that are classes.
    Classes,
    /// Test rows.
    Test,
    /// Test rows and classes.
    TestClasses,
    /// Early stopping on a validation score.
    Validation,
    /// Numeric targets (not classes).
    Regression,
    /// Test rows and numeric targets.
    TestRegression,
}

/// One metric: its column name, how people read it, and where its value comes from.
pub struct Metric {
    /// The column name in every file.
    pub name: &'static str,
    /// How a figure's axis names it (`{loss}` is the loss function's name).
    pub label: &'static str,
    /// A fraction, shown as a percentage to people.
    pub percent: bool,
    needs: Needs,
    /// Its value in a logged epoch row, when the epoch files have it.
    pub of_epoch: Option<OfEpoch>,
    /// Its value in a run's record, when `runs.csv` has it.
    pub of_run: Option<OfRun>,
}

/// Every metric, in file order: the epoch metrics in this order make the epoch files' columns,
/// the run metrics `runs.csv`'s.
pub const METRICS: [Metric; 9] = [
    Metric {
        name: "loss",
        label: "{loss}",
        percent: false,
        needs: Needs::Always,
        of_epoch: Some(|r| Some(r.loss)),
        of_run: None,
    },
    Metric {
        name: "final_loss",
        label: "final {loss}",
        percent: false,
        needs: Needs::Always,
        of_epoch: None,
        of_run: Some(|r| Some(r.final_loss)),
    },
    Metric {
        name: "min_loss",
        label: "minimum {loss}",
        percent: false,
        needs: Needs::Always,
        of_epoch: None,
        of_run: Some(|r| Some(r.min_loss)),
    },
    Metric {
        name: "accuracy",
        label: "training accuracy",
        percent: true,
        needs: Needs::Classes,
        of_epoch: Some(|r| r.accuracy),
        of_run: Some(|r| r.accuracy),
    },
    Metric {
        name: "test_loss",
        label: "test {loss}",
        percent: false,
        needs: Needs::Test,
        of_epoch: Some(|r| r.test_loss),
        of_run: Some(|r| r.test_loss),
    },
    Metric {
        name: "test_accuracy",
        label: "test accuracy",
        percent: true,
        needs: Needs::TestClasses,
        of_epoch: Some(|r| r.test_accuracy),
        of_run: Some(|r| r.test_accuracy),
    },
    Metric {
        name: "r2",
        label: "training R²",
        percent: false,
        needs: Needs::Regression,
        of_epoch: None,
        of_run: Some(|r| r.judged.r2),
    },
    Metric {
        name: "test_r2",
        label: "test R²",
        percent: false,
        needs: Needs::TestRegression,
        of_epoch: None,
        of_run: Some(|r| r.judged.test_r2),
    },
    Metric {
        name: "validation_score",
        label: "validation score",
        percent: false,
        needs: Needs::Validation,
        of_epoch: Some(|r| r.validation_score),
        of_run: None,
    },
];

impl Metric {
    /// Whether an experiment with these columns has the metric.
    fn present(&self, cols: &Columns) -> bool {
        match self.needs {
            Needs::Always => true,
            Needs::Classes => cols.accuracy,
            Needs::Test => cols.test,
            Needs::TestClasses => cols.test && cols.accuracy,
            Needs::Validation => cols.validation,
            Needs::Regression => !cols.accuracy,
            Needs::TestRegression => cols.test && !cols.accuracy,
        }
    }

    /// The axis label, with the loss function's name filled in.
    pub fn label_with(&self, loss: &str) -> String {
        self.label.replace("{loss}", loss)
    }

    /// The metric named `name`.
    pub fn named(name: &str) -> Option<&'static Metric> {
        METRICS.iter().find(|m| m.name == name)
    }
}

impl Columns {
    /// The metrics of each logged epoch, in the epoch files' column order.
    pub fn epoch_metrics(&self) -> Vec<&'static Metric> {
        METRICS
            .iter()
            .filter(|m| m.of_epoch.is_some() && m.present(self))
            .collect()
    }

    /// The metrics of each run, in `runs.csv`'s column order; `summary.csv` summarises the
    /// same ones per configuration.
    pub fn run_metrics(&self) -> Vec<&'static Metric> {
        METRICS
            .iter()
            .filter(|m| m.of_run.is_some() && m.present(self))
            .collect()
    }

    /// The epoch metrics' names.
    pub fn metric_names(&self) -> Vec<&'static str> {
        self.epoch_metrics().iter().map(|m| m.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(accuracy: bool, test: bool, validation: bool) -> Columns {
        Columns {
            params: Vec::new(),
            accuracy,
            test,
            target: false,
            validation,
        }
    }

    #[test]
    fn each_experiment_gets_the_metrics_its_data_has_in_file_order() {
        let names = |v: Vec<&Metric>| v.iter().map(|m| m.name).collect::<Vec<_>>();
        let all = cols(true, true, true);
        assert_eq!(
            names(all.epoch_metrics()),
            [
                "loss",
                "accuracy",
                "test_loss",
                "test_accuracy",
                "validation_score"
            ]
        );
        assert_eq!(
            names(all.run_metrics()),
            [
                "final_loss",
                "min_loss",
                "accuracy",
                "test_loss",
                "test_accuracy"
            ]
        );
        let plain = cols(false, false, false);
        assert_eq!(names(plain.epoch_metrics()), ["loss"]);
        assert_eq!(names(plain.run_metrics()), ["final_loss", "min_loss", "r2"]);
        assert_eq!(
            names(cols(false, true, false).run_metrics()),
            ["final_loss", "min_loss", "test_loss", "r2", "test_r2"]
        );
        assert_eq!(
            names(cols(false, true, false).epoch_metrics()),
            ["loss", "test_loss"]
        );
    }

    #[test]
    fn names_are_unique_and_labels_name_the_loss() {
        for (i, m) in METRICS.iter().enumerate() {
            assert!(METRICS[..i].iter().all(|o| o.name != m.name), "{}", m.name);
            assert_eq!(Metric::named(m.name).unwrap().name, m.name);
        }
        assert_eq!(
            Metric::named("min_loss").unwrap().label_with("MSE"),
            "minimum MSE"
        );
    }
}
