"""Tables for the demo model, and TabuLa-8B's row serialisation (rtfm's BasicSerializerV2).

Sources (all from Debian packages, read at training time, nothing downloaded):
- R's `datasets` package (r-base-core) and the `MASS` package (r-cran-mass), exported with Rscript
  write.csv(row.names = FALSE);
- the tables bundled with scikit-learn (python3-sklearn): wine, breast_cancer, diabetes.

Every table goes through a CSV file and `pd.read_csv` so that values print exactly as rtfm prints them
(pandas dtype inference: an int column with a missing value is float64 and prints `41.0`, a missing
value prints `nan`).
"""

import json
import os
import subprocess

import numpy as np
import pandas as pd

QA_SEP = "<|endinput|>"
EOC = "<|endcompletion|>"

# -- rtfm's BasicSerializerV2, default inference configuration ---------------------------------------


def _preprocess_value(v):
    # rtfm BasicSerializer._preprocess_value with max_precision=None: numbers untouched; strings
    # stripped, then one trailing "." removed.
    if isinstance(v, str):
        v = v.strip()
        if v.endswith("."):
            v = v[:-1]
    return v


def records(df):
    """Rows as rtfm sees them: to_dict(records), non-str object cells -> str(x), then a JSON round trip."""
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == "object" and not all(isinstance(x, str) for x in df[c]):
            df[c] = df[c].apply(lambda x: x if isinstance(x, str) else str(x))
    return [json.loads(json.dumps(r)) for r in df.to_dict(orient="records")]


def serialize(record, target, choices):
    """(input_text, target_text) for one row: the prompt ending in <|endinput|>, and label<|endcompletion|>.

    record: one element of records(df); choices: the label strings, rendered in the order given.
    """
    features = dict(record)
    label = features.pop(target)
    prefix = f"Predict the {target}".strip()
    if not prefix.endswith(":"):
        prefix += ":"
    suffix = f"What is the value of {target}?"
    ch = "||" + "||".join(choices) + "||"
    feats = " ".join(f"The {k} is {_preprocess_value(v)}." for k, v in features.items()).strip()
    parts = [p.strip() for p in (prefix, ch, feats, suffix, ch) if p and p.strip()]
    return " ".join(parts) + QA_SEP, str(label) + EOC


