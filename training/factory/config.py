"""Training configurations: `tiny` (CPU test fixture, 64x64) and `real` (GPU, 256x256)."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class VaeConfig:
    widths: tuple[int, ...]
    latent_channels: int
    steps: int
    batch: int
    lr: float
    kl_weight: float = 1e-6
    max_seconds: float | None = None  # stage time cap (the real run must fit its device time)


@dataclass(frozen=True)
class DitArch:
    patch: int
    hidden: int
    depth: int
    heads: int


# Named denoiser sizes, as facebookresearch/DiT's DiT_models ("<size>/<patch>"). S/2 is the paper's
# width (384, 6 heads) at depth 7 instead of 12: at fp16 the depth-12 one alone (32M params, 64 MB)
# is over the 60 MB bundle limit.
DIT_MODELS = {
    "DiT-S/2-d7": DitArch(patch=2, hidden=384, depth=7, heads=6),
    "DiT-T/2": DitArch(patch=2, hidden=96, depth=3, heads=3),  # the tiny CPU fixture
}


@dataclass(frozen=True)
class DitConfig:
    model: str  # a DIT_MODELS name
    steps: int
    batch: int
    lr: float
    label_dropout: float = 0.1
    ema_decay: float = 0.999
    train_timesteps: int = 1000
    beta_schedule: str = "cosine"
    prediction_type: str = "v_prediction"
    timestep_spacing: str = "trailing"
    final_alpha_cumprod: str = "one"
    max_seconds: float | None = None

    @property
    def arch(self) -> DitArch:
        return DIT_MODELS[self.model]


@dataclass(frozen=True)
class EmbedderConfig:
    widths: tuple[int, ...]
    dim: int
    steps: int
    batch: int
    lr: float
    temperature: float = 0.1
    max_seconds: float | None = None


@dataclass(frozen=True)
class Config:
    name: str
    model_id: str
    image_size: int
    vae: VaeConfig
    dit: DitConfig
    embedder: EmbedderConfig
    fixture: bool
    weights_fp16: bool
    seed: int = 0
    threshold_quantile: float = 0.01  # threshold = this quantile of training NN distances
    eval_samples: int = 1000
    eval_classifier_steps: int = 1500
    default_steps: int = 25
    default_guidance: float = 3.0

    @property
    def latent_size(self) -> int:
        return self.image_size // 8

    def as_dict(self) -> dict:
        d = asdict(self)
        d["dit"]["arch"] = asdict(self.dit.arch)
        return d


TINY = Config(
    name="SynthBUS tiny BUS-BRA test fixture (64x64, CPU-trained)",
    model_id="tiny-busbra-fixture",
    image_size=64,
    vae=VaeConfig(widths=(16, 32, 48, 64), latent_channels=4, steps=500, batch=16, lr=2e-3),
    dit=DitConfig(model="DiT-T/2", steps=3000, batch=64, lr=1e-3, ema_decay=0.995),
    embedder=EmbedderConfig(widths=(16, 32, 64, 96), dim=64, steps=1000, batch=64, lr=2e-3),
    fixture=True,
    weights_fp16=True,  # exercises the fp16-storage path the real bundle uses, and halves the fixture
    eval_samples=1000,
    eval_classifier_steps=300,
    default_steps=20,
)

# ~19M-parameter DiT-S/2 with depth 7: at fp16 (38 MB) it keeps the whole bundle under 60 MB next to
# the decoder (7 MB), embedder, references, parity vectors and samples grid. Each stage is capped in seconds so that pack -> train ->
# export -> evaluate fits 15 minutes of device time including the machine's start; `steps` are
# upper bounds. Not yet run on a GPU: the caps come from the H100 figures (VAE ~2.5 min;
# ~3,000 latents/s for a 32M DiT at batch 256 in bf16, so ~6,000 steps of this smaller one in 330 s).
REAL = Config(
    name="SynthBUS CoLDiT BUS-BRA 256",
    model_id="synthbus-busbra-256-v1",
    image_size=256,
    vae=VaeConfig(widths=(64, 128, 256, 256), latent_channels=4, steps=20000, batch=32, lr=4e-4, max_seconds=130),
    dit=DitConfig(model="DiT-S/2-d7", steps=40000, batch=256, lr=3e-4, ema_decay=0.9995, max_seconds=330),
    embedder=EmbedderConfig(widths=(32, 64, 128, 256), dim=128, steps=5000, batch=128, lr=1e-3, max_seconds=50),
    fixture=False,
    weights_fp16=True,
    eval_samples=1000,
)

CONFIGS = {"tiny": TINY, "real": REAL}
