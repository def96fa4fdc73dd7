"""MNIST-1D, the paper's bidirectional GRU (hidden 6, all 40 steps flattened into one linear layer), the
paper's recipe: Adam 1e-2, batch 100, 6000 steps.

    jaxdl train --config experiments/configs/mnist1d_gru.py --workdir runs/mnist1d_gru --config.replicas=5

Parameters: 5,110 here vs 5,134 in the paper's PyTorch model. PyTorch's GRU has two bias vectors per gate
(b_i* and b_h*); Flax's GRUCell keeps one for the reset and update gates (their sum is all that matters)
and both for the candidate gate, where r multiplies the hidden bias. 2 directions x 2 gates x 6 = 24
redundant biases; the functions the two models can express are the same.

Target: mean test accuracy >= 0.89 over 5 seeds (paper: 91%). NOT MET as measured: the command above with
--quiet on a shared 2-core CPU (commit 25eba5d) gave final test accuracies 0.883, 0.899, 0.825, 0.868,
0.867 = 0.868 +- 0.025 (seed 2 fell from 0.89 at step 5000 to 0.825 at 6000; Adam 1e-2 is noisy here);
wall 329 s (compile 45 s, training 249 s; 6:03 for the whole process). Open: Flax's GRU initialisation
(orthogonal recurrent, lecun-normal input kernels) differs from PyTorch's uniform(+-1/sqrt(6)).
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist1d"
    c.model = dict(name="gru_mnist1d", weight_init="torch")
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 1e-2
    c.batch_size = 100
    c.steps = 6000
    c.log_every = 250
    c.eval_every = 500
    c.checkpoint_every = 1000
    return c
