"""The one plotting package: run directories in, figures and PNGs out. Notebooks, the driver and
`jaxdl plot` all call it, always as `from jaxdl import plots` / `from jaxdl.plots import X`.

Every `*_figure` function returns a `matplotlib.figure.Figure` built without pyplot, so no backend is
chosen or changed here: the driver and `jaxdl plot` save it to PNG, a notebook displays it inline. The
functions without the suffix (`learning_curves`, `standard_plots`, `image_grids`, ...) write PNGs.

Modules: `curves` (learning curves, comparisons, sweeps, confusion, tables), `images` (image grids and
mosaics), `generative` (samples, VAE reconstructions, interpolations, latent maps of a restored run),
`predictions` (segmentation, detection, spectrograms), `standard` (what `jaxdl plot` writes).
"""

from jaxdl.plots.base import save
from jaxdl.plots.curves import (
    agreement_figure,
    compare_runs_figure,
    confusion_figure,
    learning_curves,
    learning_curves_figure,
    plot_band,
    plot_curves,
    replica_label,
    run_confusion,
    sweep_figure,
    table_figure,
)
from jaxdl.plots.generative import (
    RestoredModel,
    interpolation_pairs,
    interpolations_figure,
    latent_codes,
    latent_map_figure,
    reconstructions_figure,
    restored_model,
)
from jaxdl.plots.images import grid_figure, image_grids, image_grids_figure, sample_grid_figure, tile
from jaxdl.plots.predictions import (
    detection_figure,
    detection_predictions,
    predictions_figure,
    scene_examples,
    segmentation_figure,
    segmentation_predictions,
    spectrogram_figure,
)
from jaxdl.plots.standard import standard_plots

__all__ = [
    "RestoredModel", "agreement_figure", "compare_runs_figure", "confusion_figure", "detection_figure",
    "detection_predictions", "grid_figure", "image_grids", "image_grids_figure", "interpolation_pairs",
    "interpolations_figure", "latent_codes", "latent_map_figure", "learning_curves", "learning_curves_figure",
    "plot_band", "plot_curves", "predictions_figure", "reconstructions_figure", "replica_label", "restored_model",
    "run_confusion", "sample_grid_figure", "save", "scene_examples", "segmentation_figure",
    "segmentation_predictions", "spectrogram_figure", "standard_plots", "sweep_figure", "table_figure", "tile",
]
