"""Checks an unpacked cohort folder the way researchers' tools read it; prints a JSON summary.

The rules checked (what the loaders need):
- torchvision ImageFolder(root="images"): every entry of images/ is a class folder, every file in
  a class folder is an image with an allowed extension (.png), class ids = sorted folder names.
- HuggingFace imagefolder (data_dir="."): metadata.csv at the root with a `file_name` column whose
  paths are relative to the root; every image in the tree has exactly one row, and every image
  sits at the same depth (labels are then inferred from the parent folder name).
"""
import csv, hashlib, json, os, sys
from PIL import Image

root = sys.argv[1]
with open(os.path.join(root, "metadata.csv"), newline="") as f:
    reader = csv.DictReader(f)
    columns = reader.fieldnames
    rows = list(reader)

images_dir = os.path.join(root, "images")
classes = sorted(os.listdir(images_dir))
assert all(os.path.isdir(os.path.join(images_dir, c)) for c in classes), "images/ holds only class folders"
on_disk = []
for c in classes:
    for name in sorted(os.listdir(os.path.join(images_dir, c))):
        assert name.endswith(".png"), f"non-image {c}/{name} in a class folder"
        on_disk.append(f"images/{c}/{name}")
all_images = [os.path.relpath(os.path.join(d, n), root) for d, _, fs in os.walk(root) for n in fs if n.endswith(".png")]
assert sorted(all_images) == on_disk, "images exist outside images/<class>/"
assert sorted(r["file_name"] for r in rows) == on_disk, "metadata.csv rows and image files differ"
assert len({p.count("/") for p in on_disk}) == 1, "images at different depths"

for r in rows:
    path = os.path.join(root, r["file_name"])
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == r["sha256"], f"sha256 mismatch {r['file_name']}"
    assert r["file_name"].split("/")[1] == r["birads"], f"class folder != birads for {r['file_name']}"
    with Image.open(path) as im:
        im.load()
        assert im.mode == "L", f"{r['file_name']} is {im.mode}"
    float(r["nn_distance"]); int(r["seed"])

print(json.dumps({"columns": columns, "classes": classes, "rows": len(rows), "first": rows[0]["file_name"]}))
