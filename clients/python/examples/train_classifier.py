# %% [markdown]
# # Train a BI-RADS classifier on a synthetic SynthBUS cohort
#
# Orders a small cohort from a SynthBUS API (a local `npm start` by default), pulls it (progress
# bar, resumable download, verification), and trains a tiny CNN on it for one epoch on the CPU.
# Cells are marked with `# %%` (VS Code, Jupyter via jupytext, or just `python train_classifier.py`).
#
# Needs `pip install ./clients/python[torch]` and the environment:
# - `SYNTHBUS_URL` (default http://127.0.0.1:4000/graphql)
# - `SYNTHBUS_API_KEY`: an approved partner's key
# - optional: `SYNTHBUS_EXAMPLE_SIZE` (images, default 64), `SYNTHBUS_EXAMPLE_DIR` (default ./cohort)

# %%
import os
import uuid

import torch
from torch import nn
from torch.utils.data import DataLoader

from synthbus import Client

size = int(os.environ.get("SYNTHBUS_EXAMPLE_SIZE", "64"))
folder = os.environ.get("SYNTHBUS_EXAMPLE_DIR", "cohort")
client = Client()  # SYNTHBUS_URL and SYNTHBUS_API_KEY
model = client.models()[0]
print(f"model {model.model_id}: BI-RADS {[c.birads for c in model.classes]}, {model.height}x{model.width}"
      + (" (TEST FIXTURE)" if model.fixture else ""))

# %% Order an even mix over every category the model knows. The idempotency key makes re-running
# this cell safe: the same key returns the same order instead of placing a second one.
classes = [c.birads for c in model.classes]
mix = {b: 1 / len(classes) for b in classes}
order = client.order(mix=mix, size=size, idempotency_key=os.environ.get("SYNTHBUS_EXAMPLE_KEY", f"example-{uuid.uuid4()}"))
print(f"order {order.id}: {order.counts}")

# %% Wait, download, unpack and verify (raises if anything does not check out).
cohort = client.pull(order.id, folder)
print(cohort.certificate.summary())

# %% A torch Dataset: (1xHxW float tensor in [0, 1], label). classes=... fixes the label of each
# BI-RADS category to the model's order, even if a small cohort misses one.
dataset = cohort.torch_dataset(classes=classes)
loader = DataLoader(dataset, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))
print(f"{len(dataset)} images; label i is BI-RADS {dataset.classes[0]}..{dataset.classes[-1]}: {dataset.class_to_idx}")

# %% A tiny CNN, one epoch.
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4),
    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(16, len(dataset.classes)),
)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
net.train()
total_loss, correct = 0.0, 0
for images, labels in loader:
    optimizer.zero_grad()
    logits = net(images)
    loss = loss_fn(logits, labels)
    loss.backward()
    optimizer.step()
    total_loss += loss.item() * len(labels)
    correct += int((logits.argmax(1) == labels).sum())
print(f"epoch 1: loss {total_loss / len(dataset):.4f}, train accuracy {correct / len(dataset):.2%}")
client.close()
