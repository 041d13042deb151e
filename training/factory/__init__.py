"""SynthBUS model factory: data prep, VAE, DiT, embedder, export and evaluation.

Modules that CI imports without torch: data, preprocess, pack, schedule, privacy, manifest,
arrays. Everything under ``factory.nets`` and the train/export/evaluate entry points needs torch.
"""
