"""Tests for helpers/nn/attention.py: the masks and the one multi-head attention, checked against
PyTorch's ``nn.MultiheadAttention`` and ``F.scaled_dot_product_attention`` with the same weights."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.nn.attention import MultiHeadAttention, padding_mask, subsequent_mask


def torch_twin(ours: MultiHeadAttention) -> nn.MultiheadAttention:
    """PyTorch's attention holding our weights (query, key, value stacked in in_proj_weight)."""
    theirs = nn.MultiheadAttention(ours.d_model, ours.n_heads, batch_first=True)
    parts = (ours.linear_query, ours.linear_key, ours.linear_value)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([p.weight for p in parts]))
        theirs.in_proj_bias.copy_(torch.cat([p.bias for p in parts]))
        theirs.out_proj.load_state_dict(ours.linear_out.state_dict())
    return theirs.eval()


def test_subsequent_mask_hides_the_future():
    mask = subsequent_mask(3)
    assert mask.dtype == torch.bool and mask.shape == (1, 3, 3)
    assert mask[0].tolist() == [[True, False, False], [True, True, False], [True, True, True]]


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError),
                                        (True, TypeError)])
def test_subsequent_mask_rejects_bad_sizes(bad, error):
    with pytest.raises(error, match="size"):
        subsequent_mask(bad)


def test_padding_mask_marks_points_whose_features_are_all_padding():
    source = torch.tensor([[[-1., 1.], [0., 0.], [0., 2.]]])
    assert padding_mask(source).tolist() == [[[True, False, True]]]
    with pytest.raises(ValueError, match="unsqueeze"):
        padding_mask(torch.zeros(2, 3))
    with pytest.raises(TypeError, match="Tensor"):
        padding_mask([[0.0]])


def test_creates_its_layers_in_the_documented_order():
    names = [name for name, _ in MultiHeadAttention(2, 4).named_children()]
    assert names == ["linear_query", "linear_key", "linear_value", "linear_out", "dropout"]


def test_equals_nn_multihead_attention_with_a_padding_mask():
    torch.manual_seed(5)
    ours = MultiHeadAttention(n_heads=3, d_model=6, dropout=0.0)
    query, memory = torch.randn(4, 3, 6), torch.randn(4, 5, 6)
    visible = torch.ones(4, 1, 5, dtype=torch.bool)
    visible[1, 0, 3:] = False                        # two padded points in sequence 1
    with torch.no_grad():
        out = ours(query, memory, memory, visible)
        ref, weights = torch_twin(ours)(query, memory, memory, key_padding_mask=~visible[:, 0],
                                        average_attn_weights=False)
    assert out.shape == (4, 3, 6)
    assert torch.allclose(out, ref, atol=1e-5)
    assert ours.alphas.shape == (4, 3, 3, 5)
    assert torch.allclose(ours.alphas, weights, atol=1e-6)
    assert torch.all(ours.alphas[1, ..., 3:] == 0)


def test_equals_nn_multihead_attention_with_a_causal_mask():
    torch.manual_seed(6)
    ours = MultiHeadAttention(n_heads=2, d_model=4, dropout=0.0)
    x = torch.randn(3, 4, 4)
    mask = subsequent_mask(4)
    with torch.no_grad():
        out = ours(x, x, x, mask)
        ref, _ = torch_twin(ours)(x, x, x, attn_mask=~mask[0])
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.all(ours.alphas.triu(diagonal=1) == 0)


def test_one_head_is_scaled_dot_product_attention():
    torch.manual_seed(7)
    ours = MultiHeadAttention(n_heads=1, d_model=4, dropout=0.0)
    x, memory = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    with torch.no_grad():
        context = F.scaled_dot_product_attention(ours.linear_query(x), ours.linear_key(memory),
                                                 ours.linear_value(memory))
        assert torch.allclose(ours(x, memory, memory), ours.linear_out(context), atol=1e-6)


def test_alphas_are_kept_before_dropout():
    torch.manual_seed(8)
    attn = MultiHeadAttention(n_heads=2, d_model=4, dropout=0.5).train()
    x = torch.randn(2, 6, 4)
    attn(x, x, x)
    # dropout would zero some weights and scale the others by 2: the rows would not sum to 1
    assert torch.allclose(attn.alphas.sum(-1), torch.ones(2, 2, 6), atol=1e-6)
    assert not attn.alphas.requires_grad


def test_a_fully_hidden_row_does_not_give_nans():
    attn = MultiHeadAttention(n_heads=1, d_model=2, dropout=0.0)
    x = torch.randn(1, 2, 2)
    out = attn(x, x, x, torch.zeros(1, 1, 2, dtype=torch.bool))
    assert torch.isfinite(out).all()


def test_checks_its_arguments():
    with pytest.raises(ValueError, match="multiple of n_heads"):
        MultiHeadAttention(n_heads=4, d_model=6)
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadAttention(n_heads=2, d_model=6, dropout=1.5)
    with pytest.raises(TypeError, match="dropout"):
        MultiHeadAttention(n_heads=2, d_model=6, dropout="0.1")
    attn = MultiHeadAttention(n_heads=2, d_model=6)
    with pytest.raises(ValueError, match=r"\(N, L, 6\)"):
        attn(torch.randn(2, 3, 4), torch.randn(2, 3, 6), torch.randn(2, 3, 6))
    with pytest.raises(TypeError, match="key"):
        attn(torch.randn(2, 3, 6), None, torch.randn(2, 3, 6))
