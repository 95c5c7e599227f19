//! `--set KEY=VALUE[,VALUE…]` on the command line: parsed into a key and TOML values, for
//! [`super::expand`] to override (one value) or sweep (several).

use toml::{Table, Value};

/// A `--set KEY=VALUE[,VALUE…]` argument: one value overrides, several sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SetArg {
    pub key: String,
    pub values: Vec<Value>,
}

/// Parses `KEY=VALUES`, where VALUES is a comma-separated list of TOML values
/// (`train.epochs=500`, `model.hidden=[2],[4]`, `data.kind=moons` — bare words are strings).
///
/// Hydra's spellings are read too: `range(start, stop[, step])` (the integers from start up to
/// stop, as Python's), `choice(a, b, …)`, a `{ range = [start, stop] }` table as a sweep in the
/// file takes it, and a leading `+` or `++` on the key (runner's keys always exist).
pub fn parse_set(arg: &str) -> Result<SetArg, String> {
    let (key, rhs) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not KEY=VALUE; write e.g. `--set train.epochs=500`"))?;
    let key = key.trim().trim_start_matches('+').to_string();
    if key.starts_with('~') {
        return Err(format!(
            "`{arg}`: runner has no keys to delete; leave the key out of the file instead"
        ));
    }
    if let Some(values) = hydra(arg, rhs.trim())? {
        return Ok(SetArg { key, values });
    }
    let values = match toml::from_str::<Table>(&format!("v = [{rhs}]")) {
        Ok(mut t) => match t.remove("v") {
            Some(Value::Array(a)) => a,
            _ => unreachable!("parsed as an array"),
        },
        // Not one TOML list: each comma-separated value on its own, bare words as strings.
        Err(_) => top_level_split(rhs)
            .into_iter()
            .enumerate()
            .map(|(i, piece)| one_value(arg, i, piece))
            .collect::<Result<_, _>>()?,
    };
    if key.is_empty() || values.is_empty() {
        return Err(format!(
            "`{arg}` needs a key and at least one value, e.g. `--set model.hidden=[2],[4]`"
        ));
    }
    Ok(SetArg { key, values })
}

/// The most integers one `range` may give: a sweep's limit of runs ([`super::expand`]).
const MAX_RANGE: i64 = 200_000;

/// `range(start, stop[, step])`, `choice(a, b, …)` or `{ range = [start, stop[, step]] }`:
/// the values they name; `None` for anything else.
fn hydra(arg: &str, rhs: &str) -> Result<Option<Vec<Value>>, String> {
    let inside = |name: &str| {
        rhs.strip_prefix(name)
            .and_then(|r| r.trim_start().strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
    };
    let table = toml::from_str::<Table>(&format!("v = {rhs}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .and_then(|v| match v {
            Value::Table(t) if t.len() == 1 => t.get("range").cloned(),
            _ => None,
        });
    let bounds: Option<Vec<String>> = match (inside("range"), &table) {
        (Some(r), _) => Some(r.split(',').map(|p| p.trim().to_string()).collect()),
        (None, Some(Value::Array(a))) => Some(a.iter().map(|v| v.to_string()).collect()),
        _ => None,
    };
    if let Some(bounds) = bounds {
        let fix = format!("`{arg}`: a range is `range(start, stop)` or `range(start, stop, step)` with integers and a positive step, the integers from start up to stop (not included), e.g. `init.seed=range(0,5)`");
        let ints: Vec<i64> = bounds
            .iter()
            .map(|b| b.parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| fix.clone())?;
        let (start, stop, step) = match ints[..] {
            [start, stop] => (start, stop, 1),
            [start, stop, step] if step > 0 => (start, stop, step),
            _ => return Err(fix),
        };
        let count = (i128::from(stop) - i128::from(start)).max(0) / i128::from(step);
        if count > i128::from(MAX_RANGE) {
            return Err(format!("`{arg}` gives {count} values, more than the {MAX_RANGE} runs one experiment may have; give a smaller range"));
        }
        let values: Vec<Value> = (0..)
            .map(|i| start + i * step)
            .take_while(|&v| v < stop)
            .map(Value::Integer)
            .collect();
        if values.is_empty() {
            return Err(format!(
                "`{arg}` is empty: stop must be above start, e.g. `range(0,5)`"
            ));
        }
        return Ok(Some(values));
    }
    match inside("choice") {
        Some(items) => {
            let values = top_level_split(items)
                .into_iter()
                .enumerate()
                .map(|(i, piece)| one_value(arg, i, piece))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(values))
        }
        None => Ok(None),
    }
}

/// `rhs` split at the commas outside brackets, braces and quotes.
fn top_level_split(rhs: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    let mut out = Vec::new();
    for (i, c) in rhs.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&rhs[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&rhs[start..]);
    out
}

/// Value `i` (0-based) of `--set arg`: TOML, or a bare word taken as a string.
fn one_value(arg: &str, i: usize, piece: &str) -> Result<Value, String> {
    let p = piece.trim();
    if p.is_empty() {
        return Err(format!(
            "`--set {arg}`: value {} is empty; remove the extra comma, e.g. `--set train.epochs=100,200`",
            i + 1
        ));
    }
    if let Ok(mut t) = toml::from_str::<Table>(&format!("v = {p}")) {
        return Ok(t.remove("v").expect("parsed"));
    }
    let bare = p
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if bare {
        Ok(Value::String(p.into()))
    } else {
        Err(format!(
            "`--set {arg}`: value {} (`{p}`) is not a TOML value; quote strings (`'\"a b\"'`), write lists in brackets (`[2,4]`) and separate values with commas",
            i + 1
        ))
    }
}
