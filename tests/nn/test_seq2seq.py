"""Tests for helpers/nn/seq2seq.py: chapter 9's untrained-model numbers, teacher forcing,
attention against ``F.scaled_dot_product_attention``, masks, greedy decoding, chapter 10's
Transformer for points."""
import pytest
import torch
import torch.nn.functional as F

from helpers.nn.attention import padding_mask, subsequent_mask
from helpers.nn.seq2seq import (Attention, Decoder, DecoderAttn, DecoderPe, DecoderSelfAttn,
                                Encoder, EncoderDecoder, EncoderDecoderAttn,
                                EncoderDecoderSelfAttn, EncoderDecoderTransf, EncoderPe,
                                EncoderSelfAttn, WideMultiHeadAttention)
from helpers.nn.transformer import DecoderLayer, DecoderStack, EncoderLayer, EncoderStack

FULL_SEQ = torch.tensor([[-1., -1.], [-1., 1.], [1., 1.], [1., -1.]]).view(1, 4, 2)
SOURCE, TARGET = FULL_SEQ[:, :2], FULL_SEQ[:, 2:]


def close(a, values, atol=1e-4):
    return torch.allclose(a, torch.tensor(values), atol=atol)


# ------------------------------------------------------------------------ recurrent
def test_encoder_decoder_gives_the_chapter_numbers():
    torch.manual_seed(21)
    encoder = Encoder(2, 2)
    with torch.no_grad():
        states = encoder(SOURCE)
    assert close(states, [[[0.0832, -0.0356], [0.3105, -0.5263]]])
    torch.manual_seed(21)
    model = EncoderDecoder(encoder, Decoder(2, 2), input_len=2, target_len=2,
                           teacher_forcing_prob=1.0)
    with torch.no_grad():
        forced = model.train()(FULL_SEQ)
        free = model.eval()(SOURCE)
    assert close(forced, [[[-0.2339, 0.4702], [0.2265, 0.4529]]])
    assert close(free, [[[-0.2339, 0.4702], [-0.0226, 0.4628]]])


def test_teacher_forcing_flips_one_coin_per_step():
    model = EncoderDecoder(Encoder(2, 2), Decoder(2, 2), 2, 3, teacher_forcing_prob=0.5).train()
    torch.manual_seed(0)
    model(torch.randn(1, 5, 2))
    after_model = torch.rand(1)
    torch.manual_seed(0)
    torch.randn(1, 5, 2)
    torch.rand(3)                                     # three coins, one per decoded point
    assert torch.equal(after_model, torch.rand(1))


def test_teacher_forcing_needs_the_target_and_a_probability():
    with pytest.raises(ValueError, match="teacher_forcing_prob"):
        EncoderDecoder(Encoder(2, 2), Decoder(2, 2), 2, 2, teacher_forcing_prob=1.5)
    with pytest.raises(TypeError, match="teacher_forcing_prob"):
        EncoderDecoder(Encoder(2, 2), Decoder(2, 2), 2, 2, teacher_forcing_prob="half")
    model = EncoderDecoder(Encoder(2, 2), Decoder(2, 2), 2, 2, teacher_forcing_prob=1.0)
    with pytest.raises(ValueError, match="target"):
        model.train()(SOURCE)


def test_decoders_need_init_hidden():
    with pytest.raises(RuntimeError, match="init_hidden"):
        Decoder(2, 2)(SOURCE[:, -1:])
    with pytest.raises(ValueError, match="unsqueeze"):
        Encoder(2, 2)(torch.zeros(4, 2))


def test_attention_decoder_gives_the_chapter_numbers_and_records_weights():
    torch.manual_seed(21)
    model = EncoderDecoderAttn(Encoder(2, 2), DecoderAttn(2, 2), input_len=2, target_len=2,
                               teacher_forcing_prob=0.0)
    with torch.no_grad():
        out = model(FULL_SEQ)
    assert close(out, [[[-0.3555, -0.1220], [-0.2641, -0.2521]]])
    assert model.alphas.shape == (1, 2, 2)
    assert torch.allclose(model.alphas.sum(-1), torch.ones(1, 2))


# ------------------------------------------------------------------------ attention
def test_attention_hides_padded_points():
    torch.manual_seed(11)
    attn = Attention(2)
    keys = torch.tensor([[[-.38, .44], [.85, -.05]]])
    mask = padding_mask(torch.tensor([[[-1., 1.], [0., 0.]]]))
    attn(torch.tensor([[[-1., 1.]]]), keys, mask)
    assert attn.alphas.tolist() == [[[1.0, 0.0]]]


@pytest.mark.parametrize("proj_values", [False, True])
def test_attention_equals_scaled_dot_product_attention(proj_values):
    torch.manual_seed(3)
    attn = Attention(4, proj_values=proj_values)
    keys, query = torch.randn(5, 6, 4), torch.randn(5, 3, 4)
    with torch.no_grad():
        values = attn.linear_value(keys) if proj_values else keys
        ref = F.scaled_dot_product_attention(attn.linear_query(query), attn.linear_key(keys),
                                             values)
        assert torch.allclose(attn(query, keys), ref, atol=1e-6)
    assert torch.allclose(attn.alphas.sum(-1), torch.ones(5, 3), atol=1e-6)


def test_attention_checks_its_inputs():
    with pytest.raises(ValueError, match="at least 1"):
        Attention(0)
    with pytest.raises(ValueError, match="unsqueeze"):
        Attention(2)(torch.randn(2, 2), torch.randn(1, 3, 2))


