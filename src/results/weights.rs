//! A run's final weights and biases as a safetensors file, which NumPy and PyTorch read
//! without runner (`safetensors.numpy.load_file`).
//!
//! Layer `l` (0-based, input side first) is `layers.l.weight`, `fan_in x fan_out` row-major,
//! so that a layer is `act(x @ weight + bias)` on rows `x`, and `layers.l.bias` (`fan_out`)
//! when the model has biases; all f64. The metadata has one key, `runner`, whose value is a
//! JSON object: the run's label and id and its architecture. (One key because the
//! safetensors crate writes its metadata from a `HashMap`, whose order changes from process
//! to process; with one key the file's bytes are the same in every process.)
//!
//! A sweep of more than [`PACK_ABOVE`] runs packs each configuration's runs into one file
//! ([`encode_pack`]): the same tensors with a leading run axis, in the order of the
//! metadata's `ids`.

use crate::data::{Loaded, Scaler};
use crate::network::Architecture;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;

/// Runs keeping their weights above which each configuration's runs share one file.
pub const PACK_ABOVE: usize = 1000;

/// The tensor names of layer `l`.
pub fn names(l: usize) -> (String, String) {
    (format!("layers.{l}.weight"), format!("layers.{l}.bias"))
}

/// What the metadata says of a run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub label: String,
    pub id: String,
    /// Its network (written as its fields, beside `label` and `id`).
    #[serde(flatten)]
    pub arch: Architecture,
    /// The scaler fitted on its training rows, when the inputs were scaled: apply it to new
    /// inputs first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaler: Option<Scaler>,
    /// The class names, in output order, when the outputs are softmax classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// The input columns' names, in input order, when the data came from a CSV file with a
    /// header: `runner predict` picks these columns of a new file by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_names: Vec<String>,
}

impl Meta {
    pub fn new(label: &str, id: &str, arch: &Architecture) -> Meta {
        Meta {
            label: label.into(),
            id: id.into(),
            arch: arch.clone(),
            scaler: None,
            classes: Vec::new(),
            input_names: Vec::new(),
        }
    }

    /// With what a reader needs to use the weights on new inputs: the scaler and the classes.
    pub fn with_data(mut self, data: &Loaded) -> Meta {
        self.scaler = data.scaler.clone();
        self.classes = data.train.classes.clone();
        self.input_names = data.train.input_names.clone();
        self
    }
}

/// What the metadata of a packed file says: one configuration's runs, stacked along a leading
/// axis in this order, and the network they share.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackMeta {
    pub configuration: String,
    pub ids: Vec<String>,
    pub labels: Vec<String>,
    #[serde(flatten)]
    pub arch: Architecture,
    /// Each run's scaler, in the order of `ids`, when the inputs were scaled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scalers: Vec<Scaler>,
    /// The class names, in output order, when the outputs are softmax classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// The input columns' names, as in [`Meta`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_names: Vec<String>,
}

fn le_bytes(values: impl Iterator<Item = f64>) -> Vec<u8> {
    values.flat_map(f64::to_le_bytes).collect()
}

/// The safetensors file of `params` (runner's flat layout for `meta`'s architecture).
pub fn encode(meta: &Meta, params: &[f64]) -> Vec<u8> {
    let json = serde_json::to_string(meta).expect("metadata serializes");
    serialize(buffers(&meta.arch, &[params], false, ""), json)
}

/// One configuration's runs in one file: each tensor gains a leading run axis
/// (`layers.l.weight` is `runs x fan_in x fan_out`), in the order of `meta.ids`.
pub fn encode_pack(meta: &PackMeta, params: &[&[f64]]) -> Vec<u8> {
    let json = serde_json::to_string(meta).expect("metadata serializes");
    serialize(buffers(&meta.arch, params, true, ""), json)
}

/// A tensor's name, shape and little-endian bytes.
type Buffer = (String, Vec<usize>, Vec<u8>);

/// The tensors of `runs` (each in runner's flat layout), stacked when `stacked`, their names
/// led by `prefix`.
fn buffers(arch: &Architecture, runs: &[&[f64]], stacked: bool, prefix: &str) -> Vec<Buffer> {
    let layers = arch.layers();
    let lead = |shape: Vec<usize>| {
        if stacked {
            [vec![runs.len()], shape].concat()
        } else {
            shape
        }
    };
    let mut buffers: Vec<Buffer> = Vec::new();
    for (l, s) in layers.iter().enumerate() {
        let (w, b) = names(l);
        let (w, b) = (format!("{prefix}{w}"), format!("{prefix}{b}"));
        // runner keeps weights column-major; the file has them row-major.
        let rows = runs.iter().flat_map(|params| {
            let col = &params[s.w..s.w + s.fan_in * s.fan_out];
            (0..s.fan_in).flat_map(move |i| (0..s.fan_out).map(move |j| col[j * s.fan_in + i]))
        });
        buffers.push((w, lead(vec![s.fan_in, s.fan_out]), le_bytes(rows)));
        if let Some(o) = s.b {
            let bias = runs
                .iter()
                .flat_map(|params| params[o..o + s.fan_out].iter().copied());
            buffers.push((b, lead(vec![s.fan_out]), le_bytes(bias)));
        }
    }
    buffers
}

