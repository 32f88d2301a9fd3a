"""Times of each framework relative to PyTorch's default loop, from docs/_data/benchmark_2core.csv."""

import csv
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

# Run by the docs build (matplotlib's plot directive: no __file__, the working directory is docs/code) or by hand.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
table = here.parent / "_data" / "benchmark_2core.csv"
with open(table, newline="", encoding="utf-8") as file:
    rows = list(csv.DictReader(file))
columns = {"Lamina": "Lamina (s)", "Lamina, NumPy only": "Lamina, NumPy only (s)",
           "PyTorch, fused Adam": "PyTorch, fused Adam (s)", "Keras (TensorFlow)": "Keras (s)",
           "Keras (JAX)": "Keras on JAX (s)", "NumPy by hand": "NumPy by hand (s)"}
fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
width = 0.8 / len(columns)
for i, (label, column) in enumerate(columns.items()):
    ratios = [float(row[column]) / float(row["PyTorch (s)"]) if row[column] else np.nan for row in rows]
    ax.bar(np.arange(len(rows)) + (i - (len(columns) - 1) / 2) * width, ratios, width, label=label)
for j, row in enumerate(rows):
    if row["target Lamina / PyTorch"]:
        ax.hlines(float(row["target Lamina / PyTorch"]), j - 0.45, j + 0.45, colors="black", linestyles="dotted")
ax.axhline(1.0, color="grey", linewidth=0.8)
ax.set_yscale("log")
ax.set_xticks(np.arange(len(rows)), [row["workload"] for row in rows])
ax.set_ylabel("time / PyTorch's time")
ax.set_title("Lower is faster. Dotted: Lamina's target. Keras on C (19x and 135x) is off the scale.",
             fontsize="medium")
ax.set_ylim(0.05, 3)
fig.legend(loc="outside right upper", fontsize="small")
