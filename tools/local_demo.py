"""Try it locally: a Polaris and an S3/STS on 127.0.0.1, then the real `pulumi up --stack local`.

    make local-up            # or: python -m tools.local_demo [--once]

Starts the project's Polaris test server on 127.0.0.1:8181 (the real Apache Polaris server cannot be
assembled from the registries these machines reach: toolchain/README.md) and moto as S3/STS with the local
stack's buckets, copies the project to ~/.cache/polaris-data-exchange/local (the CLI writes the stack file's
salt and secrets there, never into the checkout), sets the admin secret and the external ids as secrets,
runs `pulumi up --stack local` with the CLI built by toolchain/pulumi.sh, and writes every organisation's
client configuration. It then waits for Enter and destroys the stack; `--once` destroys it at once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.aws_emulator import AwsEmulator
from tests.fakes.polaris_server import PolarisTestServer
from tests.real.cli import ROOT, LocalStack
from tests.real.local_stack import STACK, configure, local_config
from tools.client_config import write_all

CACHE = Path.home() / ".cache" / "polaris-data-exchange"
POLARIS_PORT = 8181


def pulumi_bin() -> str:
    done = subprocess.run(["bash", str(ROOT / "toolchain" / "pulumi.sh")], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"toolchain/pulumi.sh failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def point_owners_at(stack: LocalStack, s3_url: str) -> None:
    for i, _ in enumerate(local_config()["polaris-data-exchange:dataOwners"]):
        stack.config_set(f"dataOwners[{i}].aws.endpoints.s3", s3_url)
        stack.config_set(f"dataOwners[{i}].aws.endpoints.sts", s3_url)


def create_buckets(aws: AwsEmulator) -> None:
    for owner in local_config()["polaris-data-exchange:dataOwners"]:
        aws.client("s3", account=owner["aws"]["accountId"]).create_bucket(Bucket=owner["storage"]["bucket"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="destroy the stack right after `up`")
    args = parser.parse_args(argv)
    workdir = CACHE / "local"
    shutil.rmtree(workdir, ignore_errors=True)
    with (
        PolarisTestServer(realm="POLARIS", root_client_id="root", port=POLARIS_PORT) as polaris,
        AwsEmulator(region="us-east-1") as aws,
    ):
        create_buckets(aws)
        stack = LocalStack.create(workdir, pulumi_bin(), STACK)
        configure(stack, polaris)
        point_owners_at(stack, aws.url)
        print(stack.up().stdout)
        out = workdir / "client-config"
        for path in write_all(stack.output("clientConfigurations", secret=True), out):
            print(f"client configuration: {path}")
        print(json.dumps({"polaris": polaris.url, "s3": aws.url, "project": str(stack.project)}, indent=2))
        if not args.once:
            input("Polaris and S3 run until you press Enter; then the stack is destroyed. ")
        stack.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
