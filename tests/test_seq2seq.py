"""Tests for helpers/seq2seq.py: shapes, masks, reference values of chapters 9 and 10, and our
attention / Transformer against PyTorch's own implementations with the same weights."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.seq2seq import (Attention, Decoder, DecoderAttn, DecoderLayer, DecoderPe,
                             DecoderSelfAttn, DecoderTransf, Encoder, EncoderDecoder,
                             EncoderDecoderAttn, EncoderDecoderSelfAttn, EncoderDecoderTransf,
                             EncoderLayer, EncoderPe, EncoderSelfAttn, EncoderTransf, LayerNorm,
                             MultiHeadAttention, MultiHeadedAttention, PatchEmbed,
                             PositionalEncoding, SubLayerWrapper, TransformerModel, ViT,
                             copy_to_torch_transformer, extract_image_patches, source_mask,
                             subsequent_mask, to_torch_attn_mask, to_torch_padding_mask,
                             xavier_init)

# nn.Transformer warns that it cannot use its nested-tensor speed-up with odd head counts,
# norm-first layers or sequence-first inputs; that is about speed, not about what we test.
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")

FULL_SEQ = torch.tensor([[-1., -1.], [-1., 1.], [1., 1.], [1., -1.]]).view(1, 4, 2)
SOURCE_SEQ, TARGET_SEQ = FULL_SEQ[:, :2], FULL_SEQ[:, 2:]


def close(a, b, atol=1e-4):
    return torch.allclose(torch.as_tensor(a).float(), torch.as_tensor(b).float(), atol=atol)


# ------------------------------------------------------------------------------ masks
def test_subsequent_mask_is_lower_triangular():
    m = subsequent_mask(3)
    assert m.shape == (1, 3, 3) and m.dtype == torch.bool
    assert torch.equal(m[0], torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]]).bool())
    assert torch.equal(subsequent_mask(2), EncoderDecoderSelfAttn.subsequent_mask(2))


@pytest.mark.parametrize("bad", [0, -2, 2.0, True])
def test_subsequent_mask_rejects_bad_sizes(bad):
    with pytest.raises((TypeError, ValueError), match="size"):
        subsequent_mask(bad)


def test_source_mask_and_torch_conventions():
    source = torch.tensor([[[-1., 1.], [0., 0.]]])
    mask = source_mask(source)
    assert mask.shape == (1, 1, 2) and mask.tolist() == [[[True, False]]]
    assert to_torch_padding_mask(mask).tolist() == [[False, True]]
    assert to_torch_attn_mask(subsequent_mask(2)).tolist() == [[False, True], [False, False]]
    assert to_torch_padding_mask(None) is None


# --------------------------------------------------------------- recurrent seq2seq
def test_encoder_decoder_reference_values():
    torch.manual_seed(21)
    encoder = Encoder(2, 2)
    with torch.no_grad():
        hidden_seq = encoder(SOURCE_SEQ)
    assert hidden_seq.shape == (1, 2, 2)
    assert close(hidden_seq, [[[0.0832, -0.0356], [0.3105, -0.5263]]])
    torch.manual_seed(21)
    decoder = Decoder(2, 2)
    model = EncoderDecoder(encoder, decoder, input_len=2, target_len=2, teacher_forcing_prob=1.0)
    with torch.no_grad():
        model.train()
        forced = model(FULL_SEQ)
        model.eval()
        free = model(SOURCE_SEQ)
    assert close(forced, [[[-0.2339, 0.4702], [0.2265, 0.4529]]])
    assert close(free, [[[-0.2339, 0.4702], [-0.0226, 0.4628]]])


def test_teacher_forcing_needs_the_target_and_a_probability():
    with pytest.raises(ValueError, match="teacher_forcing_prob"):
        EncoderDecoder(Encoder(2, 2), Decoder(2, 2), 2, 2, teacher_forcing_prob=1.5)
    model = EncoderDecoder(Encoder(2, 2), Decoder(2, 2), 2, 2, teacher_forcing_prob=1.0)
    model.train()
    with pytest.raises(ValueError, match="target"):
        model(SOURCE_SEQ)


def test_decoder_needs_init_hidden():
    with pytest.raises(RuntimeError, match="init_hidden"):
        Decoder(2, 2)(SOURCE_SEQ[:, -1:])


def test_decoder_attn_reference_values_and_alphas():
    torch.manual_seed(21)
    encoder = Encoder(2, 2)
    decoder = DecoderAttn(2, 2)
    model = EncoderDecoderAttn(encoder, decoder, input_len=2, target_len=2,
                               teacher_forcing_prob=0.0)
    with torch.no_grad():
        out = model(FULL_SEQ)
    assert close(out, [[[-0.3555, -0.1220], [-0.2641, -0.2521]]])
    assert model.alphas.shape == (1, 2, 2)
    assert close(model.alphas.sum(-1), torch.ones(1, 2))


# ------------------------------------------------------------------------ attention
def test_attention_mask_gives_all_weight_to_real_points():
    torch.manual_seed(11)
    attn = Attention(2)
    keys = torch.tensor([[[-.38, .44], [.85, -.05]]])
    attn.init_keys(keys)
    mask = source_mask(torch.tensor([[[-1., 1.], [0., 0.]]]))
    attn(torch.tensor([[[-1., 1.]]]), mask=mask)
    assert attn.alphas.tolist() == [[[1.0, 0.0]]]


@pytest.mark.parametrize("proj_values", [False, True])
def test_attention_equals_scaled_dot_product_attention(proj_values):
    torch.manual_seed(3)
    attn = Attention(4, proj_values=proj_values)
    keys, query = torch.randn(5, 6, 4), torch.randn(5, 3, 4)
    with torch.no_grad():
        attn.init_keys(keys)
        ours = attn(query)
        values = attn.linear_value(keys) if proj_values else keys
        theirs = F.scaled_dot_product_attention(attn.linear_query(query), attn.linear_key(keys),
                                                values)
    assert ours.shape == (5, 3, 4)
    assert torch.allclose(ours, theirs, atol=1e-6)
    assert torch.allclose(attn.alphas.sum(-1), torch.ones(5, 3), atol=1e-6)


def test_attention_checks_its_inputs():
    with pytest.raises(RuntimeError, match="init_keys"):
        Attention(2)(torch.randn(1, 1, 2))
    attn = Attention(4, input_dim=2)
    attn.init_keys(torch.randn(3, 5, 2))
    with pytest.raises(ValueError, match="dimensions"):
        attn(torch.randn(2, 2))  # no batch dimension
    with pytest.raises(ValueError, match="at least 1"):
        Attention(0)


def test_wide_multihead_attention_registers_heads_and_stacks_alphas():
    mha = MultiHeadAttention(n_heads=3, d_model=2, input_dim=2)
    # 3 heads x 3 projections x (2x2 + 2) + output layer (6x2 + 2)
    assert sum(p.numel() for p in mha.parameters()) == 3 * 3 * 6 + 14
    x = torch.randn(4, 5, 2)
    mha.init_keys(x)
    assert mha(x).shape == (4, 5, 2)
    assert mha.alphas.shape == (3, 4, 5, 5)


# ------------------------------------------------------------------- self-attention
def test_self_attention_reference_values():
    torch.manual_seed(11)
    encself = EncoderSelfAttn(n_heads=3, d_model=2, ff_units=10, n_features=2)
    with torch.no_grad():
        states = encself(SOURCE_SEQ)
    assert close(states, [[[-0.0498, 0.2193], [-0.0642, 0.2258]]])
    torch.manual_seed(13)
    decself = DecoderSelfAttn(n_heads=3, d_model=2, ff_units=10, n_features=2)
    shifted = torch.cat([SOURCE_SEQ[:, -1:], TARGET_SEQ[:, :-1]], dim=1)
    with torch.no_grad():
        decself.init_keys(states)
        decself(shifted, target_mask=subsequent_mask(2))
    alphas = decself.self_attn_heads.alphas
    assert close(alphas[:, 0, 1], [[0.4011, 0.5989], [0.4264, 0.5736], [0.6304, 0.3696]])
    assert torch.all(alphas[..., 0, 1] == 0)


def _self_attn_model(pe=False, seed=43):
    torch.manual_seed(seed)
    enc_cls, dec_cls = (EncoderPe, DecoderPe) if pe else (EncoderSelfAttn, DecoderSelfAttn)
    encoder = enc_cls(n_heads=3, d_model=2, ff_units=10, n_features=2)
    decoder = dec_cls(n_heads=3, d_model=2, ff_units=10, n_features=2)
    return EncoderDecoderSelfAttn(encoder, decoder, input_len=2, target_len=2)


def test_greedy_prediction_does_not_change_earlier_points():
    model = _self_attn_model(pe=True)
    model.eval()
    source = torch.randn(8, 2, 2)
    with torch.no_grad():
        preds = model(source)
        model.encode(source)
        one_step = model.decode(source[:, -1:], None, subsequent_mask(1))
        two_steps = model.decode(torch.cat([source[:, -1:], preds[:, :1]], 1), None,
                                 subsequent_mask(2))
    assert preds.shape == (8, 2, 2)
    assert torch.allclose(one_step[:, 0], preds[:, 0], atol=1e-6)
    assert torch.allclose(two_steps[:, 0], one_step[:, 0], atol=1e-6)
    assert torch.allclose(two_steps[:, 1], preds[:, 1], atol=1e-6)


def test_training_path_uses_shifted_target_and_mask():
    model = _self_attn_model()
    model.train()
    X = torch.randn(4, 4, 2)
    out = model(X)
    assert out.shape == (4, 2, 2)
    assert torch.all(model.decoder.self_attn_heads.alphas[..., 0, 1] == 0)
    with pytest.raises(ValueError, match="training mode"):
        model(X[:, :2])
    # the target masks are a buffer that is not saved
    assert "trg_masks" not in model.state_dict()


def test_permuting_the_inputs_permutes_the_encoder_states():
    torch.manual_seed(0)
    enc = EncoderSelfAttn(n_heads=2, d_model=2, ff_units=4, n_features=2)
    x = torch.randn(1, 4, 2)
    with torch.no_grad():
        assert torch.allclose(enc(x)[:, [3, 1, 0, 2]], enc(x[:, [3, 1, 0, 2]]), atol=1e-6)


# -------------------------------------------------------------- positional encoding
def test_positional_encoding_values():
    pe = PositionalEncoding(10, 8)
    assert list(pe.parameters()) == [] and list(pe.state_dict()) == ["pe"]
    assert pe.pe.shape == (1, 10, 8)
    assert close(pe.pe[0, 0], [0, 1] * 4)
    assert close(pe.pe[0, 1], [0.8415, 0.5403, 0.0998, 0.9950, 0.0100, 1.0, 0.0010, 1.0])
    assert close(pe.pe[0, 3], [0.1411, -0.9900, 0.2955, 0.9553, 0.0300, 0.9996, 0.0030, 1.0])
    # same formula written differently
    pos, k = np.arange(10)[:, None], np.arange(4)[None]
    angle = pos / 10000 ** (2 * k / 8)
    assert np.allclose(pe.pe[0, :, 0::2].numpy(), np.sin(angle), atol=1e-6)
    assert np.allclose(pe.pe[0, :, 1::2].numpy(), np.cos(angle), atol=1e-6)


def test_positional_encoding_distances_are_constant_along_diagonals():
    enc = PositionalEncoding(10, 8).pe[0, :5]
    dist = torch.cdist(enc, enc)
    for t in range(1, 5):
        diag = torch.diagonal(dist, offset=t)
        assert torch.allclose(diag, diag[0].expand_as(diag), atol=1e-5)
    assert round(dist[0, 1].item(), 2) == 0.96
    assert round(dist[0, 3].item(), 2) == 2.02 and round(dist[0, 4].item(), 2) == 1.86


def test_positional_encoding_forward_scales_inputs():
    posenc = PositionalEncoding(2, 2)
    assert close(posenc(SOURCE_SEQ), [[[-1.4142, -0.4142], [-0.5727, 1.9545]]])
    assert PositionalEncoding(5, 3).pe.shape == (1, 5, 3)  # odd dimensions work too
    with pytest.raises(ValueError, match="max_len"):
        posenc(torch.zeros(1, 3, 2))


# ------------------------------------------------------------------ narrow attention
def _copy_to_torch_mha(ours: MultiHeadedAttention) -> nn.MultiheadAttention:
    mha = nn.MultiheadAttention(ours.d_model, ours.n_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.linear_query.weight, ours.linear_key.weight,
                                            ours.linear_value.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.linear_query.bias, ours.linear_key.bias,
                                          ours.linear_value.bias]))
        mha.out_proj.load_state_dict(ours.linear_out.state_dict())
    return mha


def test_narrow_attention_equals_nn_multihead_attention():
    torch.manual_seed(5)
    ours = MultiHeadedAttention(n_heads=3, d_model=6, dropout=0.0)
    theirs = _copy_to_torch_mha(ours).eval()
    query, keys = torch.randn(4, 3, 6), torch.randn(4, 5, 6)
    keys[1, 3:] = 0.0  # two padded points in the second sequence
    pad = torch.ones(4, 1, 5, dtype=torch.bool)
    pad[1, 0, 3:] = False
    with torch.no_grad():
        ours.init_keys(keys)
        out = ours(query, mask=pad)
        ref, weights = theirs(query, keys, keys, key_padding_mask=to_torch_padding_mask(pad),
                              need_weights=True, average_attn_weights=False)
    assert out.shape == (4, 3, 6)
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(ours.alphas, weights, atol=1e-6)
    assert torch.all(ours.alphas[1, :, :, 3:] == 0)


def test_narrow_self_attention_with_subsequent_mask_matches_torch():
    torch.manual_seed(6)
    ours = MultiHeadedAttention(n_heads=2, d_model=4, dropout=0.0)
    theirs = _copy_to_torch_mha(ours).eval()
    x = torch.randn(3, 4, 4)
    mask = subsequent_mask(4)
    with torch.no_grad():
        ours.init_keys(x)
        out = ours(x, mask=mask)
        ref, _ = theirs(x, x, x, attn_mask=to_torch_attn_mask(mask))
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.all(torch.triu(ours.alphas, diagonal=1) == 0)


def test_one_narrow_head_is_scaled_dot_product_attention():
    torch.manual_seed(7)
    ours = MultiHeadedAttention(n_heads=1, d_model=4, dropout=0.0)
    x = torch.randn(2, 3, 4)
    with torch.no_grad():
        ours.init_keys(x)
        out = ours(x)
        ctx = F.scaled_dot_product_attention(ours.linear_query(x), ours.linear_key(x),
                                             ours.linear_value(x))
        ref = ours.linear_out(ctx)
    assert torch.allclose(out, ref, atol=1e-6)


def test_narrow_attention_needs_divisible_dimensions():
    with pytest.raises(ValueError, match="multiple of n_heads"):
        MultiHeadedAttention(n_heads=4, d_model=6)
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadedAttention(n_heads=2, d_model=6, dropout=2.0)


# --------------------------------------------------------------------- layer norm
def test_layer_norm_by_hand_matches_torch_and_reference():
    torch.manual_seed(34)
    x = PositionalEncoding(2, 4)(torch.randn(3, 2, 4))
    assert close(x[0], [[-3.8049, 1.9899, -1.7325, 2.1359], [1.7854, 0.8155, 0.1116, -1.7420]])
    ours, theirs = LayerNorm(4), nn.LayerNorm(4)
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)
    assert close(ours(x)[0, 0], [-1.3671, 0.9279, -0.5464, 0.9857])
    ours.weight.data.fill_(2.0)
    ours.bias.data.fill_(0.5)
    theirs.load_state_dict(ours.state_dict())
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_layer_norm_of_two_features_is_plus_minus_one():
    out = nn.LayerNorm(2)(torch.tensor([[1.4636, 2.3663], [1.9806, -0.7564]]))
    assert close(out, [[-1, 1], [1, -1]], atol=1e-3)


# ---------------------------------------------------------- Transformer layers
@pytest.mark.parametrize("norm_first", [True, False])
def test_sublayer_wrapper_formulas(norm_first):
    torch.manual_seed(8)
    layer = EncoderLayer(n_heads=2, d_model=4, ff_units=8, dropout=0.1, norm_first=norm_first)
    layer.eval()
    x = torch.randn(3, 5, 4)
    mha, ffn = layer.self_attn_heads, layer.ffn
    n1, n2 = layer.sublayers[0].norm, layer.sublayers[1].norm
    with torch.no_grad():
        out = layer(x)
        if norm_first:  # x + MHA(norm(x)), then + FFN(norm(.))
            mha.init_keys(n1(x))
            att = x + mha(n1(x))
            ref = att + ffn(n2(att))
        else:  # norm(x + MHA(x)), then norm(. + FFN(.))
            mha.init_keys(x)
            att = n1(x + mha(x))
            ref = n2(att + ffn(att))
    assert torch.allclose(out, ref, atol=1e-6)


def test_sublayer_wrapper_passes_keyword_arguments():
    wrapper = SubLayerWrapper(d_model=4, dropout=0.0)
    mha = MultiHeadedAttention(2, 4, dropout=0.0)
    x = torch.randn(1, 3, 4)
    wrapper(x, sublayer=mha, is_self_attn=True, mask=subsequent_mask(3))
    assert torch.all(torch.triu(mha.alphas, diagonal=1) == 0)


def _our_transformer(norm_first=True, dropout=0.0, seed=42, n_layers=2):
    torch.manual_seed(seed)
    enc_layer = EncoderLayer(n_heads=3, d_model=6, ff_units=10, dropout=dropout,
                             norm_first=norm_first)
    dec_layer = DecoderLayer(n_heads=3, d_model=6, ff_units=10, dropout=dropout,
                             norm_first=norm_first)
    encoder = EncoderTransf(enc_layer, n_layers=n_layers)
    decoder = DecoderTransf(dec_layer, n_layers=n_layers)
    model = EncoderDecoderTransf(encoder, decoder, input_len=2, target_len=2, n_features=2)
    return xavier_init(model)


@pytest.mark.parametrize("norm_first", [True, False])
def test_our_transformer_equals_nn_transformer(norm_first):
    model = _our_transformer(norm_first=norm_first)
    transformer = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=2, num_decoder_layers=2,
                                 dim_feedforward=10, dropout=0.0, batch_first=True,
                                 norm_first=norm_first)
    copy_to_torch_transformer(model, transformer)
    X = torch.randn(5, 4, 2)
    model.train()
    transformer.train()
    with torch.no_grad():
        ours = model(X)
        src = model.encoder.pe(model.proj(X[:, :2]))
        tgt = model.decoder.pe(model.proj(X[:, 1:3]))
        out = transformer(src, tgt, tgt_mask=to_torch_attn_mask(subsequent_mask(2)))
        theirs = model.linear(out)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_transformer_predicts_in_eval_mode_and_is_deterministic():
    model = _our_transformer(dropout=0.1)
    model.eval()
    source = torch.randn(6, 2, 2)
    with torch.no_grad():
        a, b = model(source), model(source)
    assert a.shape == (6, 2, 2) and torch.equal(a, b)
    assert model.decoder.layers[0].self_attn_heads.alphas.shape == (6, 3, 2, 2)


def test_xavier_init_leaves_biases_alone():
    model = _our_transformer()
    assert torch.all(model.proj.bias.abs() <= 1 / math.sqrt(2))  # default init kept
    bound = math.sqrt(6 / (2 + 6))
    assert model.proj.weight.abs().max() <= bound


def test_encoder_decoder_transf_checks_d_model():
    enc = EncoderTransf(EncoderLayer(2, 4, 8))
    dec = DecoderTransf(DecoderLayer(2, 6, 8))
    with pytest.raises(ValueError, match="d_model"):
        EncoderDecoderTransf(enc, dec, input_len=2, target_len=2, n_features=2)


def test_transformer_model_batch_first_or_not():
    torch.manual_seed(42)
    seq_first = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=1, num_decoder_layers=1,
                               dim_feedforward=20, dropout=0.0)
    batch_first = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=1, num_decoder_layers=1,
                                 dim_feedforward=20, dropout=0.0, batch_first=True)
    batch_first.load_state_dict(seq_first.state_dict())
    model_a = TransformerModel(seq_first, input_len=2, target_len=2, n_features=2)
    model_b = TransformerModel(batch_first, input_len=2, target_len=2, n_features=2)
    model_b.load_state_dict(model_a.state_dict())
    X = torch.randn(5, 4, 2)
    with torch.no_grad():
        for mode in ("train", "eval"):
            getattr(model_a, mode)()
            getattr(model_b, mode)()
            inputs = X if mode == "train" else X[:, :2]
            out_a, out_b = model_a(inputs), model_b(inputs)
            assert out_a.shape == (5, 2, 2)
            assert torch.allclose(out_a, out_b, atol=1e-5)
    with pytest.raises(TypeError, match="nn.Transformer"):
        TransformerModel(nn.Linear(2, 2), 2, 2, 2)


def test_transformer_model_padding_mask_hides_padded_points():
    torch.manual_seed(1)
    transformer = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=1, num_decoder_layers=1,
                                 dim_feedforward=20, dropout=0.0, batch_first=True)
    model = TransformerModel(transformer, input_len=3, target_len=2, n_features=2).eval()
    X = torch.randn(2, 3, 2)
    # hide the middle source point (the last one is the decoder's first input, so keep that)
    mask = torch.tensor([[[True, False, True]], [[True, False, True]]])
    changed = X.clone()
    changed[:, 1] = 5.0
    with torch.no_grad():
        a, b = model(X, source_mask=mask), model(changed, source_mask=mask)
        c = model(changed)  # without the mask the change shows
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, c, atol=1e-3)


# ---------------------------------------------------------------- Vision Transformer
def test_extract_image_patches_matches_unfold():
    x = torch.arange(2 * 1 * 12 * 12, dtype=torch.float32).view(2, 1, 12, 12)
    patches = extract_image_patches(x, kernel_size=4, stride=4)
    assert patches.shape == (2, 3, 3, 16)
    ref = F.unfold(x, kernel_size=4, stride=4).transpose(1, 2).reshape(2, 3, 3, 16)
    assert torch.equal(patches, ref)
    assert torch.equal(patches[0, 0, 1], x[0, 0, :4, 4:8].reshape(-1))
    with pytest.raises(ValueError, match="larger"):
        extract_image_patches(x, kernel_size=13)


def test_patch_embed_is_a_linear_map_of_each_patch():
    torch.manual_seed(13)
    embed = PatchEmbed(12, 4, 1, 16)
    x = torch.randn(3, 1, 12, 12)
    with torch.no_grad():
        out = embed(x)
        patches = extract_image_patches(x, 4, 4).view(3, 9, 16)
        ref = patches @ embed.proj.weight.view(16, -1).T + embed.proj.bias
    assert out.shape == (3, 9, 16)
    assert torch.allclose(out, ref, atol=1e-5)
    with pytest.raises(ValueError, match="multiple of patch_size"):
        PatchEmbed(10, 4, 1, 16)


def test_vit_shapes_and_cls_token():
    torch.manual_seed(17)
    layer = EncoderLayer(n_heads=2, d_model=16, ff_units=20)
    model = ViT(EncoderTransf(layer, n_layers=1), img_size=12, in_channels=1, patch_size=4,
                n_outputs=3)
    x = torch.randn(5, 1, 12, 12)
    assert torch.all(model.cls_token == 0) and model.cls_token.shape == (1, 1, 16)
    assert model.preprocess(x).shape == (5, 10, 16)
    model.eval()
    assert model(x).shape == (5, 3)
