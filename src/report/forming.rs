//! The boundary as it forms: for a few configurations, the decision boundary at six epochs,
//! log-spaced from the first to the last, side by side, from the runs the report trains again
//! ([`super::replay`]).

use super::replay::Replays;
use super::{boundary, svg};
use std::io;

/// Grid cells per side of a panel: coarser than the final boundary's.
const CELLS: usize = 24;
/// At most this many points of each split a panel draws.
const POINTS: usize = 60;

/// The figure: its SVG and caption.
pub fn figure(replays: &Replays) -> io::Result<(String, String)> {
    let rows: Vec<Vec<boundary::Panel>> = replays
        .runs
        .iter()
        .map(|r| {
            r.snapshots
                .iter()
                .map(|(e, p)| boundary::Panel {
                    title: format!("{} · epoch {e}", r.title),
                    grid: boundary::grid_of(&r.run.arch, p, &r.run.data, CELLS),
                    train: &r.run.data.train,
                    test: r.run.data.test.as_ref(),
                    points: POINTS,
                    outlined: false,
                })
                .collect()
        })
        .collect();
    let per_row = crate::train::SNAPSHOTS;
    let side = super::stepper::PANEL;
    let svg = svg(
        per_row as u32 * side,
        rows.len().max(1) as u32 * side,
        |a| {
            for (area, panels) in a.split_evenly((rows.len().max(1), 1)).iter().zip(&rows) {
                boundary::draw(area, panels, per_row)?;
            }
            Ok(())
        },
    )?;
    let caption = format!(
        "The decision boundary at six epochs, log-spaced from the first to the last (the weights at the end of each), one row per configuration, at the run its boundary panel shows, drawn as above on a coarser grid with at most {POINTS} points of each split: how the line bends and moves as training goes. runner recomputes these weights by training the run again from its seed when the report is drawn, which gives the same numbers bit for bit; they are in `plots/snapshots.safetensors`.{}",
        replays.note()
    );
    Ok((super::stepper::mark(&boundary::merge_cells(&svg)), caption))
}
