"""Spoken digit strings (embedded `spoken_digits`: 1,600 train / 400 test utterances of 1-7 digits by
eSpeak NG, test voices held out) transcribed by conv front end + 2-layer bidirectional GRU + CTC.

    jaxdl train --config experiments/configs/spoken_digits_ctc.py --workdir runs/spoken_digits --quiet

Measured 2026-11-27, shared 2-core CPU (load ~8-11), greedy decoding, held-out voices, 600 steps:

    jaxdl train --config experiments/configs/spoken_digits_ctc.py --workdir /tmp/ctc3 --config.replicas=3

seeds 0-2 as one vmapped program: digit error rate 0.048 ± 0.001 (0.046, 0.049, 0.048), whole-utterance
accuracy 0.849 ± 0.008 (0.860, 0.848, 0.840); 4 min 40 s in all (252 s in the trainer, 58 s of it
compiling). Three single-replica runs (--config.seed=0/1/2, ~65-85 s each; an earlier session's
measurement) gave 0.037 ± 0.005 (0.035, 0.032, 0.045) and 0.880 ± 0.018; seed 0 alone, rerun here at
06:14 UTC: 0.035 / 0.888 (155 s). Replica r and the single run of seed r agree on early losses
(tests/train/test_replicas.py) and drift apart in float rounding over 600 Adam steps, so each layout is one
more sample of the seed-to-seed spread: all six numbers together, 0.042 ± 0.007 digit error rate.
(--config.replicas=3 used to deadlock here: see jaxdl.models.initializers.orthogonal.)
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "spoken_digits"
    c.task.name = "ctc"
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
