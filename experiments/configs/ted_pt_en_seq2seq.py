"""Portuguese -> English translation (TFDS ted_hrlr_translate/pt_to_en, TED talk sentence pairs; its
train and test splits) with the addition example's encoder-decoder: one word vocabulary of 8,000 shared by both
languages, built from the training split (0 padding, 1 decoder start, 2 end, 3 unknown; saved as
<workdir>/vocab.json), sources truncated to 32 words, targets to 31 words + end token, LSTM (hidden 256)
with attention, teacher forcing for training, greedy decoding for evaluation.

    jaxdl train --config experiments/configs/ted_pt_en_seq2seq.py --workdir runs/ted_pt_en \
        --config.data_dir=DIR_WITH_ted_hrlr_translate_AS_ARRAY_RECORD

NO REAL-DATA FIGURE HAS BEEN MEASURED: the machine this was written on is offline and has no copy of
ted_hrlr_translate; the pipeline (load_dataset -> vocabulary -> seq2seq task -> run directory) is tested
end to end on tfds.testing.mock_data only (tests/data/test_translation.py). Prepare the data
with `jaxdl prepare ted_hrlr_translate/pt_to_en --data_dir DIR`. Expect token accuracy (teacher
forced) well below 1 and sequence accuracy (a whole sentence exactly right) near 0: this is a word-level
model without beam search or BLEU, a plumbing check for real text, not a translation benchmark. The
tokenizer keeps letters and digits (Unicode) and drops punctuation.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset = dict(name="ted_hrlr_translate/pt_to_en", max_len=32, target_max_len=32, vocab_size=8000)
    c.task.name = "seq2seq"
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=256, embed_dim=128, attention=True)
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 1e-3
    c.optimizer.clip_norm = 1.0
    c.batch_size = 64
    c.steps = 8000  # about 10 epochs of the ~52k training pairs TFDS's catalogue lists
    c.log_every = 200
    c.eval_every = 2000
    c.eval_batch_size = 500
    return c
