"""An independent judge of digits samples: an RBF SVC (sklearn, probability=True) trained on the real 8x8
digits train split, scoring a run's samples.npy by its mean max-probability and class shares, beside the
real test split.

    .venv/bin/python experiments/svc_cross_check.py runs/digits_dcgan [runs/other ...]

Not a jaxdl model: it checks that the CNN scorer of jaxdl/sample_quality.py is not fooled in its own way.
"""

import json
import os
import sys

import numpy as np
from sklearn.svm import SVC

from jaxdl.data import load_dataset


def judge(svc, images) -> str:
    p = svc.predict_proba(np.asarray(images, np.float64).reshape(len(images), -1))
    shares = np.bincount(p.argmax(1), minlength=10) / len(p)
    return f"confidence {p.max(1).mean():.3f}, min class share {shares.min():.3f}"


def main():
    d = load_dataset("digits")
    flat = lambda x: np.asarray(x, np.float64).reshape(len(x), -1)
    svc = SVC(kernel="rbf", gamma="scale", probability=True, random_state=0).fit(flat(d.train["inputs"]),
                                                                                d.train["label"])
    accuracy = (svc.predict(flat(d.test["inputs"])) == d.test["label"]).mean()
    print(f"SVC test accuracy {accuracy:.4f}; real test split: {judge(svc, d.test['inputs'])}")
    for workdir in sys.argv[1:]:
        samples = np.load(os.path.join(workdir, "samples.npy"))
        meta = json.load(open(os.path.join(workdir, "samples_meta.json")))
        for r in range(meta["replicas"]):
            n = meta["per_replica"]
            print(f"{workdir} replica {r}: {judge(svc, samples[r * n:(r + 1) * n])}")


if __name__ == "__main__":
    main()
