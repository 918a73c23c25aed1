"""helpers/files.py: the one atomic-write helper behind every checkpoint and result file."""
import pytest

from helpers.files import atomic_path


def test_the_file_appears_only_when_the_block_ends(tmp_path):
    target = tmp_path / "sub" / "out.json"
    with atomic_path(target) as tmp:
        tmp.write_text("new")
        assert not target.exists() and tmp.name == target.name and tmp.parent.parent == target.parent
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="half-way"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash half-way")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_torch_save_through_it_gives_the_bytes_of_a_direct_save(tmp_path):
    """torch.save names the archive's inner folder after the file: the temporary keeps the name."""
    import torch
    state = {"w": torch.arange(6.0).reshape(2, 3)}
    torch.save(state, tmp_path / "direct.pt")
    (tmp_path / "atomic").mkdir()
    with atomic_path(tmp_path / "atomic" / "direct.pt") as tmp:
        torch.save(state, tmp)
    assert (tmp_path / "atomic" / "direct.pt").read_bytes() == (tmp_path / "direct.pt").read_bytes()
    assert sorted(p.name for p in (tmp_path / "atomic").iterdir()) == ["direct.pt"]
