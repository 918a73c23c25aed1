"""Tests for helpers.text (chapter 11: vocabularies, tokenizers, GloVe, HF helpers, GPT-2's BPE)."""
import json
import os

import numpy as np
import pytest
import torch

for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(_name, "1")

from helpers import text as txt  # noqa: E402

txt.quiet_hf()

TOY = ["The rabbit ran. The rabbit hid!", "A cat, a hat and the rabbit.", "The cat sat."]


# ------------------------------------------------------------------ vocabularies
def test_make_vocab_order_and_specials(tmp_path):
    path = txt.make_vocab(TOY, tmp_path)
    vocab = txt.read_vocab(path)
    assert vocab[:5] == list(txt.SPECIAL_TOKENS)
    # counts: the 4, rabbit 3, cat 2, then the words seen once, alphabetically ("a" is dropped)
    assert vocab[5:8] == ["the", "rabbit", "cat"]
    assert vocab[8:] == sorted(vocab[8:]) and "a" not in vocab
    assert txt.read_vocab(txt.make_vocab(TOY, tmp_path, min_freq=2))[5:] == ["the", "rabbit", "cat"]
    assert txt.read_vocab(txt.make_vocab(TOY, tmp_path, vocab_size=1))[5:] == ["the"]
    custom = txt.read_vocab(txt.make_vocab(TOY, tmp_path, special_tokens=["[PAD]", "[UNK]"]))
    assert custom[:3] == ["[PAD]", "[UNK]", "the"]


def test_make_vocab_rejects_bad_input(tmp_path):
    with pytest.raises(TypeError):
        txt.make_vocab("just one string", tmp_path)
    with pytest.raises(ValueError, match="empty"):
        txt.make_vocab([], tmp_path)
    with pytest.raises(ValueError, match="min_freq"):
        txt.make_vocab(TOY, tmp_path, min_freq=0)
    with pytest.raises(ValueError, match="duplicates"):
        txt.make_vocab(TOY, tmp_path, special_tokens=["[PAD]", "[PAD]"])


def test_bert_tokenizer_reads_our_vocab(tmp_path):
    from transformers import BertTokenizer

    tokenizer = BertTokenizer(str(txt.make_vocab(TOY, tmp_path)))
    ids = tokenizer.encode("the rabbit neo")
    assert ids == [3, 5, 6, 1, 2]  # [CLS] the rabbit [UNK] [SEP]


def _toy_keyed_vectors():
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(["the", "cat", "hat"], np.eye(3, 2, dtype=np.float32))
    return kv


def test_vocab_coverage_equals_a_hand_count():
    from gensim import corpora
    from gensim.utils import simple_preprocess

    dictionary = corpora.Dictionary(simple_preprocess(s) for s in TOY)
    kv = _toy_keyed_vectors()
    # tokens: the x4, rabbit x3, ran, hid, cat x2, hat, and, sat -> 14; known: the, cat, hat = 7
    assert dictionary.num_pos == 14
    assert txt.vocab_coverage(dictionary, kv) == pytest.approx(7 / 14)
    assert txt.unknown_words(dictionary, kv) == ["and", "hid", "rabbit", "ran", "sat"]
    with pytest.raises(ValueError, match="empty"):
        txt.vocab_coverage(corpora.Dictionary(), kv)


def test_extend_embeddings_rows():
    kv = _toy_keyed_vectors()
    ext = txt.extend_embeddings(kv, n_special=2)
    assert ext.shape == (5, 2)
    assert torch.equal(ext[0], torch.zeros(2))
    assert torch.allclose(ext[1], torch.as_tensor(kv.vectors).mean(0))
    assert torch.equal(ext[3], torch.as_tensor(kv["cat"].copy()))
    with pytest.raises(ValueError):
        txt.extend_embeddings(kv, n_special=0)


def test_train_wordpiece_specials_and_pieces(tmp_path):
    sentences = ["the caterpillar and the cat", "a category of cats", "the rabbit"] * 20
    tokenizer = txt.train_wordpiece(sentences, tmp_path, vocab_size=120, min_frequency=1)
    assert tokenizer.convert_tokens_to_ids(list(txt.SPECIAL_TOKENS)) == [0, 1, 2, 3, 4]
    assert len(tokenizer) == len(txt.read_vocab(tmp_path / "vocab.txt"))
    pieces = tokenizer.tokenize("caterpillars")
    assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])
    with pytest.raises(ValueError, match="vocab_size"):
        txt.train_wordpiece(sentences, tmp_path, vocab_size=10)


