//! Test-only access to the reference values in `tests/fixtures/`, made by NumPy and
//! scikit-learn with `tests/fixtures/make_fixtures.py` (tests never run Python).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One fixture file: named arrays of floats.
pub struct Fixture(BTreeMap<String, Vec<f64>>);

impl Fixture {
    pub fn load(name: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("fixture file");
        Fixture(toml::from_str(&text).expect("fixture parses"))
    }

    pub fn get(&self, key: &str) -> &[f64] {
        self.0
            .get(key)
            .unwrap_or_else(|| panic!("fixture key `{key}` missing"))
    }

    /// Asserts bit-for-bit equality with the fixture array `key`.
    pub fn assert_exact(&self, key: &str, got: &[f64]) {
        let want = self.get(key);
        assert_eq!(got.len(), want.len(), "{key}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(
                g.to_bits(),
                w.to_bits(),
                "{key}[{i}]: got {g:e}, numpy {w:e}"
            );
        }
    }

    /// Asserts agreement to a relative tolerance `rel` with the fixture array `key`.
    pub fn assert_close(&self, key: &str, got: &[f64], rel: f64) {
        let want = self.get(key);
        assert_eq!(got.len(), want.len(), "{key}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let tol = rel * w.abs().max(1e-300);
            assert!((g - w).abs() <= tol, "{key}[{i}]: got {g:e}, numpy {w:e}");
        }
    }
}