def test_wide_attention_has_full_size_heads():
    wide = WideMultiHeadAttention(n_heads=3, d_model=2, input_dim=2)
    # 3 heads x 3 projections x (2x2 + 2), and the output layer (6x2 + 2)
    assert sum(p.numel() for p in wide.parameters()) == 3 * 3 * 6 + 14
    x = torch.randn(4, 5, 2)
    assert wide(x, x).shape == (4, 5, 2)
    assert wide.alphas.shape == (4, 3, 5, 5)


# ------------------------------------------------------------------- self-attention
def test_self_attention_gives_the_chapter_numbers():
    torch.manual_seed(11)
    encoder = EncoderSelfAttn(n_heads=3, d_model=2, ff_units=10, n_features=2)
    with torch.no_grad():
        memory = encoder(SOURCE)
    assert close(memory, [[[-0.0498, 0.2193], [-0.0642, 0.2258]]])
    torch.manual_seed(13)
    decoder = DecoderSelfAttn(n_heads=3, d_model=2, ff_units=10, n_features=2)
    shifted = torch.cat([SOURCE[:, -1:], TARGET[:, :-1]], dim=1)
    with torch.no_grad():
        decoder(shifted, memory, target_mask=subsequent_mask(2))
    alphas = decoder.self_attn.alphas                  # N, heads, L, L
    assert close(alphas[0, :, 1], [[0.4011, 0.5989], [0.4264, 0.5736], [0.6304, 0.3696]])
    assert torch.all(alphas[..., 0, 1] == 0)


def _points_model(pe=True, seed=43):
    torch.manual_seed(seed)
    enc_cls, dec_cls = (EncoderPe, DecoderPe) if pe else (EncoderSelfAttn, DecoderSelfAttn)
    return EncoderDecoderSelfAttn(enc_cls(3, 2, 10, n_features=2), dec_cls(3, 2, 10, n_features=2),
                                  input_len=2, target_len=2)


def test_greedy_prediction_never_changes_an_earlier_point():
    model = _points_model().eval()
    source = torch.randn(8, 2, 2)
    with torch.no_grad():
        preds = model(source)
        memory = model.encode(source)
        one = model.decode(source[:, -1:], memory, None, subsequent_mask(1))
        two = model.decode(torch.cat([source[:, -1:], preds[:, :1]], 1), memory, None,
                           subsequent_mask(2))
    assert preds.shape == (8, 2, 2)
    assert torch.allclose(one[:, 0], preds[:, 0], atol=1e-6)
    assert torch.allclose(two[:, 0], one[:, 0], atol=1e-6)
    assert torch.allclose(two[:, 1], preds[:, 1], atol=1e-6)


def test_training_decodes_the_shifted_target_with_the_causal_mask():
    model = _points_model(pe=False).train()
    X = torch.randn(4, 4, 2)
    assert model(X).shape == (4, 2, 2)
    assert torch.all(model.decoder.self_attn.alphas[..., 0, 1] == 0)
    with pytest.raises(ValueError, match="model.eval"):
        model(X[:, :2])
    assert "trg_masks" not in model.state_dict()      # a buffer rebuilt, not saved


def test_self_attention_ignores_order_until_positions_are_encoded():
    torch.manual_seed(0)
    plain = EncoderSelfAttn(n_heads=2, d_model=2, ff_units=4, n_features=2)
    with_pe = EncoderPe(n_heads=2, d_model=2, ff_units=4, n_features=2)
    x, order = torch.randn(1, 4, 2), [3, 1, 0, 2]
    with torch.no_grad():
        assert torch.allclose(plain(x)[:, order], plain(x[:, order]), atol=1e-6)
        assert not torch.allclose(with_pe(x)[:, order], with_pe(x[:, order]), atol=1e-3)


def test_a_source_mask_hides_a_source_point():
    model = _points_model().eval()
    X = torch.randn(2, 2, 2)
    changed = X.clone()
    changed[:, 0] = 5.0
    mask = torch.tensor([[[False, True]], [[False, True]]])
    with torch.no_grad():
        assert torch.allclose(model(X, mask), model(changed, mask), atol=1e-6)
        assert not torch.allclose(model(X), model(changed), atol=1e-3)


# ----------------------------------------------------------- chapter 10's Transformer
def _transformer(dropout=0.1):
    torch.manual_seed(42)
    encoder = EncoderStack(EncoderLayer(3, 6, 10, dropout), n_layers=2)
    decoder = DecoderStack(DecoderLayer(3, 6, 10, dropout), n_layers=2)
    return EncoderDecoderTransf(encoder, decoder, input_len=2, target_len=2, n_features=2)


def test_transformer_projects_in_and_out():
    model = _transformer().eval()
    with torch.no_grad():
        a, b = model(torch.randn(6, 2, 2)), model(torch.randn(6, 3, 2))
    assert a.shape == b.shape == (6, 2, 2)
    assert model.decoder.layers[0].self_attn.alphas.shape == (6, 3, 2, 2)
    assert [name for name, _ in model.named_children()] == ["encoder", "decoder", "proj",
                                                           "linear"]


def test_transformer_is_deterministic_in_eval_mode_only():
    model = _transformer(dropout=0.3)
    X = torch.randn(6, 4, 2)
    with torch.no_grad():
        assert not torch.equal(model.train()(X), model(X))
        assert torch.equal(model.eval()(X[:, :2]), model(X[:, :2]))


def test_transformer_checks_d_model():
    encoder = EncoderStack(EncoderLayer(2, 4, 8))
    decoder = DecoderStack(DecoderLayer(2, 6, 8))
    with pytest.raises(ValueError, match="d_model"):
        EncoderDecoderTransf(encoder, decoder, input_len=2, target_len=2, n_features=2)