# --------------------------------------------------------------------- GloVe
def test_glove_matches_the_book():
    glove = txt.load_glove()
    assert len(glove.key_to_index) == 400000 and glove.vector_size == 50
    assert glove.key_to_index["alice"] == 7099
    np.testing.assert_allclose(glove["alice"][:3], [0.16386, 0.57795, -0.59197], atol=1e-5)
    top = glove.similar_by_vector(glove["king"] - glove["man"] + glove["woman"], topn=5)
    assert [w for w, _ in top] == ["king", "queen", "daughter", "prince", "throne"]
    np.testing.assert_allclose([s for _, s in top],
                               [0.885984, 0.860958, 0.768451, 0.764070, 0.763497], atol=1e-5)


def test_lm_batches_pad_and_shuffle_deterministically():
    rows = [[1, 2], [3, 4, 5], [6], [7, 8, 9, 10]]
    a = list(txt.lm_batches(rows, batch_size=2, seed=3))
    b = list(txt.lm_batches(rows, batch_size=2, seed=3))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert sorted(int(v) for batch in a for v in batch.flatten() if v) == list(range(1, 11))
    plain = list(txt.lm_batches(rows, batch_size=2))
    assert plain[0].tolist() == [[1, 2, 0], [3, 4, 5]]


# ------------------------------------------------------------------ BERT helpers
@pytest.fixture(scope="module")
def tiny_random_bert(tmp_path_factory):
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("wp")
    sentences = ["the white rabbit took a watch out of its pocket",
                 "dorothy went to watch the river", "the cat and the hat"] * 10
    tokenizer = txt.train_wordpiece(sentences, folder, vocab_size=150, min_frequency=1)
    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=2,
                                 num_attention_heads=2, intermediate_size=32,
                                 max_position_embeddings=64))
    return model.eval(), tokenizer


def test_bert_word_vectors_and_find_word(tiny_random_bert):
    model, tokenizer = tiny_random_bert
    words, vectors = txt.bert_word_vectors(model, tokenizer, "The rabbit's watch, ticking.")
    assert words == ["The", "rabbit", "'", "s", "watch", ",", "ticking", "."]
    assert vectors.shape == (8, 16)
    assert txt.find_word(words, "WATCH") == [4]
    with pytest.raises(ValueError):
        txt.bert_word_vectors(model, tokenizer, "  ")


def test_sentence_embeddings_keep_the_order(tiny_random_bert):
    model, tokenizer = tiny_random_bert
    sentences = ["the cat", "dorothy went to watch the river today", "a hat"]
    together = txt.sentence_embeddings(model, tokenizer, sentences, batch_size=2)
    alone = torch.cat([txt.sentence_embeddings(model, tokenizer, [s]) for s in sentences])
    assert torch.allclose(together, alone, atol=1e-5)
    cls = txt.sentence_embeddings(model, tokenizer, sentences, pooling="cls")
    assert cls.shape == (3, 16) and not torch.allclose(cls, together)
    with pytest.raises(ValueError, match="pooling"):
        txt.sentence_embeddings(model, tokenizer, sentences, pooling="max")


def test_tokenize_dataset_shapes(tiny_random_bert):
    import datasets

    _, tokenizer = tiny_random_bert
    ds = datasets.Dataset.from_dict({"sentence": ["the cat", "the white rabbit"],
                                     "labels": [0, 1]})
    tds = txt.tokenize_dataset(ds, tokenizer, max_length=6)
    assert tds.tensors[0].shape == (2, 6) and tds.tensors[1].tolist() == [[0.0], [1.0]]


def test_compute_metrics():
    from types import SimpleNamespace

    pred = SimpleNamespace(predictions=np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]),
                           label_ids=np.array([0, 1, 1]))
    assert txt.compute_metrics(pred) == {"accuracy": pytest.approx(2 / 3)}


def test_make_nsp_pairs():
    sentences = [f"s{i}" for i in range(10)]
    keep = [i != 4 for i in range(10)]
    pairs = txt.make_nsp_pairs(sentences, keep, seed=1)
    assert pairs == txt.make_nsp_pairs(sentences, keep, seed=1)
    assert len(pairs) == 7  # pairs (3, 4) and (4, 5) are not allowed
    for a, b, label in pairs:
        assert "s4" not in (a, b)
        i = int(a[1:])
        assert (label == 0) == (b == f"s{i + 1}")
    assert {label for *_, label in pairs} == {0, 1}
    with pytest.raises(ValueError, match="same length"):
        txt.make_nsp_pairs(sentences, keep[:3])


