"""Local recognizer: training time, held-out intent accuracy, and p50/p99 latency per utterance.

    python bench/nlu.py [--rounds N]        (with geobot installed, e.g. `pip install -e .`)
"""

from __future__ import annotations

import argparse
import statistics
import time

from geobot.nlu.model import default_model_path, load_examples, load_model
from geobot.nlu.recognizer import LocalRecognizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="passes over the held-out file for latency")
    args = parser.parse_args()
    path = default_model_path()
    started = time.perf_counter()
    model = load_model(path)
    loaded = time.perf_counter()
    recognizer = LocalRecognizer(model)
    trained = time.perf_counter()
    examples = load_examples(path.with_name("geobot.test.json"), model)
    misses = [(e.text, e.intent, recognizer.recognize(e.text).intent) for e in examples]
    misses = [m for m in misses if m[1] != m[2]]
    latencies = []
    for _ in range(args.rounds):
        for example in examples:
            t0 = time.perf_counter_ns()
            recognizer.recognize(example.text)
            latencies.append((time.perf_counter_ns() - t0) / 1000)
    latencies.sort()
    accuracy = 1 - len(misses) / len(examples)
    print(f"model            {path.name}: {len(model.intents)} intents, {len(model.utterances)} utterances")
    print(f"load + train     {(loaded - started) * 1000:.1f} ms + {(trained - loaded) * 1000:.1f} ms")
    right = len(examples) - len(misses)
    print(f"held-out         {right}/{len(examples)} = {accuracy:.1%} intent accuracy (target 90%)")
    for text, want, got in misses:
        print(f"  miss           {text!r}: {want} → {got}")
    p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99)]
    print(f"latency          p50 {p50:.1f} µs, p99 {p99:.1f} µs over {len(latencies)} predictions")


if __name__ == "__main__":
    main()
