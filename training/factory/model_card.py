"""model-card.md, rendered from the manifest so every figure in it was computed, never typed (no torch)."""
from __future__ import annotations

import json


def _q_table(rows: list[tuple[str, list[dict]]]) -> str:
    qs = [q["q"] for q in rows[0][1]]
    head = "| distances | " + " | ".join(f"q{q:g}" for q in qs) + " |\n|---|" + "---|" * len(qs) + "\n"
    return head + "".join(f"| {name} | " + " | ".join(f"{q['d']:.4f}" for q in qv) + " |\n" for name, qv in rows)


def render(manifest: dict) -> str:
    p, ev, pv = manifest["provenance"], manifest["evaluation"], manifest["privacy"]
    cal = pv["calibration"]
    cd = cal["copyDetection"]
    fixture = p.get("fixture", False)
    classes = ", ".join(f"BI-RADS {c['birads']} → label {c['index']} ({c['trainCount']} training images)" for c in manifest["classes"])
    fid, rl, pr, sm = ev["fidelity"], ev["realism"], ev["privacy"], ev["samples"]
    warn = (
        "> **Test fixture.** A tiny model trained for minutes on CPU at 64×64 to exercise the engine end to end. "
        "Its images are blurry and its figures below are fixture figures: it is never a product default.\n\n"
        if fixture
        else ""
    )
    s = manifest["schedule"]
    return f"""# {manifest['name']} (`{manifest['modelId']}`)

{warn}Conditional latent diffusion model (VAE + DiT denoiser with classifier-free guidance) generating
{manifest['image']['height']}×{manifest['image']['width']} grayscale breast-ultrasound images conditioned on BI-RADS.

## Data
- Dataset: {p['dataset']}
- Licence: {p['licence']}
- **Required citation:** {p['citation']}
- Split: by patient (`Case`), stratified by BI-RADS, about 10% of patients for validation, fixed seed; committed as
  `training/splits/train.csv` and `training/splits/val.csv`. No patient is in both.
- Classes: {classes}; null label {manifest['nullLabel']} (learned by label dropout, for guidance).
- Preprocessing: {p['preprocessing']}

## Training
- Hardware: {p['trainedOn']}
- Time: {p['trainedFor']}
- Code: {p['codeVersion']}
- Noise schedule: {s['betaSchedule']}, T = {s['trainTimesteps']}, prediction `{s['predictionType']}`, DDIM spacing `{s['timestepSpacing']}`.
- Configuration:
```json
{json.dumps(p['trainingConfig'], indent=2)}
```

## Figures{' (fixture figures)' if fixture else ''}
- VAE reconstruction PSNR on the validation split: **{ev['vae']['valPsnrDb']:.2f} dB** ({ev['vae']['valImages']} images).
- Samples: ![samples]({sm['grid']}) — {sm['gridLayout']}; {sm['steps']} DDIM steps, guidance {sm['guidance']}.
- Privacy threshold: **{pv['threshold']:.4f}** (`d < threshold` is a possible copy). {cal['method']}.
- Copy detection (augmented copies of validation images — crop ≤10%, brightness/contrast ±10%, speckle, flip —
  searched against training + validation embeddings): **{cd['copiesCaught'] * 100:.1f}%** of {cd['copies']} copies caught;
  **{cd['distinctFlagged'] * 100:.1f}%** of {cd['distinct']} distinct validation images flagged (target: ≥99% / ≤1%).
- Privacy over {pr['samples']} samples: **{pr['fractionBelowThreshold'] * 100:.2f}%** closer to a training image than the threshold (these are
  rejected and resampled by the engine). Nearest-neighbour distances:

{_q_table([('samples → training', pr['sampleNnQuantiles']), ('training → other training', pr['trainNnQuantiles']), ('validation → training', cal['holdoutNnQuantiles'])])}
- Fidelity ({fid['classifier']}): accuracy **{fid['realValidationAccuracy'] * 100:.1f}%** on real validation images;
  on synthetic images of each class: {', '.join(f"{k.replace('birads', 'BI-RADS ')} {v * 100:.1f}%" for k, v in fid['syntheticAccuracy'].items())} (chance {fid['chanceAccuracy'] * 100:.0f}%).
- Realism: real-vs-synthetic classifier AUC **{rl['realVsSyntheticAuc']:.3f}** on {rl['testReal']} real and {rl['testSynthetic']} synthetic held-out images ({rl['note']}).
"""