# -------------------------------------------------------------------------- GPT-2
def test_gpt2_tokenizer_is_gpt2s():
    import tiktoken

    tok = txt.gpt2_tokenizer()
    assert len(tok) == 50257 and tok.eos_token_id == 50256 and tok.pad_token is None
    assert tok("Hello world")["input_ids"] == [15496, 995]
    assert tok(" the")["input_ids"] == [262]
    text = "'Curiouser and curiouser!' cried Alice (she was so much surprised...) 1865\n\n  ok"
    enc = tiktoken.Encoding("gpt2", pat_str=txt.GPT2_PATTERN,
                            mergeable_ranks=txt.load_tiktoken_ranks(txt.gpt2_rank_file()),
                            special_tokens={"<|endoftext|>": 50256})
    assert tok(text)["input_ids"] == enc.encode(text)
    assert tok.decode(tok(text)["input_ids"]) == text


def test_truncated_gpt2_tokenizer_keeps_gpt2_ids():
    full, small = txt.gpt2_tokenizer(), txt.gpt2_tokenizer(4096)
    assert len(small) == 4096 and small.eos_token_id == 4095
    text = " the white rabbit and the Scarecrow"
    ids = small(text)["input_ids"]
    assert max(ids) < 4095 and small.decode(ids) == text
    assert small(" the")["input_ids"] == full(" the")["input_ids"] == [262]
    assert len(ids) > len(full(text)["input_ids"])  # fewer merges, more pieces
    with pytest.raises(ValueError):
        txt.gpt2_tokenizer(60000)


def test_bytes_to_unicode_is_a_bijection():
    table = txt.bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    assert table[ord(" ")] == "Ġ" and table[ord("a")] == "a"


def test_group_texts():
    examples = {"input_ids": [[1, 2, 3], [4, 5], [6, 7, 8, 9]], "attention_mask": [[1] * 3,
                                                                                   [1] * 2,
                                                                                   [1] * 4]}
    out = txt.group_texts(examples, block_size=4)
    assert out["input_ids"] == [[1, 2, 3, 4], [5, 6, 7, 8]]  # 9 // 4 = 2 blocks, 9 dropped
    assert out["labels"] == out["input_ids"] and out["labels"] is not out["input_ids"]
    assert all(len(b) == 4 for b in out["attention_mask"])
    with pytest.raises(ValueError, match="input_ids"):
        txt.group_texts({"text": [["a"]]})


# --------------------------------------------------------------- the checkpoints
def test_tiny_bert_checkpoint_outputs():
    from transformers import AutoModel, AutoTokenizer

    folder = txt.CHECKPOINTS / "ch11_tiny_bert"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval()
    assert tokenizer.convert_tokens_to_ids(list(txt.SPECIAL_TOKENS)) == [0, 1, 2, 3, 4]
    enc = tokenizer("alice followed the white rabbit", padding="max_length", max_length=30,
                    return_tensors="pt")
    with torch.no_grad():
        out = model(**enc, output_hidden_states=True, output_attentions=True)
        embedded = model.embeddings(input_ids=enc["input_ids"],
                                    token_type_ids=enc["token_type_ids"])
    n_layers = model.config.num_hidden_layers
    assert len(out.hidden_states) == n_layers + 1 and len(out.attentions) == n_layers
    assert out.attentions[0].shape == (1, model.config.num_attention_heads, 30, 30)
    assert torch.equal(out.hidden_states[0], embedded)
    assert torch.equal(out.hidden_states[-1], out.last_hidden_state)
    assert torch.allclose(out.pooler_output, model.pooler(out.last_hidden_state))


def test_tiny_gpt2_checkpoint_loads():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = txt.CHECKPOINTS / "ch11_tiny_gpt2"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    assert model.config.vocab_size == len(tokenizer) == 4096
    assert tokenizer(" the rabbit")["input_ids"] == txt.gpt2_tokenizer(4096)(" the rabbit")[
        "input_ids"]
    log = json.loads((folder / "training_log.json").read_text())
    assert log["final_val_loss"] < np.log(4096)  # better than guessing uniformly
