"""The shipped real data sets, written from scikit-learn's bundled copies as plain CSV.

    pip install scikit-learn==1.9.1
    python3 experiments/data/make_data.py

Each file has a header of input names and a last column of class names (strings), so an
experiment reads it with `kind = "csv"` and `target = "<last column>"`. Sources and licences:
see README.md beside this script.
"""
import pathlib
import re

from sklearn.datasets import load_breast_cancer, load_iris, load_wine

HERE = pathlib.Path(__file__).resolve().parent


def snake(name):
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", name.lower())).strip("_")


def write(path, bunch, label):
    names = [snake(n) for n in bunch.feature_names]
    lines = [",".join(names + [label])]
    for row, t in zip(bunch.data, bunch.target):
        lines.append(",".join([repr(float(v)) for v in row] + [str(bunch.target_names[t])]))
    (HERE / path).write_text("\n".join(lines) + "\n")


write("iris.csv", load_iris(), "species")
write("wine.csv", load_wine(), "cultivar")
write("breast_cancer.csv", load_breast_cancer(), "diagnosis")
