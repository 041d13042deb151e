"""An unpacked cohort folder: its certificate, its records, verification and dataset loaders.

Layout: images/<BI-RADS>/<index>.png, metadata.csv (file_name,birads,seed,nn_distance,sha256),
certificate.json, MODEL_CARD.md, DATASET_CARD.md; `pull` keeps the archive in .synthbus/.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from .certificate import Certificate
from .errors import VerificationError
from .objects import PublicKey
from .records import Record, label_mapping, read_records
from .verify import VerifyReport, verify_cohort


class Cohort:
    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._certificate: Optional[Certificate] = None

    def __repr__(self) -> str:
        return f"Cohort({str(self.path)!r})"

    @property
    def certificate(self) -> Certificate:
        """certificate.json, parsed (not verified: see `verify`)."""
        if self._certificate is None:
            self._certificate = Certificate.load(self.path / "certificate.json")
        return self._certificate

    def records(self) -> List[Record]:
        """Every image as a plain record, in metadata.csv order (by BI-RADS, then index)."""
        return read_records(self.path)

    def class_to_idx(self, classes: Optional[Sequence[int]] = None) -> Dict[int, int]:
        """BI-RADS -> label index; see `synthbus.records.label_mapping`."""
        return label_mapping((r.birads for r in self.records()), classes)

    def verify(self, trusted_keys: Optional[Sequence[PublicKey]] = None, raise_on_failure: bool = True) -> VerifyReport:
        """Checks the signature, every image's sha256 against the certificate and metadata.csv.
        Raises VerificationError listing every problem unless `raise_on_failure` is False."""
        report = verify_cohort(self.path, trusted_keys)
        if raise_on_failure and not report.ok:
            raise VerificationError(str(self.path), report.problems)
        return report

    def torch_dataset(
        self,
        transform: Optional[Callable[[Any], Any]] = None,
        target_transform: Optional[Callable[[int], Any]] = None,
        classes: Optional[Sequence[int]] = None,
    ) -> Any:
        """A `torch.utils.data.Dataset` of (image, label); needs `pip install synthbus[torch]`.

        Labels: the BI-RADS categories present, sorted, numbered from 0 (ImageFolder's mapping),
        or the order of `classes` when given; `dataset.classes[label]` is the category.
        """
        from .torch_dataset import CohortDataset

        records = self.records()
        return CohortDataset(records, label_mapping((r.birads for r in records), classes), transform, target_transform)

    def hf_dataset(self, classes: Optional[Sequence[int]] = None) -> Any:
        """A HuggingFace `datasets.Dataset` (imagefolder) with `birads` as a ClassLabel; needs
        `pip install synthbus[hf]`. Label indices as in `torch_dataset`."""
        from .hf_dataset import load_hf_dataset

        return load_hf_dataset(self.path, self.class_to_idx(classes))