/// The safetensors file of `buffers` with `json` as its `runner` metadata.
fn serialize(buffers: Vec<Buffer>, json: String) -> Vec<u8> {
    let views: Vec<(String, TensorView)> = buffers
        .iter()
        .map(|(name, shape, bytes)| {
            let view = TensorView::new(Dtype::F64, shape.clone(), bytes).expect("sizes agree");
            (name.clone(), view)
        })
        .collect();
    let info = HashMap::from([("runner".to_string(), json)]);
    safetensors::serialize(views, Some(info)).expect("tensors serialize")
}

/// Reads a file [`encode`] wrote: the metadata and the parameters in runner's layout.
pub fn decode(bytes: &[u8]) -> Result<(Meta, Vec<f64>), String> {
    let meta: Meta = serde_json::from_str(&metadata(bytes)?).map_err(|e| e.to_string())?;
    let mut params = unstack(bytes, &meta.arch, 1, "")?;
    Ok((meta, params.pop().expect("one run")))
}

/// Reads a file [`encode`] or [`encode_pack`] wrote: each run's metadata and parameters, in
/// the file's order.
pub fn decode_any(bytes: &[u8]) -> Result<Vec<(Meta, Vec<f64>)>, String> {
    let json = metadata(bytes)?;
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    if value.get("ids").is_none() {
        return decode(bytes).map(|one| vec![one]);
    }
    let pack: PackMeta = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let runs = pack.ids.len();
    if pack.labels.len() != runs || !(pack.scalers.is_empty() || pack.scalers.len() == runs) {
        return Err("`ids`, `labels` and `scalers` differ in length".into());
    }
    let params = unstack(bytes, &pack.arch, runs, "")?;
    Ok(params
        .into_iter()
        .enumerate()
        .map(|(r, p)| {
            let mut meta = Meta::new(&pack.labels[r], &pack.ids[r], &pack.arch);
            meta.scaler = pack.scalers.get(r).cloned();
            meta.classes = pack.classes.clone();
            meta.input_names = pack.input_names.clone();
            (meta, p)
        })
        .collect())
}

/// What `plots/snapshots.safetensors` says of one run the report trained again: its tensors
/// are `runs.<r>.layers.<l>.weight` (and `.bias`), stacked over `epochs` along a leading axis.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshots {
    pub configuration: String,
    pub label: String,
    pub id: String,
    /// The epochs whose end the weights are, in the tensors' order.
    pub epochs: Vec<usize>,
    #[serde(flatten)]
    pub arch: Architecture,
}

/// The file of several runs' snapshots: each run's metadata and its weights at its epochs.
pub fn encode_snapshots(runs: &[(Snapshots, Vec<&[f64]>)]) -> Vec<u8> {
    let metas: Vec<&Snapshots> = runs.iter().map(|r| &r.0).collect();
    let json = serde_json::to_string(&serde_json::json!({ "runs": metas })).expect("serializes");
    let buffers = runs
        .iter()
        .enumerate()
        .flat_map(|(r, (meta, params))| buffers(&meta.arch, params, true, &format!("runs.{r}.")))
        .collect();
    serialize(buffers, json)
}

/// One run's snapshots as read back: its metadata and its weights at each of its epochs.
pub type SnapshotsRead = (Snapshots, Vec<Vec<f64>>);

/// Reads a file [`encode_snapshots`] wrote.
pub fn decode_snapshots(bytes: &[u8]) -> Result<Vec<SnapshotsRead>, String> {
    #[derive(serde::Deserialize)]
    struct All {
        runs: Vec<Snapshots>,
    }
    let all: All = serde_json::from_str(&metadata(bytes)?).map_err(|e| e.to_string())?;
    all.runs
        .into_iter()
        .enumerate()
        .map(|(r, meta)| {
            let params = unstack(bytes, &meta.arch, meta.epochs.len(), &format!("runs.{r}."))?;
            Ok((meta, params))
        })
        .collect()
}

/// The `runner` metadata of a safetensors file.
fn metadata(bytes: &[u8]) -> Result<String, String> {
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    header
        .metadata()
        .as_ref()
        .and_then(|m| m.get("runner"))
        .cloned()
        .ok_or_else(|| "no `runner` metadata".into())
}

