"""Tests for helpers.nn.language (chapter 11's models: CBoW, Model II, the biLSTM LM, Model IV)."""
import os

import numpy as np
import pytest
import torch
import torch.nn as nn

for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(_name, "1")

from helpers.nn import language  # noqa: E402
from helpers.nn.transformer import EncoderLayer, EncoderStack  # noqa: E402
from helpers.text import SPECIAL_TOKENS  # noqa: E402


# ------------------------------------------------------------------------ CBoW
def test_cbow_gives_the_chapters_numbers():
    torch.manual_seed(42)
    model = language.CBOW(vocab_size=5, embedding_size=3)
    context = torch.tensor([[0, 1, 2, 3]])
    average = model.context_vector(context)
    assert torch.equal(average, model.embedding(context).mean(dim=1))
    np.testing.assert_allclose(average.detach().numpy()[0], [0.7606, -0.2743, 0.3298], atol=1e-4)
    logits = model(context).detach().numpy()[0]
    np.testing.assert_allclose(logits, [0.3542, 0.6937, -0.2028, -0.5873, 0.2099], atol=1e-4)
    with pytest.raises(TypeError, match="embedding_size"):
        language.CBOW(5, 2.5)
    with pytest.raises(ValueError, match="vocab_size"):
        language.CBOW(1, 3)


# ------------------------------------------------- Model II: a classifier on chapter 10's encoder
def _model_ii(seed=1, d_model=6, vocab=20):
    torch.manual_seed(seed)
    embeddings = nn.Embedding.from_pretrained(torch.randn(vocab, d_model))
    encoder = EncoderStack(EncoderLayer(n_heads=2, d_model=d_model, ff_units=8), n_layers=1,
                           max_len=10)
    return language.TransfClassifier(embeddings, encoder, n_outputs=1)


def test_transf_classifier_mask_and_cls_state():
    model = _model_ii().eval()
    X = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    mask = model.source_mask(X)
    assert mask.shape == (2, 1, 5) and mask[:, 0, 0].all()
    assert mask[1, 0].tolist() == [True, True, True, False, False]
    out = model(X)
    assert out.shape == (2, 1)
    # the same thing by hand: [CLS] in front, chapter 10's encoder, the state at position 0
    source = torch.cat([model.cls_token.expand(2, -1, -1), model.embed(X)], dim=1)
    assert torch.equal(model.preprocess(X), source)
    assert torch.allclose(out, model.mlp(model.encoder(source, mask)[:, 0]))
    alphas = model.encoder.layers[0].self_attn.alphas
    assert alphas.shape == (2, 2, 5, 5)
    assert torch.all(alphas[1, :, :, 3:] == 0)  # padding gets no attention
    # so more padding changes nothing
    assert torch.allclose(model(torch.cat([X, torch.zeros(2, 3, dtype=torch.long)], 1)), out,
                          atol=1e-6)


def test_transf_classifier_draws_its_head_after_the_encoder():
    # chapter 11 seeds, builds the encoder layer, then the classifier: the head's weights are
    # the next numbers of the generator, and the [CLS] token draws none
    model = _model_ii(seed=3)
    torch.manual_seed(3)
    torch.randn(20, 6)
    EncoderLayer(n_heads=2, d_model=6, ff_units=8)
    assert torch.equal(model.mlp.weight, nn.Linear(6, 1).weight)
    assert torch.equal(model.cls_token, torch.zeros(1, 1, 6))


def test_transf_classifier_rejects_mismatches():
    encoder = EncoderStack(EncoderLayer(n_heads=2, d_model=6, ff_units=8))
    with pytest.raises(ValueError, match="d_model"):
        language.TransfClassifier(nn.Embedding(20, 4), encoder)
    with pytest.raises(TypeError, match="nn.Embedding"):
        language.TransfClassifier(torch.zeros(20, 6), encoder)
    with pytest.raises(ValueError, match="max_len"):
        _model_ii()(torch.ones(1, 12, dtype=torch.long))


# --------------------------------------------------------------- biLSTM language model
def test_bilstm_directions_and_chunks():
    torch.manual_seed(0)
    model = language.BiLSTMLanguageModel(vocab_size=30, hidden_size=8, n_layers=2).eval()
    ids = torch.tensor([[5, 6, 7, 8, 0], [9, 10, 11, 0, 0]])
    emb = model.contextual_embeddings(ids)
    assert emb.shape == (2, 5, 48)
    assert torch.equal(emb[..., :8], emb[..., 8:16])  # the embedding chunk is repeated
    changed = ids.clone()
    changed[0, 0] = 12
    emb2 = model.contextual_embeddings(changed)
    # forward states see the changed first word everywhere; backward states after it do not
    fwd1, bwd1 = slice(16, 24), slice(24, 32)
    assert not torch.allclose(emb[0, 2, fwd1], emb2[0, 2, fwd1])
    assert torch.allclose(emb[0, 1:4, bwd1], emb2[0, 1:4, bwd1])
    assert torch.allclose(emb[1], emb2[1])
    loss = model.loss(ids)
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_bilstm_checkpoint_loads_with_tied_weights():
    lstm, vocab = language.load_bilstm_lm()
    assert vocab[:5] == list(SPECIAL_TOKENS) and lstm.vocab_size == len(vocab)
    assert lstm.decoder.weight is lstm.embedding.weight
    assert not lstm.training
    with pytest.raises(FileNotFoundError, match="train_bilstm_lm"):
        language.load_bilstm_lm(os.devnull + "_nowhere")


# ---------------------------------------------------------------- BERT classifier
def test_bert_classifier_builds_its_mask():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=1,
                                num_attention_heads=2, intermediate_size=32,
                                max_position_embeddings=16))
    clf = language.BERTClassifier(bert, ff_units=8, n_outputs=1).eval()
    assert clf.d_model == 16
    X = torch.tensor([[3, 10, 11, 2, 0, 0], [3, 12, 2, 0, 0, 0]])
    out = clf(X)
    assert out.shape == (2, 1)
    # padding is masked: more padding does not change the output
    X_longer = torch.cat([X, torch.zeros(2, 3, dtype=torch.long)], dim=1)
    assert torch.allclose(clf(X_longer), out, atol=1e-5)
    with pytest.raises(ValueError, match="ff_units"):
        language.BERTClassifier(bert, ff_units=0)
