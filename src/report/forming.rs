//! The boundary as it forms: for a few configurations, the decision boundary at six epochs,
//! log-spaced from the first to the last, side by side. The weights at those epochs come from
//! training the shown run again with snapshots on, which gives the same numbers bit for bit.

use super::{boundary, shown_run, svg, Inputs};
use crate::job::prepare::Prepared;
use crate::results::summary::Group;
use std::io;

/// At most this many configurations get a row of boundaries over epochs.
const FORMING: usize = 4;
/// Runs of more work than this are not replayed for the boundary as it forms (about a second
/// of training).
const REPLAY_WORK: f64 = 2e9;

/// The weights of run `run` at [`crate::train::snapshot_epochs`], from training it again as the
/// sweep did (same initial weights, same generator, so the same numbers, bit for bit).
fn replay(run: &Prepared) -> Vec<(usize, Vec<f64>)> {
    use crate::train;
    let (params, rng) = run
        .spec
        .init
        .initialize_with_rng(&run.arch.layers(), &run.data.rng);
    let to_train = train::Run {
        arch: &run.arch,
        spec: &run.spec.train,
        data: &run.data,
        opts: train::Options {
            every: run.spec.train.epochs.max(1),
            spread: train::Spread::OneThread,
            snapshots: true,
        },
        predict: None,
    };
    train::train(&to_train, params, rng, |_, _| {
        std::ops::ControlFlow::Continue(())
    })
    .snapshots
}

/// The figure: its SVG and caption.
pub fn figure(inp: &Inputs, groups: &[Group]) -> io::Result<(String, String)> {
    let n = groups.len();
    let picked: Vec<&Group> = if n <= FORMING {
        groups.iter().collect()
    } else {
        (0..FORMING)
            .map(|k| &groups[k * (n - 1) / (FORMING - 1)])
            .collect()
    };
    let mut rows = Vec::new();
    let mut skipped = 0;
    for g in picked {
        let Some(i) = shown_run(inp, g) else {
            continue;
        };
        let run = &inp.runs[i];
        if run.work() > REPLAY_WORK {
            skipped += 1;
            continue;
        }
        let snaps = replay(run);
        let label = match (g.runs.len(), run.spec.seed) {
            (n, Some(s)) if n > 1 => format!("{} · seed {s}", g.label),
            _ => g.label.clone(),
        };
        let panels: Vec<boundary::Panel> = snaps
            .iter()
            .map(|(e, p)| boundary::Panel {
                title: format!("{label} · epoch {e}"),
                grid: boundary::grid_of(&run.arch, p, &run.data, 24),
                train: &run.data.train,
                test: run.data.test.as_ref(),
                points: 60,
            })
            .collect();
        rows.push(panels);
    }
    let per_row = crate::train::SNAPSHOTS;
    let svg = svg(per_row as u32 * 240, rows.len().max(1) as u32 * 240, |a| {
        for (area, panels) in a.split_evenly((rows.len().max(1), 1)).iter().zip(&rows) {
            boundary::draw(area, panels, per_row)?;
        }
        Ok(())
    })?;
    let mut caption = String::from(
        "The decision boundary at six epochs, log-spaced from the first to the last (the weights at the end of each), one row per configuration, at the run its boundary panel shows, drawn as above on a coarser grid with at most 60 points of each split: how the line bends and moves as training goes. runner recomputes these weights by training the run again from its seed when the report is drawn, which gives the same numbers bit for bit.",
    );
    if n > rows.len() + skipped {
        caption += &format!(
            " {} of {n} configurations are shown, evenly spaced.",
            rows.len()
        );
    }
    if skipped > 0 {
        caption += &format!(" {skipped} configurations are left out: their runs are too long to train again for a picture.");
    }
    Ok((svg, caption))
}
