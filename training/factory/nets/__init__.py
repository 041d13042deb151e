"""PyTorch networks: VAE, DiT denoiser, copy-detection embedder."""
