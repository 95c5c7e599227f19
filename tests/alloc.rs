//! The epoch loop allocates nothing: a counting global allocator (this test binary's own)
//! shows that training for more epochs makes no more heap allocations, and that the memory a
//! run holds is flat over epochs and close to what its data, parameters and one block need.

use runner::config;
use runner::results::{Columns, EpochSink};
use runner::train::Spread;
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
    /// Bytes this thread has allocated and not freed (may wrap below zero: only differences
    /// are read), and the most it has held.
    static LIVE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static PEAK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn held(grow: usize, shrink: usize) {
    LIVE.with(|l| {
        let now = l.get().wrapping_add(grow).wrapping_sub(shrink);
        l.set(now);
        PEAK.with(|p| p.set(p.get().max(now)));
    });
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
        held(layout.size(), 0);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        held(0, layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        held(new_size, layout.size());
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Held by each test for its whole run: a parallel run's count is every thread's, so no other
/// test may allocate meanwhile.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Trains the one run of `toml` (its `EPOCHS` replaced) as the program does, logging rows to a
/// CSV file, with the run's blocks in sequence or spread over rayon's pool. `start` is called
/// just before training begins, once the data set and the weights are made.
fn train(toml: &str, epochs: usize, parallel: bool, start: impl FnOnce()) {
    let dir = tempfile::tempdir().unwrap();
    let text = toml.replace("EPOCHS", &epochs.to_string());
    let mut exp = config::parse(&text, Path::new("alloc.toml"), &[]).unwrap();
    let runs = runner::job::prepare::prepare(&mut exp).unwrap();
    let run = &runs[0];
    let cols = Columns::new(&exp, true);
    let mut sink = EpochSink::new(
        std::fs::File::create(dir.path().join("rows")).unwrap(),
        &cols,
    )
    .unwrap();
    let (params, rng) = run
        .spec
        .init
        .initialize_with_rng(&run.arch.layers(), &run.data.rng);
    start();
    let spread = Spread::when(parallel);
    let to_train = runner::train::Run {
        arch: &run.arch,
        spec: &run.spec.train,
        data: &run.data,
        opts: runner::train::Options {
            every: run.spec.every,
            spread,
            snapshots: false,
        },
        predict: run.spec.predict.as_deref(),
    };
    let outcome = runner::train::train(&to_train, params, rng, |_, row| {
        if let Some(row) = row {
            sink.write(row).unwrap();
        }
        ControlFlow::Continue(())
    });
    assert_eq!(outcome.epochs, epochs);
}

/// Heap allocations made by training `toml` for `epochs` epochs.
fn allocations(toml: &str, epochs: usize, parallel: bool) -> usize {
    let mut before = 0;
    train(toml, epochs, parallel, || before = allocated(parallel));
    allocated(parallel) - before
}

#[test]
fn training_longer_allocates_nothing_more() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let shapes = [
        // The tutorials' shape, a deep tanh/relu net with a split, a wide layer.
        "[data]\nkind = \"moons\"\nnoise = 0.1\n[model]\nhidden = [4]\n[train]\nepochs = EPOCHS\n",
        "[data]\nkind = \"moons\"\nsamples = 300\ntest_fraction = 0.2\n[model]\nhidden = [16, 8, 4]\nactivation = \"tanh\"\n[train]\nloss = \"bce\"\nepochs = EPOCHS\n[predict]\ninputs = [[0, 1]]\n",
        // 2000 rows: four blocks in four groups.
        "[data]\nkind = \"circles\"\nsamples = 2000\n[model]\nhidden = [256]\nactivation = \"relu\"\n[train]\nloss = \"mse\"\nlearning_rate = 0.1\nepochs = EPOCHS\n",
        // Minibatches: shuffled, a validation split scored each epoch, a test split; softmax.
        "[data]\nkind = \"moons\"\nsamples = 500\ntest_fraction = 0.2\n[model]\nhidden = [16]\nactivation = \"relu\"\n[train]\noptimizer = \"adam\"\nloss = \"bce\"\nbatch_size = 64\nearly_stopping = true\nn_iter_no_change = 100000\nepochs = EPOCHS\n",
        "[data]\nkind = \"moons\"\nsamples = 300\n[model]\nhidden = [8, 4]\noutput = \"softmax\"\n[train]\noptimizer = \"sgd\"\nloss = \"cross_entropy\"\nbatch_size = 32\nschedule = \"invscaling\"\nalpha = 0.01\nepochs = EPOCHS\n",
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

/// Heap allocations made by training the runs of `toml` (its `EPOCHS` replaced) for `epochs`
/// epochs in one lockstep group, each logging rows to its own file.
fn group_allocations(toml: &str, epochs: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let text = toml.replace("EPOCHS", &epochs.to_string());
    let mut exp = config::parse(&text, Path::new("alloc.toml"), &[]).unwrap();
    let runs = runner::job::prepare::prepare(&mut exp).unwrap();
    let cols = Columns::new(&exp, true);
    let mut sinks: Vec<EpochSink> = (0..runs.len())
        .map(|i| {
            let file = std::fs::File::create(dir.path().join(i.to_string())).unwrap();
            EpochSink::new(file, &cols).unwrap()
        })
        .collect();
    let opts = runner::train::Options {
        every: 1,
        spread: Spread::OneThread,
        snapshots: false,
    };
    let inits: Vec<Vec<f64>> = runs.iter().map(|r| r.initial().0).collect();
    let before = allocated(false);
    let members = runs
        .iter()
        .zip(inits)
        .zip(sinks.iter_mut())
        .map(|((r, params), sink)| runner::train::lockstep::Member {
            run: r.to_train(opts),
            params,
            on_epoch: Box::new(move |_, row| {
                if let Some(row) = row {
                    sink.write(row).unwrap();
                }
                ControlFlow::Continue(())
            }),
        })
        .collect::<Vec<_>>();
    let outcomes = runner::train::train_group(members);
    assert!(outcomes.iter().all(|o| o.epochs == epochs));
    allocated(false) - before
}

#[test]
fn lockstep_training_longer_allocates_nothing_more() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let width = runner::train::lockstep::width();
    // A group as wide as the CPU takes, every row logged, with test rows and predictions.
    let toml = format!(
        "[data]\nkind = \"moons\"\nsamples = 120\ntest_fraction = 0.2\n[model]\nhidden = [5]\n\
         [train]\nloss = \"bce\"\nepochs = EPOCHS\n[predict]\ninputs = [[0, 1]]\n\
         [sweep]\n\"init.seed\" = {{ range = [0, {width}] }}\n"
    );
    group_allocations(&toml, 1);
    let short = group_allocations(&toml, 3);
    let long = group_allocations(&toml, 300);
    assert_eq!(
        short, long,
        "3 epochs: {short} allocations, 300 epochs: {long}"
    );
}

/// The most memory training `toml` for `epochs` epochs holds at once on this thread, beyond
/// what it held before (the data set, generated by then).
fn peak_bytes(toml: &str, epochs: usize) -> usize {
    let mut start = 0;
    train(toml, epochs, false, || {
        start = LIVE.with(|l| l.get());
        PEAK.with(|p| p.set(start));
    });
    PEAK.with(|p| p.get()).wrapping_sub(start)
}

#[test]
fn peak_memory_is_flat_and_within_twice_data_parameters_and_a_block() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    // The large workload (the wide fused pass), and two wide layers (the plain path).
    for (rows, hidden) in [(100_000, vec![256]), (20_000, vec![128, 128])] {
        let toml = format!(
            "[data]\nkind = \"moons\"\nsamples = {rows}\nnoise = 0.1\n[model]\nhidden = {hidden:?}\n\
             [train]\nlearning_rate = 0.001\nepochs = EPOCHS\n[output]\nevery = EPOCHS\n"
        );
        // The first run on a thread pays one-time allocations that later runs reuse: faer's
        // per-thread packing buffers for its products (about 4 MB for the plain path here).
        let first = peak_bytes(&toml, 1);
        let short = peak_bytes(&toml, 2);
        let long = peak_bytes(&toml, 6);
        assert_eq!(short, long, "{hidden:?}: peak memory grew with the epochs");
        let f64s = std::mem::size_of::<f64>();
        // Inputs and targets; weights and biases; a block's activations and deltas on the
        // plain path.
        let widths: Vec<usize> = [2].iter().chain(&hidden).chain(&[1]).copied().collect();
        let data = rows * (2 + 1) * f64s;
        let params: usize = widths.windows(2).map(|w| (w[0] + 1) * w[1]).sum::<usize>() * f64s;
        let block =
            runner::train::blocks::BLOCK_ROWS * widths[1..].iter().sum::<usize>() * 2 * f64s;
        let bound = 2 * (data + params + block);
        assert!(
            long <= bound,
            "{hidden:?}: training held {long} bytes at its peak, over twice data + parameters + \
             a block ({bound})"
        );
        eprintln!("{hidden:?}: peak {long} bytes (first run on the thread {first}); bound {bound}");
    }
}
