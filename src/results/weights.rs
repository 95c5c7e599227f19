//! A run's final weights and biases as a safetensors file, which NumPy and PyTorch read
//! without runner (`safetensors.numpy.load_file`).
//!
//! Layer `l` (0-based, input side first) is `layers.l.weight`, `fan_in x fan_out` row-major,
//! so that a layer is `act(x @ weight + bias)` on rows `x`, and `layers.l.bias` (`fan_out`)
//! when the model has biases; all f64. The metadata has one key, `runner`, whose value is a
//! JSON object: the run's label and id and its architecture. (One key because the
//! safetensors crate writes its metadata from a `HashMap`, whose order changes from process
//! to process; with one key the file's bytes are the same in every process.)

use crate::network::{Activation, Architecture};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;

/// The tensor names of layer `l`.
pub fn names(l: usize) -> (String, String) {
    (format!("layers.{l}.weight"), format!("layers.{l}.bias"))
}

/// What the metadata says of a run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub label: String,
    pub id: String,
    pub inputs: usize,
    pub hidden: Vec<usize>,
    pub outputs: usize,
    pub activation: Activation,
    pub output: Activation,
    pub bias: bool,
}

impl Meta {
    pub fn new(label: &str, id: &str, arch: &Architecture) -> Meta {
        Meta {
            label: label.into(),
            id: id.into(),
            inputs: arch.inputs,
            hidden: arch.hidden.clone(),
            outputs: arch.outputs,
            activation: arch.activation,
            output: arch.output,
            bias: arch.bias,
        }
    }

    pub fn architecture(&self) -> Architecture {
        Architecture {
            inputs: self.inputs,
            hidden: self.hidden.clone(),
            outputs: self.outputs,
            activation: self.activation,
            output: self.output,
            bias: self.bias,
        }
    }
}

fn le_bytes(values: impl Iterator<Item = f64>) -> Vec<u8> {
    values.flat_map(f64::to_le_bytes).collect()
}

/// The safetensors file of `params` (runner's flat layout for `meta`'s architecture).
pub fn encode(meta: &Meta, params: &[f64]) -> Vec<u8> {
    let layers = meta.architecture().layers();
    let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (l, s) in layers.iter().enumerate() {
        let (w, b) = names(l);
        // runner keeps weights column-major; the file has them row-major.
        let col = &params[s.w..s.w + s.fan_in * s.fan_out];
        let rows = (0..s.fan_in).flat_map(|i| (0..s.fan_out).map(move |j| col[j * s.fan_in + i]));
        buffers.push((w, vec![s.fan_in, s.fan_out], le_bytes(rows)));
        if let Some(o) = s.b {
            let bias = params[o..o + s.fan_out].iter().copied();
            buffers.push((b, vec![s.fan_out], le_bytes(bias)));
        }
    }
    let views: Vec<(String, TensorView)> = buffers
        .iter()
        .map(|(name, shape, bytes)| {
            let view = TensorView::new(Dtype::F64, shape.clone(), bytes).expect("sizes agree");
            (name.clone(), view)
        })
        .collect();
    let json = serde_json::to_string(meta).expect("metadata serializes");
    let info = HashMap::from([("runner".to_string(), json)]);
    safetensors::serialize(views, Some(info)).expect("tensors serialize")
}

/// Reads a file [`encode`] wrote: the metadata and the parameters in runner's layout.
pub fn decode(bytes: &[u8]) -> Result<(Meta, Vec<f64>), String> {
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    let json = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get("runner"))
        .ok_or("no `runner` metadata")?;
    let meta: Meta = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let arch = meta.architecture();
    let mut params = vec![0.0; arch.param_count()];
    let read = |name: &str, len: usize| -> Result<Vec<f64>, String> {
        let t = file.tensor(name).map_err(|e| format!("{name}: {e}"))?;
        if t.dtype() != Dtype::F64 || t.data().len() != len * 8 {
            return Err(format!("{name}: not {len} f64 values"));
        }
        Ok(t.data()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    };
    for (l, s) in arch.layers().iter().enumerate() {
        let (w, b) = names(l);
        let rows = read(&w, s.fan_in * s.fan_out)?;
        for i in 0..s.fan_in {
            for j in 0..s.fan_out {
                params[s.w + j * s.fan_in + i] = rows[i * s.fan_out + j];
            }
        }
        if let Some(o) = s.b {
            params[o..o + s.fan_out].copy_from_slice(&read(&b, s.fan_out)?);
        }
    }
    Ok((meta, params))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
