//! The epoch loop allocates nothing: a counting global allocator (this test binary's own)
//! shows that training for more epochs makes no more heap allocations.

use runner::config;
use runner::output::{Columns, EpochSink};
use std::alloc::{GlobalAlloc, Layout, System};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Allocations by this thread alone: other threads (rayon's workers winding down from an
    /// earlier parallel case) must not count against a sequential run.
    static MINE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn count() {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    MINE.with(|m| m.set(m.get() + 1));
}

/// Allocations so far: this thread's for a sequential run, every thread's for a parallel one.
fn allocated(parallel: bool) -> usize {
    if parallel {
        ALLOCATIONS.load(Ordering::Relaxed)
    } else {
        MINE.with(|m| m.get())
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations made by training `toml` for `epochs` epochs, logging every epoch to a file,
/// with the run's blocks in sequence or spread over rayon's pool.
fn allocations(toml: &str, epochs: usize, parallel: bool) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let text = toml.replace("EPOCHS", &epochs.to_string());
    let exp = config::parse(&text, Path::new("alloc.toml"), &[]).unwrap();
    let runs = runner::app::prepare(&exp).unwrap();
    let run = &runs[0];
    let cols = Columns::new(&exp, true);
    let mut sink = EpochSink::create(&dir.path().join("rows.csv"), &cols).unwrap();
    let params = run.spec.init.initialize(&run.arch.layers(), &run.data.rng);
    let before = allocated(parallel);
    let outcome = runner::train::train_in_precision(
        &run.arch,
        params,
        &run.spec.train,
        &run.data,
        runner::train::Options {
            every: run.spec.every,
            parallel,
        },
        run.spec.predict.as_deref(),
        |_, row| {
            if let Some(row) = row {
                sink.write(row).unwrap();
            }
            ControlFlow::Continue(())
        },
    );
    let used = allocated(parallel) - before;
    assert_eq!(outcome.epochs, epochs);
    used
}

#[test]
fn training_longer_allocates_nothing_more() {
    let shapes = [
        // The tutorials' shape, a deep tanh/relu net with a split, a wide layer.
        "[data]\nkind = \"moons\"\nnoise = 0.1\n[model]\nhidden = [4]\n[train]\nepochs = EPOCHS\n",
        "[data]\nkind = \"moons\"\nsamples = 300\ntest_fraction = 0.2\n[model]\nhidden = [16, 8, 4]\nactivation = \"tanh\"\n[train]\nloss = \"bce\"\nepochs = EPOCHS\n[predict]\ninputs = [[0, 1]]\n",
        // 2000 rows: four blocks in four groups.
        "[data]\nkind = \"circles\"\nsamples = 2000\n[model]\nhidden = [256]\nactivation = \"relu\"\n[train]\nloss = \"mse\"\nlearning_rate = 0.1\nepochs = EPOCHS\n",
    ];
    // Sequential runs first, before any rayon worker exists.
    let cases = [false, true]
        .into_iter()
        .flat_map(|p| shapes.iter().map(move |t| (t, p)));
    for (toml, parallel) in cases {
        // The first call pays one-time lazy initialisations (thread-locals, CPU detection).
        allocations(toml, 1, parallel);
        let short = allocations(toml, 3, parallel);
        let long = allocations(toml, 300, parallel);
        if parallel {
            // Spread over threads, a run's groups go through rayon's work-stealing deques,
            // which resize now and then, and faer makes a scratch buffer per worker thread
            // the first time it runs there. That is a handful in 297 epochs; an allocation
            // per epoch would add at least 297.
            assert!(
                long < short + 297 / 10,
                "3 epochs: {short} allocations, 300 epochs: {long}:\n{toml}"
            );
        } else {
            assert_eq!(
                short, long,
                "3 epochs: {short} allocations, 300 epochs: {long}:\n{toml}"
            );
        }
    }
}
