//! Expanding an experiment into run points: the base sections, overridden by `--set`, crossed
//! with the `[[variant]]`s and the cartesian product of the `[sweep]` (and multi-valued
//! `--set`) axes. Works on TOML tables so that any key can be overridden or swept; each point
//! is then deserialized and validated like a file of its own.

use super::raw::{RawExperiment, SECTIONS};
use super::set::SetArg;
use super::Problem;
use crate::suggest::did_you_mean;
use toml::{Table, Value};

/// The most runs one experiment may expand into: each takes some 20 kB of configuration, so
/// this keeps a sweep's own bookkeeping to a few GB.
pub const MAX_RUNS: usize = 200_000;

/// One run before validation.
#[derive(Clone, Debug)]
pub struct Point {
    /// The run's whole file: name, description and sections, overrides applied.
    pub table: Table,
    pub variant: Option<String>,
    /// The swept keys and this point's values, in axis order.
    pub swept: Vec<(String, Value)>,
    /// Which keys this point sets itself, for attributing problems.
    pub provenance: Provenance,
}

/// The keys a run's variant and sweep point set. A problem with one of these keys belongs to
/// what set it; a problem with any other key comes from the base sections, the same in every run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    variant: Option<String>,
    /// Dotted keys the variant sets, e.g. `model.hidden`.
    variant_keys: Vec<String>,
    /// Swept keys and this point's values, as written.
    swept: Vec<(String, String)>,
}

impl Provenance {
    fn new(variant: Option<&str>, overlay: &Table, swept: &[(String, Value)]) -> Self {
        let variant_keys = overlay
            .iter()
            .flat_map(|(section, v)| match v {
                Value::Table(t) => t.keys().map(|k| format!("{section}.{k}")).collect(),
                _ => vec![section.clone()],
            })
            .collect();
        Self {
            variant: variant.map(str::to_string),
            variant_keys,
            swept: swept
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
        }
    }

    /// What set `key` in this run (`init.weights[0]` counts as `init.weights`): the sweep
    /// (applied last), the variant, or nothing but the file's base sections.
    pub fn of(&self, key: &str) -> Option<String> {
        let base = key.split('[').next().unwrap_or(key);
        if let Some((_, v)) = self.swept.iter().find(|(k, _)| k == base) {
            return Some(format!("sweep value `{v}`"));
        }
        let variant = self.variant.as_ref()?;
        self.variant_keys
            .iter()
            .any(|k| k == base)
            .then(|| format!("variant `{variant}`"))
    }
}

