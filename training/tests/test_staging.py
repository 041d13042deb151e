"""A half-written bundle never blocks the next attempt; a folder that is not a bundle is never replaced."""
import pytest

from factory import staging


def test_a_stopped_attempt_is_replaced_and_the_bundle_moves_in_complete(tmp_path):
    bundle = tmp_path / "bundle"
    half = staging.begin(bundle)
    (half / "denoiser.onnx").write_bytes(b"half")  # the attempt stops here
    again = staging.begin(bundle)
    assert again == half and list(again.iterdir()) == []
    (again / "manifest.json").write_text("{}")
    assert staging.finish(again, bundle) == bundle
    assert [p.name for p in bundle.iterdir()] == ["manifest.json"] and not half.exists()
    # a finished bundle is replaced by the next build
    nxt = staging.begin(bundle)
    (nxt / "manifest.json").write_text('{"v": 2}')
    staging.finish(nxt, bundle)
    assert (bundle / "manifest.json").read_text() == '{"v": 2}'


def test_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "code.ts").write_text("x")
    with pytest.raises(FileExistsError, match="holds no bundle"):
        staging.begin(tmp_path / "src")