def check_goldens(golden_dir):
    """Reproduce TabuLa's golden prompts (shared/data/encoder-goldens) byte for byte; returns #files."""
    with open(os.path.join(golden_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    n = 0
    for t in manifest["tables"]:
        name = t["rtfm"]["files"].get("tabula")
        if not name or not os.path.exists(os.path.join(golden_dir, "golden", name)):
            continue
        df = pd.read_csv(os.path.join(golden_dir, t["input"]))
        df = df.iloc[: t["rows_used"]]
        got = "".join(serialize(r, t["target"], t["rtfm"]["choices_rendered"])[0] + "\n" for r in records(df))
        with open(os.path.join(golden_dir, "golden", name), encoding="utf-8") as f:
            want = f.read()
        if got != want:
            for i, (a, b) in enumerate(zip(got.splitlines(), want.splitlines())):
                if a != b:
                    raise AssertionError(f"{name} line {i + 1}:\n got  {a!r}\n want {b!r}")
            raise AssertionError(f"{name}: length {len(got)} != {len(want)}")
        n += 1
    return n


def discretize_continuous_column(column, num_buckets):
    """rtfm.serialization.serialization_utils.discretize_continuous_column (the labels TabuLa-8B used)."""
    thresholds = [column.quantile(i / num_buckets) for i in range(1, num_buckets)]

    def categorize_value(x):
        for i, threshold in enumerate(thresholds):
            if x < threshold:
                if i == 0:
                    return f"less than {threshold}"
                return f"between {thresholds[i - 1]} and {threshold}"
        return f"greater than {thresholds[-1]}"

    return column.apply(categorize_value)


# -- the tables -----------------------------------------------------------------------------------------

# (package, name): every data frame of R's datasets and MASS with >= 20 rows that is a table of
# observations, minus near-duplicates (MASS npk/beav1/beav2/Pima.tr2/Sitka89/synth.te) and pure noise
# (randu). MASS::biopsy is held out: the base model never sees it.
R_TABLES = [
    ("datasets", n) for n in [
        "CO2", "ChickWeight", "DNase", "Indometh", "InsectSprays", "LifeCycleSavings", "Loblolly",
        "Orange", "OrchardSprays", "PlantGrowth", "Puromycin", "Theoph", "ToothGrowth", "USArrests",
        "USJudgeRatings", "airquality", "attenu", "attitude", "beaver1", "beaver2", "cars", "chickwts",
        "esoph", "faithful", "infert", "iris", "morley", "mtcars", "npk", "quakes", "rock", "sleep",
        "stackloss", "swiss", "trees", "warpbreaks"]
] + [
    ("MASS", n) for n in [
        "Aids2", "Animals", "anorexia", "bacteria", "birthwt", "cabbages", "Cars93", "cats", "coop",
        "cpus", "crabs", "Cushings", "epil", "fgl", "GAGurine", "gehan", "genotype", "geyser", "gilgais",
        "hills", "housing", "immer", "Insurance", "mammals", "mcycle", "Melanoma", "menarche", "michelson",
        "minn38", "motors", "muscle", "nlschools", "npr1", "oats", "OME", "painters", "petrol", "Pima.tr",
        "Pima.te", "quine", "Rabbit", "road", "ships", "shuttle", "Sitka", "snails", "survey", "synth.tr",
        "topo", "Traffic", "UScereal", "UScrime", "VA", "whiteside", "wtloss"]
]

HELDOUT = ("MASS", "biopsy")

# MASS's ?biopsy names the nine scores V1..V9; the demo table uses those names as its header.
BIOPSY_COLUMNS = {
    "V1": "clump thickness", "V2": "uniformity of cell size", "V3": "uniformity of cell shape",
    "V4": "marginal adhesion", "V5": "single epithelial cell size", "V6": "bare nuclei",
    "V7": "bland chromatin", "V8": "normal nucleoli", "V9": "mitoses",
}

R_EXPORT = r"""
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
suppressMessages(library(MASS))
for (spec in args[-1]) {
  p <- strsplit(spec, ":", fixed = TRUE)[[1]]
  d <- as.data.frame(getExportedValue(p[1], p[2]))
  write.csv(d, file.path(out, paste0(p[1], "_", p[2], ".csv")), row.names = FALSE)
}
"""


def export_r_tables(raw_dir):
    """Write every R table (and the held-out one) as <pkg>_<name>.csv into raw_dir with Rscript."""
    os.makedirs(raw_dir, exist_ok=True)
    specs = [f"{p}:{n}" for p, n in R_TABLES + [HELDOUT]]
    subprocess.run(["Rscript", "--vanilla", "-e", R_EXPORT, raw_dir] + specs, check=True,
                   stdout=subprocess.DEVNULL)


def export_sklearn_tables(raw_dir):
    from sklearn import datasets as skd

    wine = skd.load_wine(as_frame=True)
    df = wine.frame.copy()
    df["cultivar"] = [str(wine.target_names[i]) for i in df.pop("target")]
    df.to_csv(os.path.join(raw_dir, "sklearn_wine.csv"), index=False)

    bc = skd.load_breast_cancer(as_frame=True)
    # Only the ten "mean" features: the 30-feature rows would be ~4x longer than any other table's.
    df = bc.frame[[c for c in bc.feature_names if c.startswith("mean ")]].copy()
    df["diagnosis"] = [str(bc.target_names[i]) for i in bc.frame["target"]]
    df.to_csv(os.path.join(raw_dir, "sklearn_breast_cancer.csv"), index=False)

    db = skd.load_diabetes(as_frame=True, scaled=False)
    df = db.frame.rename(columns={"target": "progression"})
    df.to_csv(os.path.join(raw_dir, "sklearn_diabetes.csv"), index=False)


def base_table_files(raw_dir):
    names = [f"{p}_{n}.csv" for p, n in R_TABLES]
    names += ["sklearn_wine.csv", "sklearn_breast_cancer.csv", "sklearn_diabetes.csv"]
    return [os.path.join(raw_dir, n) for n in names]


def make_tasks(path, rng, max_rows=400, max_targets=3):
    """Prediction tasks of one table: a list of (table name, target, df with labels as str, choices).

    Target columns: text columns with 2..12 distinct values, integer columns with 2..6 distinct values
    (labels as written), and numeric columns with more distinct values, bucketed into 2..4 quantile
    buckets with rtfm's discretize_continuous_column. Up to max_targets per table, categorical first.
    """
    name = os.path.basename(path)[:-4]
    df = pd.read_csv(path)
    if len(df) > max_rows:
        df = df.iloc[np.sort(rng.choice(len(df), max_rows, replace=False))].reset_index(drop=True)
    categorical, continuous = [], []
    for c in df.columns:
        s = df[c].dropna()
        k = s.nunique()
        if k < 2:
            continue
        if df[c].dtype == object or df[c].dtype == bool:
            if k <= 12:
                categorical.append(c)
        elif pd.api.types.is_integer_dtype(df[c]) and k <= 6:
            categorical.append(c)
        elif pd.api.types.is_numeric_dtype(df[c]) and k > 6:
            continuous.append(c)
    rng.shuffle(categorical)
    rng.shuffle(continuous)
    tasks = []
    for c in (categorical + continuous)[:max_targets]:
        d = df[df[c].notna()].reset_index(drop=True)
        if c in continuous:
            d[c] = discretize_continuous_column(d[c], int(rng.integers(2, 5)))
        labels = sorted({str(x) for x in d[c]})
        if len(labels) >= 2:
            tasks.append((name, c, d, labels))
    return tasks


def heldout_table(raw_dir):
    """The held-out table: MASS::biopsy without its ID column, V1..V9 named as MASS documents them."""
    df = pd.read_csv(os.path.join(raw_dir, f"{HELDOUT[0]}_{HELDOUT[1]}.csv"))
    return df.drop(columns=["ID"]).rename(columns=BIOPSY_COLUMNS)


def split_heldout(df, seed, test_fraction=0.3):
    """Stratified train/test split with a fixed seed; rows keep their original order within each split."""
    rng = np.random.default_rng(seed)
    test = []
    for label in sorted(df["class"].unique()):
        idx = np.flatnonzero(df["class"].to_numpy() == label)
        test += list(rng.choice(idx, int(round(len(idx) * test_fraction)), replace=False))
    is_test = np.zeros(len(df), bool)
    is_test[test] = True
    return df[~is_test].reset_index(drop=True), df[is_test].reset_index(drop=True)
