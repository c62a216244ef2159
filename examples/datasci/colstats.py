"""The Python side of examples/datasci: column means of a CSV file.

Uses pandas when the interpreter has it, the standard library (csv and
statistics) otherwise; both skip missing values ("NA" or empty cells)."""

import csv
import os
import statistics

try:
    import pandas as pd

    BACKEND = "pandas " + pd.__version__
except ImportError:  # the standard library is enough for this job
    pd = None
    BACKEND = "standard library (csv, statistics)"

MISSING = {"", "NA", "NaN", "nan"}


def backend():
    return BACKEND


def column_means(path, columns):
    """Mean and count of the non-missing values of each of columns."""
    columns = list(columns)
    if pd is not None:
        df = pd.read_csv(path, usecols=columns)
        means = {c: float(df[c].mean()) for c in columns}
        counts = {c: int(df[c].count()) for c in columns}
    else:
        values = {c: [] for c in columns}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                for c in columns:
                    if row[c].strip() not in MISSING:
                        values[c].append(float(row[c]))
        means = {c: statistics.fmean(v) for c, v in values.items()}
        counts = {c: len(v) for c, v in values.items()}
    return {
        "file": os.path.basename(path),
        "means": means,
        "counts": counts,
        "pid": os.getpid(),
    }