/// `key=value` pairs, short keys where they are unambiguous: `hidden=[4] seed=3`.
pub fn label_of(swept: &[(String, Value)]) -> String {
    let short = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    swept
        .iter()
        .map(|(k, v)| {
            let clash = swept.iter().filter(|(o, _)| short(o) == short(k)).count() > 1;
            let name = if clash { k.clone() } else { short(k) };
            format!("{name}={}", show(v))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as a person writes it: strings without quotes, everything else as TOML.
/// A value as CSV cells and labels show it: strings bare, lists without spaces (`[16,8]`), so
/// that `cut -d,`, `awk -F,` and `column -s,` split the files where their commas are, and no
/// cell needs quoting.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(_) => i.to_string(),
                    other => show(other),
                })
                .collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// The runs an experiment expands into, made one at a time ([`Expanded::point`]): a 10⁵-run
/// sweep is never held as 10⁵ tables, and its points can be made on any thread.
pub struct Expanded {
    base: Table,
    /// Each variant's name and overlay (one unnamed, empty, when there are none).
    variants: Vec<(Option<String>, Table)>,
    /// The swept keys and their values; the last varies fastest.
    axes: Vec<(String, Vec<Value>)>,
    /// `variant` (when there are variants), then the swept keys.
    pub columns: Vec<String>,
}

impl Expanded {
    /// How many runs: variants × the product of the axes' lengths.
    pub fn len(&self) -> usize {
        self.variants.len() * self.combos()
    }

    fn combos(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// Run `i`, in order: variants outermost, then the axes, the last fastest.
    pub fn point(&self, i: usize) -> Point {
        let per = self.combos();
        let (variant, overlay) = &self.variants[i / per];
        let mut rest = i % per;
        let mut combo: Vec<(String, Value)> = self
            .axes
            .iter()
            .rev()
            .map(|(key, values)| {
                let v = values[rest % values.len()].clone();
                rest /= values.len();
                (key.clone(), v)
            })
            .collect();
        combo.reverse();
        let mut table = self.base.clone();
        deep_merge(&mut table, overlay.clone());
        for (k, v) in &combo {
            set_dotted(&mut table, k, v.clone());
        }
        let provenance = Provenance::new(variant.as_deref(), overlay, &combo);
        Point {
            table,
            variant: variant.clone(),
            swept: combo,
            provenance,
        }
    }

    /// Every run, in order.
    #[cfg(test)]
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        (0..self.len()).map(|i| self.point(i))
    }
}

pub fn expand(raw: &RawExperiment, sets: &[SetArg]) -> Result<Expanded, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut base = Table::try_from(raw).expect("raw experiments serialize");
    base.remove("variant");
    base.remove("sweep");
    let mut axes: Vec<(String, Vec<Value>)> = Vec::new();
    for (key, value) in raw.sweep.iter().flatten() {
        // `model.hidden = [...]` unquoted: TOML reads a table `model` holding `hidden`.
        if let Value::Table(t) = value {
            if let Some((inner, v)) = t.iter().next().filter(|_| !t.contains_key("range")) {
                problems.push(problem(
                    &format!("sweep.{key}.{inner}"),
                    format!(
                        "is written without quotes, so TOML reads it as a table `{key}` holding `{inner}`; quote the whole key: `\"{key}.{inner}\" = {v}`"
                    ),
                ));
                continue;
            }
        }
        match axis_values(value) {
            Ok(values) => axes.push((key.clone(), values)),
            Err(message) => problems.push(problem(&format!("sweep.\"{key}\""), message)),
        }
    }
    for set in sets {
        if set.values.len() == 1 {
            axes.retain(|(k, _)| k != &set.key);
            set_dotted(&mut base, &set.key, set.values[0].clone());
        } else if let Some(axis) = axes.iter_mut().find(|(k, _)| k == &set.key) {
            axis.1 = set.values.clone();
        } else {
            axes.push((set.key.clone(), set.values.clone()));
        }
    }
    for (key, values) in &axes {
        check_values(key, values, "sweep value", &mut problems);
    }
    for set in sets.iter().filter(|s| s.values.len() == 1) {
        check_values(&set.key, &set.values, "--set", &mut problems);
    }
    let runs = axes
        .iter()
        .fold(raw.variants.len().max(1) as f64, |n, (_, v)| {
            n * v.len() as f64
        });
    if runs > MAX_RUNS as f64 {
        problems.push(problem(
            "sweep",
            format!(
                "the sweep expands into {runs:.0} runs, more than the {MAX_RUNS} runs one experiment may have; sweep fewer values, and split a larger study into several experiments (each with its own results, or `--shard` on a cluster)"
            ),
        ));
        return Err(problems);
    }
    let mut names = std::collections::HashSet::new();
    for v in &raw.variants {
        if !names.insert(v.name.as_str()) {
            problems.push(problem(
                "variant.name",
                format!(
                    "two `[[variant]]`s are named `{}`; give each variant a name of its own",
                    v.name
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let variants: Vec<(Option<String>, Table)> = if raw.variants.is_empty() {
        vec![(None, Table::new())]
    } else {
        raw.variants
            .iter()
            .map(|v| {
                let mut t = Table::try_from(v).expect("variants serialize");
                t.remove("name");
                // A single-valued --set overrides the key in every run, the variants' too.
                for set in sets.iter().filter(|s| s.values.len() == 1) {
                    remove_dotted(&mut t, &set.key);
                }
                (Some(v.name.clone()), t)
            })
            .collect()
    };
    let mut columns: Vec<String> = Vec::new();
    if !raw.variants.is_empty() {
        columns.push("variant".into());
    }
    // `init.seed` has a column of its own, `seed`, in every file.
    columns.extend(
        axes.iter()
            .map(|(k, _)| k.clone())
            .filter(|k| k != "init.seed"),
    );
    Ok(Expanded {
        base,
        variants,
        axes,
        columns,
    })
}

fn problem(key: &str, message: String) -> Problem {
    Problem {
        key: key.into(),
        message,
        origin: None,
    }
}

/// "did you mean" for a key that is not `section.key`: the section keys it could be (a bare
/// `output` is `model.output` or the section `[output]`), else the nearest section name.
fn section_hint(key: &str) -> String {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let known = super::raw::KEYS;
    let matches: Vec<String> = known
        .iter()
        .filter(|k| k.rsplit('.').next() == Some(leaf))
        .map(|k| format!("`{k}`"))
        .collect();
    if !matches.is_empty() && !key.contains('.') {
        return format!("; did you mean {}?", matches.join(" or "));
    }
    if SECTIONS.contains(&key) {
        let example = known
            .iter()
            .find(|k| k.starts_with(&format!("{key}.")))
            .unwrap_or(&"model.hidden");
        return format!("; `{key}` is a section: name one of its keys, e.g. `{example}`");
    }
    did_you_mean(key.split('.').next().unwrap_or_default(), SECTIONS)
}

/// Checks each value of an overridden or swept key on its own, so a bad key or value is
/// reported once, not once per run it would reach.
fn check_values(key: &str, values: &[Value], what: &str, problems: &mut Vec<Problem>) {
    let root = key.split('.').next().unwrap_or_default();
    if !SECTIONS.contains(&root) || !key.contains('.') {
        let hint = section_hint(key);
        problems.push(problem(
            key,
            format!(
                "only section keys can be set or swept, written `section.key` with section one of {}{hint}",
                SECTIONS.map(|s| format!("`{s}`")).join(", ")
            ),
        ));
        return;
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(v) = values.iter().find(|v| !seen.insert(v.to_string())) {
        problems.push(Problem {
            key: key.into(),
            message: format!(
                "`{v}` is listed more than once; each value makes its own run, so list it once"
            ),
            origin: Some(what.to_string()),
        });
    }
    for value in values {
        let mut t = Table::new();
        set_dotted(&mut t, key, value.clone());
        if let Err(e) = Value::Table(t).try_into::<RawExperiment>() {
            let mut message = super::explain_serde(e.message().trim().to_string());
            // `--set model.hidden=[2]` unquoted: bash may have matched `[2]` against a file
            // named `model.hidden=2`, leaving the bare number.
            if what == "--set" && message.contains("expected a list in brackets") {
                message.push_str(&format!(
                    "; if you typed `{key}=[{value}]` unquoted, the shell read the brackets as a file pattern: quote it, `--set '{key}=[{value}]'`"
                ));
            }
            problems.push(Problem {
                key: key.into(),
                message,
                origin: Some(format!("{what} `{value}`")),
            });
            if e.message().contains("unknown field") {
                return;
            }
        }
    }
}

/// A sweep axis: a list of values, or `{ range = [start, stop] }` / `[start, stop, step]`
/// for the integers from start up to (not including) stop.
fn axis_values(value: &Value) -> Result<Vec<Value>, String> {
    let fix = "give a non-empty list of values, or `{ range = [start, stop] }` for integers start..stop-1";
    let values = match value {
        Value::Array(a) => a.clone(),
        Value::Table(t) if t.len() == 1 => match t.get("range").and_then(Value::as_array) {
            Some(r) => {
                let ints: Option<Vec<i64>> = r.iter().map(Value::as_integer).collect();
                let (start, stop, step) = match ints.as_deref() {
                    Some(&[start, stop]) => (start, stop, 1),
                    Some(&[start, stop, step]) if step > 0 => (start, stop, step),
                    _ => return Err(format!("`{value}` is not a valid range; {fix}")),
                };
                let count = (stop as i128 - start as i128).max(0) / step as i128
                    + i128::from((stop as i128 - start as i128).max(0) % step as i128 != 0);
                if count > MAX_RUNS as i128 {
                    return Err(format!(
                        "`{value}` sweeps {count} values, more than the {MAX_RUNS} runs one experiment may have; sweep a smaller range, and split a larger study into several experiments"
                    ));
                }
                (start..stop)
                    .step_by(step as usize)
                    .map(Value::Integer)
                    .collect()
            }
            None => return Err(format!("`{value}` is not a sweep; {fix}")),
        },
        other => return Err(format!("`{other}` is not a sweep; {fix}")),
    };
    if values.is_empty() {
        return Err(format!("`{value}` sweeps no values; {fix}"));
    }
    Ok(values)
}

/// Deep-merges `overlay` into `base`: tables merge key by key, anything else replaces.
fn deep_merge(base: &mut Table, overlay: Table) {
    for (k, v) in overlay {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => deep_merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Sets `a.b.c = value`, creating tables on the way.
/// Removes `section.key` from a table, and the section when it empties.
fn remove_dotted(table: &mut Table, key: &str) {
    let Some((section, rest)) = key.split_once('.') else {
        table.remove(key);
        return;
    };
    if let Some(Value::Table(t)) = table.get_mut(section) {
        remove_dotted(t, rest);
        if t.is_empty() {
            table.remove(section);
        }
    }
}

fn set_dotted(table: &mut Table, key: &str, value: Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().expect("split yields at least one part");
    let mut t = table;
    for p in parts {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        t = entry.as_table_mut().expect("just made a table");
    }
    t.insert(last.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::set::parse_set;

    #[test]
    fn set_arguments_parse_as_toml_lists() {
        let s = parse_set("model.hidden=[2],[4]").unwrap();
        assert_eq!(s.key, "model.hidden");
        assert_eq!(s.values.len(), 2);
        assert_eq!(
            parse_set("train.epochs=500").unwrap().values,
            [Value::Integer(500)]
        );
        assert_eq!(
            parse_set("data.kind=moons").unwrap().values,
            [Value::String("moons".into())]
        );
        assert!(parse_set("train.epochs").is_err());
    }

    #[test]
    fn ranges_and_products() {
        let r: Table = toml::from_str("r = { range = [0, 3] }").unwrap();
        assert_eq!(axis_values(&r["r"]).unwrap().len(), 3);
        // Two variants × 2 × 3 values: variants outermost, the last axis fastest.
        let raw: RawExperiment = toml::from_str(
            "[data]\nkind = \"xor\"\n[[variant]]\nname = \"v\"\n[[variant]]\nname = \"w\"\n\
             [sweep]\n\"init.seed\" = [1, 2]\n\"train.epochs\" = [3, 4, 5]\n",
        )
        .unwrap();
        let e = expand(&raw, &[]).unwrap();
        assert_eq!(e.len(), 12);
        let mut want = Vec::new();
        for v in ["v", "w"] {
            for a in [1, 2] {
                for b in [3, 4, 5] {
                    want.push(format!("{v} seed={a} epochs={b}"));
                }
            }
        }
        let got: Vec<String> = e
            .points()
            .map(|p| format!("{} {}", p.variant.unwrap(), label_of(&p.swept)))
            .collect();
        assert_eq!(got, want);
        let p = e.point(5);
        assert_eq!(p.table["train"]["epochs"], Value::Integer(5));
        assert_eq!(p.table["init"]["seed"], Value::Integer(2));
    }

    #[test]
    fn a_single_set_overrides_what_variants_set_and_a_sweep_replaces_it() {
        let raw: RawExperiment = toml::from_str(
            "[data]\nkind = \"xor\"\n[model]\nhidden = [1]\n[[variant]]\nname = \"a\"\nmodel = { hidden = [2], bias = false }\n[[variant]]\nname = \"b\"\nmodel = { hidden = [3] }\n",
        )
        .unwrap();
        let hidden = |p: &Point| p.table["model"]["hidden"].to_string();
        let set = parse_set("model.hidden=[8]").unwrap();
        let e = expand(&raw, &[set]).unwrap();
        assert_eq!(
            e.points().map(|p| hidden(&p)).collect::<Vec<_>>(),
            ["[8]", "[8]"]
        );
        // The variant's other keys stay.
        assert_eq!(e.point(0).table["model"]["bias"], Value::Boolean(false));
        assert_eq!(e.point(0).provenance.of("model.hidden"), None);
        let sweep = parse_set("model.hidden=[4],[5]").unwrap();
        let e = expand(&raw, &[sweep]).unwrap();
        assert_eq!(
            e.points().map(|p| hidden(&p)).collect::<Vec<_>>(),
            ["[4]", "[5]", "[4]", "[5]"]
        );
    }
}
