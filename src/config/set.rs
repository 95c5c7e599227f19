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
pub fn parse_set(arg: &str) -> Result<SetArg, String> {
    let (key, rhs) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not KEY=VALUE; write e.g. `--set train.epochs=500`"))?;
    let key = key.trim().to_string();
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
