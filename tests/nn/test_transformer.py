"""Tests for helpers/nn/transformer.py: positional encoding, layer norm, the layers and stacks
(against ``nn.Transformer`` with the same weights), and the Vision Transformer."""
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.nn.attention import subsequent_mask
from helpers.nn.transformer import (DecoderLayer, DecoderStack, EncoderLayer, EncoderStack,
                                    LayerNorm, PatchEmbed, PositionalEncoding, ViT,
                                    copy_to_torch_transformer, extract_image_patches, xavier_init)

# nn.Transformer warns that its nested-tensor speed-up is off with odd head counts or norm-first
# layers: a remark about speed, not about what these tests check
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")


# ------------------------------------------------------------------ positional encoding
def test_positional_encoding_is_a_buffer_with_the_chapter_values():
    pe = PositionalEncoding(10, 8)
    assert list(pe.parameters()) == [] and list(pe.state_dict()) == ["pe"]
    assert pe.pe.shape == (1, 10, 8)
    assert torch.allclose(pe.pe[0, 1], torch.tensor([0.8415, 0.5403, 0.0998, 0.9950, 0.0100,
                                                     1.0, 0.0010, 1.0]), atol=1e-4)
    # the same formula, written with NumPy powers instead of an exponential
    angle = np.arange(10)[:, None] / 10000 ** (2 * np.arange(4)[None] / 8)
    assert np.allclose(pe.pe[0, :, 0::2].numpy(), np.sin(angle), atol=1e-6)
    assert np.allclose(pe.pe[0, :, 1::2].numpy(), np.cos(angle), atol=1e-6)


def test_positional_encoding_distances_depend_on_the_gap_only():
    codes = PositionalEncoding(10, 8).pe[0, :5]
    dist = torch.cdist(codes, codes)
    for gap in range(1, 5):
        diag = torch.diagonal(dist, offset=gap)
        assert torch.allclose(diag, diag[:1].expand_as(diag), atol=1e-5)
    assert round(dist[0, 3].item(), 2) == 2.02 and round(dist[0, 4].item(), 2) == 1.86


def test_positional_encoding_scales_its_inputs_and_checks_them():
    pe = PositionalEncoding(2, 2)
    source = torch.tensor([[[-1., -1.], [-1., 1.]]])
    assert torch.allclose(pe(source), torch.tensor([[[-1.4142, -0.4142], [-0.5727, 1.9545]]]),
                          atol=1e-4)
    assert PositionalEncoding(5, 3).pe.shape == (1, 5, 3)    # odd sizes work too
    with pytest.raises(ValueError, match="max_len"):
        pe(torch.zeros(1, 3, 2))
    with pytest.raises(ValueError, match="d_model"):
        pe(torch.zeros(1, 2, 4))
    with pytest.raises(TypeError, match="Tensor"):
        pe([[0.0, 1.0]])


# --------------------------------------------------------------------------- layer norm
def test_layer_norm_by_hand_equals_torch():
    torch.manual_seed(34)
    x = PositionalEncoding(2, 4)(torch.randn(3, 2, 4))
    ours, theirs = LayerNorm(4), nn.LayerNorm(4)
    assert torch.allclose(ours(x)[0, 0], torch.tensor([-1.3671, 0.9279, -0.5464, 0.9857]),
                          atol=1e-4)
    with torch.no_grad():
        ours.weight.fill_(2.0)
        ours.bias.fill_(0.5)
    theirs.load_state_dict(ours.state_dict())             # same parameter names
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)
    with pytest.raises(ValueError, match="d_model=4"):
        ours(torch.zeros(2, 3))


# ------------------------------------------------------------------------------ layers
@pytest.mark.parametrize("norm_first", [True, False])
def test_encoder_layer_formulas(norm_first):
    torch.manual_seed(8)
    layer = EncoderLayer(n_heads=2, d_model=4, ff_units=8, norm_first=norm_first).eval()
    x = torch.randn(3, 5, 4)
    attn, ffn, n1, n2 = layer.self_attn, layer.ffn, layer.norm1, layer.norm2
    with torch.no_grad():
        if norm_first:
            h = x + attn(n1(x), n1(x), n1(x))
            ref = h + ffn(n2(h))
        else:
            h = n1(x + attn(x, x, x))
            ref = n2(h + ffn(h))
        assert torch.allclose(layer(x), ref, atol=1e-6)


def test_decoder_layer_hides_the_future_and_attends_to_memory():
    torch.manual_seed(9)
    layer = DecoderLayer(n_heads=2, d_model=4, ff_units=8, dropout=0.0)
    x, memory = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    visible = torch.ones(2, 1, 5, dtype=torch.bool)
    visible[0, 0, 4] = False
    out = layer(x, memory, visible, subsequent_mask(3))
    assert out.shape == (2, 3, 4)
    assert torch.all(layer.self_attn.alphas.triu(diagonal=1) == 0)
    assert layer.cross_attn.alphas.shape == (2, 2, 3, 5)
    assert torch.all(layer.cross_attn.alphas[0, ..., 4] == 0)