/// The parameters of `runs` networks of `arch` from their (stacked, when `runs > 1` or the
/// tensors have a leading axis) row-major tensors, in runner's layout.
fn unstack(
    bytes: &[u8],
    arch: &Architecture,
    runs: usize,
    prefix: &str,
) -> Result<Vec<Vec<f64>>, String> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let mut params = vec![vec![0.0; arch.param_count()]; runs];
    let read = |name: &str, len: usize| -> Result<Vec<f64>, String> {
        let t = file.tensor(name).map_err(|e| format!("{name}: {e}"))?;
        if t.dtype() != Dtype::F64 || t.data().len() != runs * len * 8 {
            return Err(format!("{name}: not {runs} × {len} f64 values"));
        }
        Ok(t.data()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    };
    for (l, s) in arch.layers().iter().enumerate() {
        let (w, b) = names(l);
        let (w, b) = (format!("{prefix}{w}"), format!("{prefix}{b}"));
        let size = s.fan_in * s.fan_out;
        let rows = read(&w, size)?;
        for (r, p) in params.iter_mut().enumerate() {
            let rows = &rows[r * size..(r + 1) * size];
            for i in 0..s.fan_in {
                for j in 0..s.fan_out {
                    p[s.w + j * s.fan_in + i] = rows[i * s.fan_out + j];
                }
            }
        }
        if let Some(o) = s.b {
            let bias = read(&b, s.fan_out)?;
            for (r, p) in params.iter_mut().enumerate() {
                p[o..o + s.fan_out].copy_from_slice(&bias[r * s.fan_out..(r + 1) * s.fan_out]);
            }
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Activation;

    #[test]
    fn weights_read_back_row_major_with_their_metadata_and_the_same_bytes_every_time() {
        let arch = Architecture {
            inputs: 2,
            hidden: vec![3],
            outputs: 1,
            activation: Activation::Tanh,
            output: Activation::Sigmoid,
            bias: true,
        };
        let n = arch.param_count();
        assert_eq!(n, 2 * 3 + 3 + 3 + 1);
        let params: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 1.0).collect();
        let meta = Meta::new("hidden=[3]", "00ff", &arch);
        let bytes = encode(&meta, &params);
        assert_eq!(bytes, encode(&meta, &params));
        let (back, p) = decode(&bytes).unwrap();
        assert_eq!((back, p), (meta, params.clone()));
        // Row-major in the file: weight[i][j] is runner's column-major params[j * fan_in + i].
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let w = file.tensor("layers.0.weight").unwrap();
        assert_eq!(w.shape(), [2, 3]);
        let first_row: Vec<f64> = w.data()[..24]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(first_row, [params[0], params[2], params[4]]);
        assert_eq!(file.tensor("layers.1.bias").unwrap().shape(), [1]);
    }

    #[test]
    fn a_pack_holds_each_runs_tensors_along_a_leading_axis() {
        let arch = Architecture {
            inputs: 2,
            hidden: vec![3, 2],
            outputs: 1,
            activation: Activation::Sigmoid,
            output: Activation::Identity,
            bias: true,
        };
        let n = arch.param_count();
        let runs: Vec<Vec<f64>> = (0..3)
            .map(|r| (0..n).map(|i| (r * 100 + i) as f64 / 7.0).collect())
            .collect();
        let meta = PackMeta {
            configuration: "all".into(),
            ids: vec!["a".into(), "b".into(), "c".into()],
            labels: vec!["seed=0".into(), "seed=1".into(), "seed=2".into()],
            arch: arch.clone(),
            scalers: Vec::new(),
            classes: vec!["no".into(), "yes".into()],
            input_names: vec!["a".into(), "b".into()],
        };
        let slices: Vec<&[f64]> = runs.iter().map(|r| &r[..]).collect();
        let bytes = encode_pack(&meta, &slices);
        assert_eq!(bytes, encode_pack(&meta, &slices));
        // Read back run by run, as `runner predict` reads packs.
        let back = decode_any(&bytes).unwrap();
        assert_eq!(back.len(), 3);
        for (r, (m, p)) in back.iter().enumerate() {
            assert_eq!(
                (&m.label, &m.id, &m.arch),
                (&meta.labels[r], &meta.ids[r], &arch)
            );
            assert_eq!(
                (&m.classes, &m.input_names),
                (&meta.classes, &meta.input_names)
            );
            assert_eq!(p, &runs[r]);
        }
        let pack = SafeTensors::deserialize(&bytes).unwrap();
        for (r, params) in runs.iter().enumerate() {
            let alone = encode(&Meta::new("x", "y", &arch), params);
            let alone = SafeTensors::deserialize(&alone).unwrap();
            for (name, t) in alone.tensors() {
                let p = pack.tensor(&name).unwrap();
                assert_eq!(p.shape()[0], 3);
                assert_eq!(&p.shape()[1..], t.shape());
                let size = t.data().len();
                assert_eq!(
                    &p.data()[r * size..(r + 1) * size],
                    t.data(),
                    "{name} run {r}"
                );
            }
        }
        let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
        let json = &header.metadata().as_ref().unwrap()["runner"];
        let back: PackMeta = serde_json::from_str(json).unwrap();
        assert_eq!(back, meta);
    }
}
