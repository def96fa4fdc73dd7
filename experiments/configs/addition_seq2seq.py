"""Integer addition as characters ("123+45" -> "168"; embedded dataset `addition`: 20,000 train / 1,000
held-out pairs below 1000), LSTM encoder-decoder (hidden 128) with teacher forcing, greedy decoding for
evaluation.

    jaxdl train --config experiments/configs/addition_seq2seq.py --workdir runs/addition

Expected: held-out sequence accuracy (whole answer and EOS right) >= 0.99. Measured: see below.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "addition"
    c.task = dict(name="seq2seq")
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=128, embed_dim=32, attention=False)
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.clip_norm = 1.0
    c.batch_size = 128
    c.steps = 1500
    c.log_every = 100
    c.eval_every = 500
    c.eval_batch_size = 1000
    return c
