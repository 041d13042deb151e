"""Annotation removal, crop and resize on synthetic ultrasound-like images with drawn text and calipers."""
import numpy as np
import pytest
from PIL import Image, ImageDraw

from factory.preprocess import annotation_mask, inpaint, preprocess, square_crop_box


def speckle(h: int = 320, w: int = 280, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = 60 + 25 * rng.rayleigh(1.0, (h, w))
    return np.clip(base, 0, 255).astype(np.uint8)


def annotate(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draws white text and a '+' caliper; returns the image and the drawn-pixel mask."""
    pil = Image.fromarray(img.copy())
    marks = Image.new("L", pil.size)
    for target in (pil, marks):
        d = ImageDraw.Draw(target)
        d.text((40, 200), "MAMA ESQUERDA QSE", fill=235)
        d.line([(150, 80), (160, 80)], fill=230, width=1)
        d.line([(155, 75), (155, 85)], fill=230, width=1)
    return np.asarray(pil), np.asarray(marks) > 0


def test_mask_covers_text_and_calipers_but_little_speckle():
    img, drawn = annotate(speckle())
    mask = annotation_mask(img)
    assert mask[drawn].mean() > 0.95
    assert mask[~drawn].mean() < 0.05


def test_inpainting_removes_the_bright_strokes():
    img, drawn = annotate(speckle())
    clean = inpaint(img, annotation_mask(img))
    strokes = drawn & (img >= 200)
    assert strokes.sum() > 100
    assert clean[strokes].mean() < 130
    untouched = ~annotation_mask(img)
    assert np.array_equal(clean[untouched], img[untouched])


def test_preprocess_returns_square_uint8_of_requested_size():
    img, _ = annotate(speckle())
    out = preprocess(img, 64, bbox=(100, 60, 80, 50))
    assert out.shape == (64, 64) and out.dtype == np.uint8


def test_crop_is_square_inside_the_border_and_contains_the_lesion_centre():
    left, top, right, bottom = square_crop_box(280, 400, (100, 300, 60, 40))
    assert right - left == bottom - top == 280 - 2 * round(280 * 0.04)
    assert left <= 130 < right and top <= 320 < bottom
    assert top >= round(400 * 0.04) and bottom <= 400 - round(400 * 0.04)


def test_crop_without_bbox_is_centred():
    left, top, right, bottom = square_crop_box(300, 300, None)
    assert (left + right) / 2 == pytest.approx(150, abs=1) and (top + bottom) / 2 == pytest.approx(150, abs=1)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="2-D uint8"):
        annotation_mask(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="size"):
        preprocess(speckle(), 4)
