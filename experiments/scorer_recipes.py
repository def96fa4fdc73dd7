"""Choose the sample-quality scorer's recipe on a validation split held out from train, then report the
chosen recipe's test accuracy (jaxdl/sample_quality.py RECIPES).

    .venv/bin/python experiments/scorer_recipes.py digits [--chosen_only]
    .venv/bin/python experiments/scorer_recipes.py mnist --data_dir ../shared/datasets/tfds

Validation: one contiguous fifth of the train split (--folds, default the last fifth and the first; the
digits train split is in writer order, so a fifth is close to writer-disjoint, as the test split is). Each
candidate trains on the other four fifths with seed 0 and prints its validation accuracy and CPU seconds;
then the recipe in RECIPES trains on all of train and prints its test accuracy. The test split plays no
part in the choice. MNIST has no candidates: its recipe was fixed before the run (jaxdl/sample_quality.py).
--chosen_only skips the candidates.
"""

import argparse
import dataclasses
import time

import numpy as np

from jaxdl.data import Dataset, load_dataset, resolve_data_dir
from jaxdl.sample_quality import Recipe, load_or_train_scorer, train_scorer

CANDIDATES = {
    "digits": {
        "cnn2d (digits_cnn's model) 2000 steps": Recipe(dict(name="cnn2d"), steps=2000, batch_size=64),
        "+ dropout 0.25": Recipe(dict(name="cnn2d", dropout=0.25), steps=2000, batch_size=64),
        "+ dropout 0.25, shifts of 1 px": Recipe(dict(name="cnn2d", dropout=0.25), steps=2000, batch_size=64,
                                                 augment=dict(translate=1)),
        "+ dropout 0.25, shifts of 1 px, 3000 steps": Recipe(dict(name="cnn2d", dropout=0.25), steps=3000,
                                                             batch_size=64, augment=dict(translate=1)),
        "+ dropout 0.5, shifts of 1 px, 3000 steps": Recipe(dict(name="cnn2d", dropout=0.5), steps=3000,
                                                            batch_size=64, augment=dict(translate=1)),
    },
    "mnist": {},
}


def held_out(dataset: Dataset, fold: int, folds: int = 5) -> Dataset:
    """Block `fold` of `folds` contiguous blocks of train becomes the "test" split (validation); the model
    trains on the rest."""
    edges = np.linspace(0, dataset.num_train, folds + 1).round().astype(int)
    val = np.zeros(dataset.num_train, bool)
    val[edges[fold]:edges[fold + 1]] = True
    return dataclasses.replace(dataset, train={k: v[~val] for k, v in dataset.train.items()},
                               test={k: v[val] for k, v in dataset.train.items()})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", choices=sorted(CANDIDATES))
    parser.add_argument("--data_dir", default="")
    parser.add_argument("--chosen_only", action="store_true")
    parser.add_argument("--folds", default="4,0", help="which fifths of train to validate on, e.g. 4,0")
    args = parser.parse_args()
    dataset = load_dataset(args.dataset, resolve_data_dir(args.data_dir))
    for fold in map(int, args.folds.split(",")):
        val = held_out(dataset, fold)
        for name, recipe in ({} if args.chosen_only else CANDIDATES[args.dataset]).items():
            t = time.process_time()
            _, acc = train_scorer(val, recipe)
            print(f"fold {fold} validation {acc:.4f}  cpu {time.process_time() - t:6.1f} s  {name}", flush=True)
    t = time.process_time()  # through the cache the generative runs read (trained now unless cached)
    _, info = load_or_train_scorer(dataset, resolve_data_dir(args.data_dir))
    print(f"test {info['test_accuracy']:.4f}  cpu {time.process_time() - t:6.1f} s  chosen: {info}")


if __name__ == "__main__":
    main()
