"""Independent reference values for the reader tests, computed with h5py + numpy.

KNMI: the committed crop test/fixtures/RAD_NL25_RAP_5min_201008260305.h5, converted by the rule
in the data README (accumulation mm = 0.01 * PV, rate = 12 * accumulation, 65535 = missing).
OPERA: statistics of the sample's ODIM_H5 files (the files themselves are never committed).

Run from packages/radar: python scripts/reference.py [sample-dir]  (needs h5py, numpy)
"""
import json
import os
import sys

import h5py
import numpy as np

sample = sys.argv[1] if len(sys.argv) > 1 else "../../../shared/data/radar"
out = {}

with h5py.File("test/fixtures/RAD_NL25_RAP_5min_201008260305.h5", "r") as f:
    pv = f["image1/image_data"][...]
missing = pv == 65535
rate = np.where(missing, 0.0, 0.01 * pv.astype(np.float64) * 12.0)
wet = np.argwhere(rate > 0.5)
picks = wet[np.linspace(0, len(wet) - 1, 6).astype(int)]
out["knmi"] = {
    "height": int(pv.shape[0]),
    "width": int(pv.shape[1]),
    "missing": int(missing.sum()),
    "sum_mm_per_h": float(rate.sum()),
    "max_mm_per_h": float(rate.max()),
    "samples": [[int(y), int(x), float(rate[y, x])] for y, x in picks],
}

opera = {}
folder = os.path.join(sample, "opera/20180824")
for name in sorted(os.listdir(folder)):
    with h5py.File(os.path.join(folder, name), "r") as f:
        what = f["dataset1/what"].attrs
        raw = f["dataset1/data1/data"][...]
        nodata = raw == what["nodata"]
        undetect = raw == what["undetect"]
        value = np.where(nodata | undetect, 0.0, raw * what["gain"] + what["offset"])
        value = np.maximum(value, 0.0)
        opera[name] = {
            "height": int(raw.shape[0]),
            "width": int(raw.shape[1]),
            "nodata": int(nodata.sum()),
            "undetect": int(undetect.sum()),
            "sum": float(value.sum()),
            "max": float(value.max()),
        }
out["opera"] = opera

with open("test/fixtures/reference.json", "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
