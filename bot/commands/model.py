"""`regbot model prepare|info`: export and inspect the ONNX embedding model."""
from __future__ import annotations

import json
import sys

import click

from bot.cli import EXIT_INDEX


@click.group()
def model() -> None:
    """Manage the embedding model (ONNX export of the packaged MiniLM weights)."""


@model.command()
@click.option("--force", is_flag=True, help="Re-export even if a cached ONNX file exists.")
@click.option("--quantize", type=click.Choice(["auto", "int8", "none"]), default="auto",
              show_default=True,
              help="auto: use int8 only if faster and cosine >= 0.999 against torch.")
def prepare(force: bool, quantize: str) -> None:
    """Export the model to ONNX once (run by `make setup`); prints what was chosen."""
    from bot.settings import get_settings
    from index.embedding import EmbeddingError, onnx_cache_dir
    from index.onnx_export import prepare_model

    cache = onnx_cache_dir(get_settings())
    try:
        result = prepare_model(cache, quantize=quantize, force=force)
    except EmbeddingError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INDEX)
    int8 = ("not tried" if result.min_cosine_int8 is None else
            f"min cosine {result.min_cosine_int8:.5f}, {result.ms_int8:.1f} ms")
    click.echo(f"ONNX model: {result.path} ({result.chosen})")
    click.echo(f"  fp32: min cosine {result.min_cosine_fp32:.5f}, {result.ms_fp32:.1f} ms; int8: {int8}")


@model.command()
def info() -> None:
    """Show the model id, dimension and the cached ONNX choice as JSON."""
    from bot.settings import get_settings
    from index.embedding import DIM, MODEL_ID, onnx_cache_dir, read_choice

    cache = onnx_cache_dir(get_settings())
    choice = read_choice(cache)
    click.echo(json.dumps({"model_id": MODEL_ID, "dim": DIM, "cache": str(cache),
                           "onnx": choice}, indent=2))
