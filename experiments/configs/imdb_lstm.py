"""IMDB sentiment (imdb_reviews, 25k train / 25k test reviews): word-level vocabulary of 20,000 built from
the training split (ids 0 = padding, 1 = unknown; saved as <workdir>/vocab.json), reviews truncated to
their first 256 words, embedding 128 + one bidirectional LSTM (hidden 128), mean over valid steps.

    jaxdl train --config experiments/configs/imdb_lstm.py --workdir runs/imdb_lstm \
        --config.data_dir=DIR_WITH_imdb_reviews_AS_ARRAY_RECORD

NOT RUN HERE: the machine this was written on is offline and has no copy of imdb_reviews; the pipeline is
tested end to end on mock data only. Expected on the real data, from published results for comparable
bi-LSTMs on truncated reviews: about 0.85-0.88 test accuracy after a few epochs (3 epochs = 1170 steps at
batch 64). Prepare the data with `jaxdl prepare imdb_reviews --data_dir DIR`.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset = dict(name="imdb_reviews", max_len=256, vocab_size=20000)
    c.model = dict(name="lstm_text", hidden_size=128, embed_dim=128, vocab_size=c.dataset.get_ref("vocab_size"),
                   dropout=0.2)
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 1e-3
    c.optimizer.clip_norm = 1.0
    c.batch_size = 64
    c.steps = 1170
    c.log_every = 90
    c.eval_every = 1170
    c.eval_batch_size = 500
    c.checkpoint_every = 1170
    return c