def test_stacks_copy_the_layer():
    stack = EncoderStack(EncoderLayer(2, 4, 8), n_layers=3)
    first, second = stack.layers[0].ffn[0].weight, stack.layers[1].ffn[0].weight
    assert torch.equal(first, second) and first is not second
    with pytest.raises(ValueError, match="n_layers"):
        DecoderStack(DecoderLayer(2, 4, 8), n_layers=0)


def _stacks(norm_first, seed=42):
    torch.manual_seed(seed)
    encoder = EncoderStack(EncoderLayer(3, 6, 10, dropout=0.0, norm_first=norm_first), 2)
    decoder = DecoderStack(DecoderLayer(3, 6, 10, dropout=0.0, norm_first=norm_first), 2)
    xavier_init(encoder)
    xavier_init(decoder)
    return encoder, decoder


@pytest.mark.parametrize("norm_first", [True, False])
def test_our_stacks_equal_nn_transformer(norm_first):
    encoder, decoder = _stacks(norm_first)
    theirs = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=2, num_decoder_layers=2,
                            dim_feedforward=10, dropout=0.0, batch_first=True,
                            norm_first=norm_first)
    copy_to_torch_transformer(encoder, decoder, theirs)
    source, target = torch.randn(5, 3, 6), torch.randn(5, 2, 6)
    visible = torch.ones(5, 1, 3, dtype=torch.bool)
    visible[2, 0, 0] = False
    with torch.no_grad():
        ours = decoder(target, encoder(source, visible), visible, subsequent_mask(2))
        ref = theirs(encoder.pe(source), decoder.pe(target), tgt_mask=~subsequent_mask(2)[0],
                     src_key_padding_mask=~visible[:, 0], memory_key_padding_mask=~visible[:, 0])
    assert torch.allclose(ours, ref, atol=1e-5)


def test_copy_to_torch_transformer_refuses_other_shapes():
    encoder, decoder = _stacks(norm_first=True)
    other = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=2, num_decoder_layers=2,
                           dim_feedforward=10, batch_first=True, norm_first=False)
    with pytest.raises(ValueError, match="norm_first=True"):
        copy_to_torch_transformer(encoder, decoder, other)
    deeper = nn.Transformer(d_model=6, nhead=3, num_encoder_layers=3, num_decoder_layers=2,
                            dim_feedforward=10, batch_first=True, norm_first=True)
    with pytest.raises(ValueError, match="numbers of"):
        copy_to_torch_transformer(encoder, decoder, deeper)


def test_xavier_init_redraws_matrices_only():
    torch.manual_seed(0)
    layer = nn.Linear(2, 6)
    bias = layer.bias.clone()
    xavier_init(layer)
    assert torch.equal(layer.bias, bias)
    assert layer.weight.abs().max() <= (6 / (2 + 6)) ** 0.5


def test_layer_arguments_are_checked():
    with pytest.raises(ValueError, match="dropout"):
        EncoderLayer(2, 4, 8, dropout=1.5)
    with pytest.raises(TypeError, match="ff_units"):
        DecoderLayer(2, 4, 8.0)


# -------------------------------------------------------------------- Vision Transformer
def test_extract_image_patches_matches_unfold():
    x = torch.arange(2 * 12 * 12, dtype=torch.float32).view(2, 1, 12, 12)
    patches = extract_image_patches(x, kernel_size=4, stride=4)
    assert patches.shape == (2, 3, 3, 16)
    ref = F.unfold(x, kernel_size=4, stride=4).transpose(1, 2).reshape(2, 3, 3, 16)
    assert torch.equal(patches, ref)
    assert torch.equal(patches[0, 0, 1], x[0, 0, :4, 4:8].reshape(-1))
    with pytest.raises(ValueError, match="does not fit"):
        extract_image_patches(x, kernel_size=13)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        extract_image_patches(x[0], kernel_size=4)


def test_patch_embed_is_a_linear_map_of_each_patch():
    torch.manual_seed(13)
    embed = PatchEmbed(12, 4, 1, 16)
    x = torch.randn(3, 1, 12, 12)
    with torch.no_grad():
        patches = extract_image_patches(x, 4, 4).view(3, 9, 16)
        ref = patches @ embed.proj.weight.view(16, -1).T + embed.proj.bias
        assert torch.allclose(embed(x), ref, atol=1e-5)
    with pytest.raises(ValueError, match="multiple of patch_size"):
        PatchEmbed(10, 4, 1, 16)
    with pytest.raises(ValueError, match="12, 12"):
        embed(torch.zeros(1, 1, 8, 8))


def test_vit_reads_its_answer_from_the_cls_position():
    torch.manual_seed(17)
    model = ViT(EncoderStack(EncoderLayer(2, 16, 20), 1), img_size=12, in_channels=1,
                patch_size=4, n_outputs=3).eval()
    x = torch.randn(5, 1, 12, 12)
    assert torch.all(model.cls_token == 0) and model.cls_token.shape == (1, 1, 16)
    tokens = model.preprocess(x)
    assert tokens.shape == (5, 10, 16) and torch.all(tokens[:, 0] == 0)
    with torch.no_grad():
        assert torch.allclose(model(x), model.mlp(model.encoder(tokens)[:, 0]), atol=1e-6)
