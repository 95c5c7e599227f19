"""Writes cases.toml: the bad-input catalogue that tests/cli/catalogue.rs runs.

Each case is an experiment file (and any files beside it), the command-line arguments, and
what runner must answer: the exit status and the whole message. The messages are runner's
own, recorded by running the release binary (`cargo build --release` first) and then read
and checked by a person: this script is how the catalogue is grown, not what it proves.
Run: python3 tests/catalogue/make_cases.py
"""
import os, subprocess, tempfile, pathlib

HERE = pathlib.Path(__file__).parent
RUNNER = HERE.parent.parent / "target/release/runner"
OR = '[data]\nkind = "or"\n'
MOONS = '[data]\nkind = "moons"\n'
CSV = '[data]\nkind = "csv"\npath = "d.csv"\n'
TABLE = '[data]\nkind = "table"\ninputs = [[0, 0], [0, 1], [1, 0], [1, 1]]\ntargets = [0, 1, 1, 0]\n'
GOOD_CSV = "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n"

cases = []
def case(cls, name, toml=OR, args=(), files=None, raw=None):
    cases.append(dict(cls=cls, name=name, toml=toml, args=list(args), files=files or {}, raw=raw))

# syntax
case("syntax", "a missing bracket", OR + "[model\nhidden = [4]\n")
case("syntax", "an unterminated string", '[data]\nkind = "or\n')
case("syntax", "a key given twice", OR + "[train]\nepochs = 5\nepochs = 6\n")
case("syntax", "a bad escape", '[data]\nkind = "o\\qr"\n')
case("syntax", "a value with no key", OR + "= 5\n")
case("syntax", "text that is not UTF-8", raw=b'[data]\nkind = "or"\nname = "\xff\xfe"\n')
case("syntax", "a section given twice", OR + "[train]\nepochs = 5\n[train]\nlearning_rate = 1.0\n")
# unknown names
case("unknown", "a key in the wrong section", OR + "[model]\nepochs = 10\n")
case("unknown", "a misspelt key", OR + "[model]\nhiden = [4]\n")
case("unknown", "an unknown section", OR + "[modle]\nhidden = [4]\n")
case("unknown", "an unknown data kind", '[data]\nkind = "moon"\n')
case("unknown", "an unknown activation", OR + '[model]\nactivation = "sigmod"\n')
case("unknown", "an unknown loss", OR + '[train]\nloss = "sse"\n')
case("unknown", "an unknown init kind", OR + '[init]\nkind = "glorot"\n')
case("unknown", "an unknown precision", OR + '[train]\nprecision = "f16"\n')
case("unknown", "an unknown key in a variant", OR + '[[variant]]\nname = "a"\nmodel = { hiden = [2] }\n')
case("unknown", "an unknown top-level key", 'nmae = "x"\n' + OR)
case("unknown", "an unknown optimizer", OR + '[train]\noptimizer = "adamw"\n')
# wrong types
case("type", "epochs as a string", OR + '[train]\nepochs = "ten"\n')
case("type", "a learning rate as a string", OR + '[train]\nlearning_rate = "fast"\n')
case("type", "hidden as a number", OR + "[model]\nhidden = 4\n")
case("type", "hidden as strings", OR + '[model]\nhidden = ["4"]\n')
case("type", "bias as a string", OR + '[model]\nbias = "yes"\n')
case("type", "a CSV target as a float", CSV + "target = 0.5\n", files={"d.csv": GOOD_CSV})
case("type", "a data seed as a float", '[data]\nkind = "or"\nseed = 0.5\n')
case("type", "an init seed as a word", OR + '[init]\nseed = "random"\n')
case("type", "samples as a float", MOONS + "samples = 100.5\n")
case("type", "every as a string", OR + '[output]\nevery = "10"\n')
case("type", "weights as a string", OR + '[output]\nweights = "no"\n')
case("type", "an init seed as a float", OR + "[init]\nseed = 1.5\n")
case("type", "a target row as a string", '[data]\nkind = "table"\ninputs = [[0], [1]]\ntargets = ["a", "b"]\n')
# out of range
case("range", "a negative learning rate", OR + "[train]\nlearning_rate = -0.5\n")
case("range", "a zero learning rate", OR + "[train]\nlearning_rate = 0.0\n")
case("range", "an infinite learning rate", OR + "[train]\nlearning_rate = inf\n")
case("range", "zero epochs", OR + "[train]\nepochs = 0\n")
case("range", "negative epochs", OR + "[train]\nepochs = -3\n")
case("range", "one sample", MOONS + "samples = 1\n")
case("range", "a test fraction of 1", MOONS + "test_fraction = 1.0\n")
case("range", "a negative test fraction", MOONS + "test_fraction = -0.1\n")
case("range", "negative noise", MOONS + "noise = -0.1\n")
case("range", "a negative data seed", '[data]\nkind = "or"\nseed = -1\n')
case("range", "a split seed past 2^32", MOONS + "split_seed = 4294967296\n")
case("range", "every = 0", OR + "[output]\nevery = 0\n")
case("range", "a hidden layer of 0 units", OR + "[model]\nhidden = [0]\n")
case("range", "a circles factor of 1", '[data]\nkind = "circles"\nfactor = 1.0\n')
case("range", "several problems at once", OR + "[train]\nlearning_rate = -0.5\nepochs = 0\n")
case("range", "a normal init with std 0", OR + '[init]\nkind = "normal"\nstd = 0.0\n')
case("range", "uniform low above high", OR + '[init]\nkind = "uniform"\nlow = 1.0\nhigh = 0.0\n')
# keys that do not apply
case("applies", "noise for a gate", '[data]\nkind = "xor"\nnoise = 0.1\n')
case("applies", "a path for moons", MOONS + 'path = "d.csv"\n')
case("applies", "samples for a table", TABLE + "samples = 10\n")
case("applies", "low for xavier", OR + '[init]\nkind = "xavier"\nlow = 0.0\n')
case("applies", "weights for uniform", OR + '[init]\nkind = "uniform"\nweights = [[[0.1], [0.2]]]\n')
case("applies", "factor for moons", MOONS + "factor = 0.5\n")
case("applies", "no data kind", '[data]\nseed = 1\n')
case("applies", "bce with an identity output", OR + '[model]\noutput = "identity"\n[train]\nloss = "bce"\n')
case("applies", "a table with no rows", '[data]\nkind = "table"\n')
# tables
case("table", "ragged inputs", '[data]\nkind = "table"\ninputs = [[0, 0], [1]]\ntargets = [0, 1]\n')
case("table", "an empty input row", '[data]\nkind = "table"\ninputs = [[], []]\ntargets = [0, 1]\n')
case("table", "fewer targets than inputs", '[data]\nkind = "table"\ninputs = [[0, 0], [1, 1]]\ntargets = [0]\n')
case("table", "ragged predict rows", TABLE + "[predict]\ninputs = [[0, 1], [1]]\n")
case("table", "predict rows of the wrong width", TABLE + "[predict]\ninputs = [[0, 1, 1]]\n")
case("table", "NaN in a table", '[data]\nkind = "table"\ninputs = [[0, nan], [1, 1]]\ntargets = [0, 1]\n')
case("table", "an empty predict", TABLE + "[predict]\ninputs = []\n")
# explicit weights
EXPL = OR + '[model]\nhidden = []\n[init]\nkind = "explicit"\n'
case("weights", "explicit with no weights", EXPL)
case("weights", "too many matrices", EXPL + "weights = [[[0.1], [0.2]], [[0.3]]]\n")
case("weights", "a matrix of the wrong shape", EXPL + "weights = [[[0.1, 0.2]]]\n")
case("weights", "ragged weight rows", EXPL + "weights = [[[0.1], [0.5, 0.2]]]\n")
case("weights", "NaN in the weights", EXPL + "weights = [[[nan], [0.5]]]\n")
case("weights", "biases of the wrong length", EXPL + "weights = [[[0.1], [0.2]]]\nbiases = [[0.1, 0.2]]\n")
# CSV
case("csv", "a missing file", CSV)
SOFTMAX = '[model]\noutput = "softmax"\n[train]\nloss = "cross_entropy"\n'
case("csv", "two target columns for softmax", CSV + 'target = ["y", "z"]\n' + SOFTMAX, files={"d.csv": "a,y,z\n1,0,1\n2,1,0\n"})
case("csv", "a target name given to two columns", CSV + 'target = "y"\n', files={"d.csv": "a,y,y\n1,0,1\n2,1,0\n"})
case("csv", "one class for softmax", CSV + 'target = "y"\n' + SOFTMAX, files={"d.csv": "a,y\n1,0\n2,0\n3,0\n"})
case("csv", "an escape sequence in a header", CSV + 'target = "zz"\n', files={"d.csv": "a,b\x1b[31m,y\n1,2,0\n"})
case("range", "noise that overflows", MOONS + "noise = 1e308\n")
case("range", "a cluster spread that overflows", '[data]\nkind = "blobs"\ncluster_std = 1e308\n')
case("name", "a NUL in the name", 'name = "a\\u0000b"\n' + OR)
case("csv", "table targets in a CSV experiment", CSV + 'targets = ["y"]\n', files={"d.csv": GOOD_CSV})
case("csv", "a table's inputs and a CSV target in a table experiment", TABLE + 'target = "y"\n')
case("csv", "a class of one row with early stopping", CSV + 'target = "y"\n[model]\noutput = "sigmoid"\n[train]\nloss = "bce"\noptimizer = "adam"\nearly_stopping = true\nvalidation_fraction = 0.2\n', files={"d.csv": "a,y\n" + "".join(f"{i},{int(i == 3)}\n" for i in range(12))})
case("csv", "a file separated by semicolons", CSV, files={"d.csv": "a;b;y\n1;2;0\n3;4;1\n"})
case("csv", "a delimiter of two characters", CSV + 'delimiter = ";;"\n', files={"d.csv": GOOD_CSV})
case("csv", "a quote as the delimiter", CSV + "delimiter = '\"'\n", files={"d.csv": GOOD_CSV})
case("csv", "a delimiter the file does not use", CSV + 'delimiter = ";"\n', files={"d.csv": GOOD_CSV})
case("csv", "a delimiter for generated data", MOONS + 'delimiter = ";"\n')
case("csv", "a target name in the wrong case", CSV + 'target = "Y"\n', files={"d.csv": GOOD_CSV})
case("csv", "a target column number past the last", CSV + "target = 5\n", files={"d.csv": GOOD_CSV})
case("csv", "a folder for a file", CSV.replace("d.csv", "sub"), files={"sub/x": "1"})
case("csv", "a binary file", CSV, files={"d.csv": b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00,1\n"})
case("csv", "an empty file", CSV, files={"d.csv": ""})
case("csv", "only a header", CSV, files={"d.csv": "a,b,y\n"})
case("csv", "one column", CSV, files={"d.csv": "y\n1\n0\n"})
case("csv", "a system file", '[data]\nkind = "csv"\npath = "/etc/hostname"\n')
case("csv", "a cell that is not a number", CSV, files={"d.csv": "a,b,y\n0,0,0\n0,x,1\n"})
case("csv", "a short row", CSV, files={"d.csv": "a,b,y\n0,0,0\n0,1\n"})
case("csv", "a target name not in the header", CSV + 'target = "label"\n', files={"d.csv": GOOD_CSV})
case("csv", "a target index past the end", CSV + "target = 7\n", files={"d.csv": GOOD_CSV})
case("csv", "an infinite cell", CSV, files={"d.csv": "a,b,y\n0,inf,0\n0,1,1\n"})
case("csv", "a header-only file with a bad target", CSV + 'target = "z"\n', files={"d.csv": "a,b,y\n"})
# sweeps
case("sweep", "an empty sweep list", OR + '[sweep]\n"train.epochs" = []\n')
case("sweep", "a range of floats", OR + '[sweep]\n"init.seed" = { range = [0.5, 2] }\n')
case("sweep", "a range past the run limit", OR + '[sweep]\n"init.seed" = { range = [0, 1000000000000] }\n')
case("sweep", "a value listed twice", OR + '[sweep]\n"init.seed" = [3, 3, 3, 3]\n')
case("sweep", "an unquoted dotted key", OR + "[sweep]\nmodel.hidden = [[1], [2]]\n")
case("sweep", "a sweep of one string", OR + '[sweep]\n"data.kind" = "xor"\n')
case("sweep", "a sweep of an unknown key", OR + '[sweep]\n"model.hiden" = [[1], [2]]\n')
case("sweep", "two variants with one name", OR + '[[variant]]\nname = "a"\nmodel = { hidden = [2] }\n[[variant]]\nname = "a"\nmodel = { hidden = [3] }\n')
case("sweep", "two variants that are the same run", OR + '[[variant]]\nname = "a"\nmodel = { hidden = [2] }\n[[variant]]\nname = "b"\nmodel = { hidden = [2] }\n')
case("sweep", "a bad value in one sweep point", OR + '[sweep]\n"train.learning_rate" = [0.5, -1.0]\n')
case("sweep", "a bad value in one variant", OR + '[[variant]]\nname = "fast"\ntrain = { learning_rate = -2.0 }\n')
case("sweep", "a sweep of a section", OR + '[sweep]\n"model" = [1, 2]\n')
# --set
case("set", "--set without =", args=["--set", "train.epochs"])
case("set", "--set with no key", args=["--set", "=5"])
case("set", "--set with an empty value", args=["--set", "train.epochs=1,,2"])
case("set", "--set of a bare section key", args=["--set", "output=identity"])
case("set", "--set of a list key without brackets", args=["--set", "model.hidden=4"])
case("set", "--set of a word for a number", args=["--set", "train.epochs=many"])
case("set", "--set of a misspelt key", args=["--set", "model.hiden=[4]"])
case("set", "--set of an unknown section", args=["--set", "modle.hidden=[4]"])
case("set", "--set of broken TOML", args=["--set", "model.hidden=[4"])
case("set", "--set sweeping a value twice", args=["--set", "train.epochs=5,5"])
case("set", "--set of a bad value among good ones", args=["--set", "train.learning_rate=0.5,-1"])
# names
case("name", "a name that climbs out", 'name = "../../escape"\n' + OR)
case("name", "an absolute name", 'name = "/tmp/abs"\n' + OR)
case("name", "an empty name", 'name = ""\n' + OR)
case("name", "a 300-character name", 'name = "' + "n" * 300 + '"\n' + OR)
case("name", "a name starting with a dot", 'name = ".hidden"\n' + OR)
case("name", "a name with a space", 'name = "my run"\n' + OR)
# command line
case("cli", "--threads 0", args=["--threads", "0"])
case("cli", "--threads -1", args=["--threads", "-1"])
case("cli", "--threads 100000", args=["--threads", "100000"])
case("cli", "a bracketed list the shell unbracketed", args=["--set", "model.hidden=2"])
case("cli", "--shard past the count", args=["--shard", "4/4"])
case("cli", "--shard that is not K/N", args=["--shard", "half"])
case("cli", "a negative --shard", args=["--shard", "-1/2"])
case("cli", "--max-memory that is not a size", args=["--max-memory", "lots"])
case("cli", "an unknown option", args=["--fast"])
case("cli", "a missing experiment file", toml=None, args=["nothere.toml"])
case("cli", "an experiment that is a folder", toml=None, args=["exp"], files={"exp/x": "1"})
case("cli", "slurm --time that sbatch cannot read", toml=None, args=["slurm", "x.toml", "--array", "2", "--time", "banana"], files={"x.toml": OR})
case("cli", "slurm --mem with an unknown unit", toml=None, args=["slurm", "x.toml", "--array", "2", "--mem", "4X"], files={"x.toml": OR})
case("cli", "slurm --sbatch that is not an option", toml=None, args=["slurm", "x.toml", "--array", "2", "--sbatch=qos=long"], files={"x.toml": OR})
case("cli", "slurm --array 0", toml=None, args=["slurm", "x.toml", "--array", "0"], files={"x.toml": OR})
case("cli", "status given the experiment file", toml=None, args=["status", "x.toml"], files={"x.toml": OR})
case("cli", "a key given twice on the command line", args=["train.epochs=5", "--set", "train.epochs=6"])
case("cli", "a range that is empty", args=["init.seed=range(5,0)"])
# memory
case("memory", "a billion hidden units", OR + "[model]\nhidden = [1000000000]\n", args=["--max-memory", "1G"])
case("memory", "ten billion samples", MOONS + "samples = 10000000000\n", args=["--max-memory", "1G"])
case("memory", "2^62 samples", MOONS + "samples = 4611686018427387904\n", args=["--max-memory", "1G"])
case("memory", "a big network in plan", OR + "[model]\nhidden = [100000, 100000]\n", args=["--max-memory", "1G"])
case("memory", "a sweep of 200 000 runs", OR + '[sweep]\n"init.seed" = { range = [0, 200000] }\n', args=["--max-memory", "200M"])
case("memory", "many features", '[data]\nkind = "blobs"\nfeatures = 100000000\n', args=["--max-memory", "1G"])
# results folder
case("folder", "a result file runner did not write", files={"results/bad/epochs.csv": "mine\n"})
case("folder", "a report runner did not write", files={"results/bad/report.html": "<p>mine</p>\n"})
case("folder", "a figure runner did not write", files={"results/bad/plots/loss.svg": "<svg/>\n"})
case("folder", "an output folder holding the inputs", CSV, args=["--out", "."], files={"d.csv": GOOD_CSV})
case("folder", "an output folder that is a file", args=["--out", "taken"], files={"taken": "x"})
# training: combinations that make no sense, targets a loss cannot score
ADAM = MOONS + '[train]\noptimizer = "adam"\nloss = "bce"\n'
SGD = MOONS + '[train]\noptimizer = "sgd"\nloss = "bce"\n'
IRIS = "a,b,species\n1,2,setosa\n2,1,versicolor\n3,3,virginica\n"
case("training", "momentum with adam", ADAM + "momentum = 0.9\n")
case("training", "beta_1 with sgd", SGD + "beta_1 = 0.9\n")
case("training", "a batch size with gd", MOONS + "[train]\nbatch_size = 32\n")
case("training", "shuffle with gd", MOONS + "[train]\nshuffle = false\n")
case("training", "early stopping with gd", MOONS + "[train]\nearly_stopping = true\n")
case("training", "a batch larger than the training rows", ADAM + "batch_size = 500\n")
case("training", "a batch larger than the rows left by the splits", MOONS + 'test_fraction = 0.5\n[train]\noptimizer = "adam"\nloss = "bce"\nbatch_size = 60\nearly_stopping = true\n')
case("training", "a batch size of 0", ADAM + "batch_size = 0\n")
case("training", "power_t without invscaling", SGD + "power_t = 0.5\n")
case("training", "n_iter_no_change without tol", ADAM + "n_iter_no_change = 5\n")
case("training", "validation_fraction without early stopping", ADAM + "validation_fraction = 0.2\n")
case("training", "a validation split too small", '[data]\nkind = "moons"\nsamples = 10\n[train]\noptimizer = "adam"\nloss = "bce"\nbatch_size = 5\nearly_stopping = true\nvalidation_fraction = 0.1\n')
case("training", "momentum above 1", SGD + "momentum = 1.5\n")
case("training", "beta_2 of 1", ADAM + "beta_2 = 1.0\n")
case("training", "a negative alpha", ADAM + "alpha = -0.1\n")
case("training", "a negative tol", ADAM + "tol = -1.0\n")
case("training", "an unknown schedule", SGD + 'schedule = "cosine"\n')
case("training", "cross-entropy with a sigmoid output", MOONS + '[train]\nloss = "cross_entropy"\n')
case("training", "softmax with bce", MOONS + '[model]\noutput = "softmax"\n[train]\nloss = "bce"\n')
case("training", "softmax as a hidden activation", MOONS + '[model]\nhidden = [4]\nactivation = "softmax"\n')
case("training", "sklearn init without biases", MOONS + '[model]\nbias = false\n[init]\nkind = "sklearn"\n')
case("targets", "string labels with bce", CSV + 'target = "species"\n[train]\nloss = "bce"\n', files={"d.csv": IRIS})
case("targets", "labels 0/1/2 in a CSV with bce", CSV + "[train]\nloss = \"bce\"\n", files={"d.csv": "a,b,y\n1,2,0\n2,1,1\n3,3,2\n"})
case("targets", "labels 0/1/2 in a table with bce", '[data]\nkind = "table"\ninputs = [[0], [1], [2]]\ntargets = [0, 1, 2]\n[train]\nloss = "bce"\n')
case("targets", "three blobs with bce", '[data]\nkind = "blobs"\n[train]\nloss = "bce"\n')
case("targets", "several values per row as class labels", '[data]\nkind = "table"\ninputs = [[0], [1]]\ntargets = [[0, 1], [1, 0]]\n[model]\noutput = "softmax"\n[train]\nloss = "cross_entropy"\n')
case("targets", "an empty target list", CSV + "target = []\n", files={"d.csv": GOOD_CSV})
case("targets", "a target column that is not a number", CSV + 'target = "species"\n', files={"d.csv": IRIS})
case("data", "centers for the moons", MOONS + "centers = 3\n")
case("data", "one spiral arm", '[data]\nkind = "spirals"\narms = 1\n')
case("data", "more blobs than samples", '[data]\nkind = "blobs"\nsamples = 4\ncenters = 5\n')
case("data", "three blob classes for a sigmoid output", '[data]\nkind = "blobs"\n')
case("data", "targets beyond a tanh output", TABLE.replace("[0, 1, 1, 0]", "[0, 1, 3, 0]") + '[model]\noutput = "tanh"\n')
case("data", "negative targets for a relu output", TABLE.replace("[0, 1, 1, 0]", "[0, -1, 1, 0.5]") + '[model]\noutput = "relu"\n')
case("data", "an unknown scale", MOONS + 'scale = "robust"\n')

def run(c):
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        if c["raw"] is not None:
            (d / "bad.toml").write_bytes(c["raw"])
        elif c["toml"] is not None:
            (d / "bad.toml").write_text(c["toml"])
        for name, content in c["files"].items():
            p = d / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content if isinstance(content, bytes) else content.encode())
        args = list(c["args"])
        if c["toml"] is not None or c["raw"] is not None:
            if not c["name"].startswith("a big network in plan"):
                args = ["bad.toml", "-q"] + args
            else:
                args = ["plan", "bad.toml"] + args
        o = subprocess.run([str(RUNNER)] + args, cwd=d, capture_output=True)
        return o.returncode, o.stderr.decode().replace(os.path.realpath(d), "$DIR").replace(str(d), "$DIR")

def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

def hexs(b):
    return '"' + b.hex() + '"'

out = ["# The bad-input catalogue: written by make_cases.py, run by tests/cli/catalogue.rs.", ""]
for c in cases:
    code, err = run(c)
    out.append("[[case]]")
    out.append(f"class = {q(c['cls'])}")
    out.append(f"name = {q(c['name'])}")
    if c["raw"] is not None:
        out.append(f"toml_hex = {hexs(c['raw'])}")
    elif c["toml"] is not None:
        out.append(f"toml = {q(c['toml'])}")
    if c["name"] == "a big network in plan":
        out.append("plan = true")
    if c["args"]:
        out.append("args = [" + ", ".join(q(a) for a in c["args"]) + "]")
    for name, content in c["files"].items():
        b = content if isinstance(content, bytes) else content.encode()
        out.append(f"files.{q(name)} = {hexs(b)}")
    out.append(f"exit = {code}")
    out.append(f"message = {q(err)}")
    out.append("")
(HERE / "cases.toml").write_text("\n".join(out))
print(len(cases), "cases")
