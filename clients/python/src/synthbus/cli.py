"""`synthbus` console script (Python): verify a cohort offline, or order / pull with the API.

    synthbus verify cohort/ [--keys synthbus-keys.json]
    synthbus keys > synthbus-keys.json
    synthbus order --mix 3=0.4,4=0.3,5=0.3 --size 400 [--idempotency-key K]
    synthbus pull ORDER_ID --out cohort/ [--format zip|tar]

The API's address and key come from --url / --api-key or $SYNTHBUS_URL / $SYNTHBUS_API_KEY.
Exit status: 0 success, 1 failure (the message says what), 2 usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List, Optional

from .client import Client
from .errors import SynthBUSError, VerificationError
from .verify import read_keys_file, verify_cohort


def parse_mix(text: str) -> Dict[int, float]:
    """`3=0.4,4=0.3,5=0.3` -> {3: 0.4, 4: 0.3, 5: 0.3}."""
    mix: Dict[int, float] = {}
    for part in text.split(","):
        birads, sep, fraction = part.partition("=")
        try:
            b, f = int(birads), float(fraction)
        except ValueError:
            raise argparse.ArgumentTypeError(f'"{part}" is not BIRADS=FRACTION (e.g. 3=0.4,4=0.3,5=0.3)') from None
        if not sep or b in mix:
            raise argparse.ArgumentTypeError(f'"{part}": give each BI-RADS once, as BIRADS=FRACTION')
        mix[b] = f
    return mix


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="synthbus", description="SynthBUS cohorts from Python: verify offline, order, pull.")
    p.add_argument("--url", help="GraphQL endpoint (default $SYNTHBUS_URL or http://127.0.0.1:4000/graphql)")
    p.add_argument("--api-key", help="API key (default $SYNTHBUS_API_KEY)")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check a cohort folder: signature, every sha256, metadata.csv")
    v.add_argument("folder")
    v.add_argument("--keys", help="the API's published keys (from `synthbus keys`); default: the key in certificate.json")
    sub.add_parser("keys", help="print the API's certificate keys as JSON")
    o = sub.add_parser("order", help="place an order and print its id")
    o.add_argument("--mix", required=True, type=parse_mix, help="e.g. 3=0.4,4=0.3,5=0.3")
    o.add_argument("--size", required=True, type=int)
    o.add_argument("--model")
    o.add_argument("--seed", type=int)
    o.add_argument("--idempotency-key")
    pl = sub.add_parser("pull", help="wait for an order, download, unpack and verify it")
    pl.add_argument("order_id")
    pl.add_argument("--out", required=True)
    pl.add_argument("--format", choices=["zip", "tar"], default="zip")
    return p


def run(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify":
        report = verify_cohort(args.folder, read_keys_file(args.keys) if args.keys else None)
        for note in report.notes:
            print(f"note: {note}")
        if not report.ok:
            print(f"FAILED: the cohort in {args.folder} does not verify:")
            for problem in report.problems:
                print(f"  - {problem}")
            return 1
        cert = report.certificate
        assert cert is not None  # no problems means it parsed
        print(f"OK: {len(cert.images)} images in {args.folder}; every sha256 matches metadata.csv and certificate "
              f"{cert.certificate_id} (order {cert.order_id}), signed by {cert.key_id}")
        return 0
    with Client(args.url, args.api_key) as client:
        if args.command == "keys":
            print(json.dumps([k.to_json() for k in client.certificate_keys()], indent=2))
        elif args.command == "order":
            order = client.order(mix=args.mix, size=args.size, model_id=args.model, seed=args.seed, idempotency_key=args.idempotency_key)
            print(order.id)
        else:
            cohort = client.pull(args.order_id, args.out, format=args.format)
            print(f"OK: {len(cohort.records())} images in {args.out}, verified with the API's published key")
            print(cohort.certificate.summary())
    return 0


def main() -> None:
    try:
        code = run()
    except VerificationError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        code = 1
    except (SynthBUSError, OSError, ValueError) as e:
        print(f"synthbus: {e}", file=sys.stderr)
        code = 1
    sys.exit(code)
