"""Benchmark `process_image` against the straightforward pipeline on a 12 MP photo.

Run from the repository root: `.venv/bin/python bench/bench_images.py`.

The straightforward pipeline decodes the full image, then resizes every
rendition from it; both encode the same way, so the ratio measures the decode
and resize strategy. Peak memory is read in a fresh subprocess per pipeline from
`ru_maxrss`, because tracemalloc does not see Pillow's C allocations. Linux
starts a child's `ru_maxrss` at its parent's resident size, so the photo is
generated in a subprocess too and the children are spawned from a lean parent,
before it holds any image. Targets:
at most 0.5x the straightforward time and under 200 MB peak (a 512 MB Lambda).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageOps

from chalicelib.images.renditions import JPEG_QUALITY, RENDITION_WIDTHS, process_image

SIZE = (4000, 3000)
RUNS = 7
TIME_RATIO_TARGET = 0.5
PEAK_MB_TARGET = 200


def make_photo() -> bytes:
    """A 4000x3000 JPEG at quality 90: colour gradients plus sensor-like noise."""
    ramp = Image.linear_gradient("L")
    channels = (
        ramp.resize(SIZE),
        ramp.rotate(90).resize(SIZE),
        Image.radial_gradient("L").resize(SIZE),
    )
    base = Image.merge("RGB", channels)
    noise = Image.merge("RGB", [Image.effect_noise(SIZE, 48) for _ in range(3)])
    buffer = io.BytesIO()
    Image.blend(base, noise, 0.2).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def straightforward(data: bytes) -> dict[str, bytes]:
    """Full decode, then each rendition resized from the full image."""
    opened = Image.open(io.BytesIO(data))
    opened.load()
    image = ImageOps.exif_transpose(opened).convert("RGB")
    renditions = {}
    for name, width in RENDITION_WIDTHS.items():
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(
            buffer, format="JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True
        )
        renditions[name] = buffer.getvalue()
    return renditions


PIPELINES: dict[str, Callable[[bytes], object]] = {
    "straightforward": straightforward,
    "process_image": process_image,
}


def median_seconds(data: bytes) -> dict[str, float]:
    """Median wall time of each pipeline, runs interleaved so load spikes hit both."""
    for pipeline in PIPELINES.values():
        pipeline(data)
    samples: dict[str, list[float]] = {name: [] for name in PIPELINES}
    for _ in range(RUNS):
        for name, pipeline in PIPELINES.items():
            start = time.perf_counter()
            pipeline(data)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def peak_rss_mb(name: str, path: Path) -> tuple[float, float]:
    """(baseline, peak) resident MB of a fresh interpreter running one pipeline once."""
    output = subprocess.run(
        [sys.executable, __file__, "--memory", name, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), float(output[1])


def measure_memory_in_this_process(name: str, path: str) -> None:
    """Print baseline (after imports and reading the file) and peak, in MB."""
    data = Path(path).read_bytes()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    PIPELINES[name](data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(baseline / 1024, peak / 1024)


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "photo.jpg"
        subprocess.run([sys.executable, __file__, "--make", str(path)], check=True)
        memory = {name: peak_rss_mb(name, path) for name in PIPELINES}
        data = path.read_bytes()

    result = process_image(data)
    print(f"source: {SIZE[0]}x{SIZE[1]} JPEG q90, {len(data) / 1e6:.1f} MB")
    for rendition in result.renditions.values():
        print(
            f"  {rendition.name:6} {rendition.width}x{rendition.height} "
            f"{len(rendition.data) / 1e3:.0f} kB"
        )

    seconds = median_seconds(data)
    ratio = seconds["process_image"] / seconds["straightforward"]
    print(f"time (median of {RUNS}, interleaved):")
    for name, value in seconds.items():
        print(f"  {name:16} {value * 1000:7.1f} ms")
    print(f"  ratio {ratio:.2f} (target <= {TIME_RATIO_TARGET})")

    print("peak memory (ru_maxrss of a fresh interpreter running the pipeline once):")
    for name, (baseline, peak) in memory.items():
        print(
            f"  {name:16} {peak:6.1f} MB absolute, "
            f"{peak - baseline:6.1f} MB over the {baseline:.1f} MB baseline"
        )
    peak_ours = memory["process_image"][1]
    print(f"  target: process_image absolute peak < {PEAK_MB_TARGET} MB")

    time_met = ratio <= TIME_RATIO_TARGET
    memory_met = peak_ours < PEAK_MB_TARGET
    print(
        f"time target {'met' if time_met else 'MISSED'}, "
        f"memory target {'met' if memory_met else 'MISSED'} "
        f"(benchmark took {time.perf_counter() - started:.1f} s)"
    )
    return 0 if time_met and memory_met else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make"]:
        Path(sys.argv[2]).write_bytes(make_photo())
    elif sys.argv[1:2] == ["--memory"]:
        measure_memory_in_this_process(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
