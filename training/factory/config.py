"""Training configurations: `tiny` (CPU test fixture, 64x64) and `real` (GPU, 256x256)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace


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
    min_snr_gamma: float = 5.0  # Min-SNR-gamma loss weighting (recipe.min_snr_weights)
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
    cpu_bf16: bool = False  # bf16 autocast on the CPU too (the smoke run exercises the GPU's precision path)

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
# the decoder (7 MB), embedder, references, parity vectors and samples grid. Each stage is capped in
# seconds so that the run fits its device time (device_plan_s); `steps` are upper bounds. Not yet run
# on a GPU: the caps come from the H100 figures (VAE ~2.5 min; ~3,000 latents/s for a 32M DiT
# at batch 256 in bf16, so ~5,500 steps of this smaller one in 300 s).
REAL = Config(
    name="SynthBUS CoLDiT BUS-BRA 256",
    model_id="synthbus-busbra-256-v1",
    image_size=256,
    vae=VaeConfig(widths=(64, 128, 256, 256), latent_channels=4, steps=20000, batch=32, lr=4e-4, max_seconds=130),
    dit=DitConfig(model="DiT-S/2-d7", steps=40000, batch=256, lr=3e-4, ema_decay=0.9995, max_seconds=300),
    embedder=EmbedderConfig(widths=(32, 64, 128, 256), dim=128, steps=5000, batch=128, lr=1e-3, max_seconds=50),
    fixture=False,
    weights_fp16=True,
    eval_samples=1000,
)

CONFIGS = {"tiny": TINY, "real": REAL}

# The GPU run's device time, in seconds, from the machine's start to the parts coming back: the
# training stages are the config's caps, the rest estimates from the code and the CPU runs (export,
# evaluation of 1,000 samples) and from the device tool (start, transfers). 15 minutes are lent;
# the plan must leave one of them as margin.
DEVICE_LIMIT_S = 15 * 60
DEVICE_MARGIN_S = 60


def device_plan_s(cfg: Config) -> dict[str, float]:
    return {
        "machine start": 90,
        "setup (wheels, pack)": 25,
        "vae": cfg.vae.max_seconds,
        "encode latents": 10,
        "dit": cfg.dit.max_seconds,
        "embedder": cfg.embedder.max_seconds,
        "export": 20,
        "evaluate": 55,
        "return parts": 25,
        "gaps between calls": 30,
    }


def smoke(cfg: Config) -> Config:
    """`cfg`'s image size and architectures with a few steps per stage and tiny counts, bf16 autocast on
    the CPU too: reaches every line the full run does, in minutes on a CPU. Never a product."""
    return replace(
        cfg,
        name=f"{cfg.name} — smoke run (untrained)",
        model_id=f"{cfg.model_id}-smoke",
        vae=replace(cfg.vae, steps=2, batch=2, max_seconds=None),
        dit=replace(cfg.dit, steps=2, batch=8, max_seconds=None),
        # 30 steps: after 2, eval-mode BatchNorm still has its initial statistics and every image
        # embeds at one point (threshold 0, refused by privacy.calibrate_threshold)
        embedder=replace(cfg.embedder, steps=30, batch=8, max_seconds=None),
        fixture=True,
        eval_samples=8,
        eval_classifier_steps=2,
        default_steps=2,
        cpu_bf16=True,
    )
