#!/usr/bin/env python3
"""The MNIST training run of issue #6 in NumPy and in Nabla, timed on the same machine.

The workload is the book's ("Deep Learning from Scratch", ch. 5 train_neuralnet.py):
784-50-10, ReLU, softmax cross-entropy, SGD lr 0.1, batch 100, 10,000 iterations,
He-initialised weights, and after each epoch (600 iterations) the loss and accuracy
on the full train and test sets. Mini-batches are drawn as Nabla draws them
(a fresh permutation per epoch). Only the training loop is timed (data loading
is not). Runs alternate NumPy / Nabla --rounds times; medians are reported.

NumPy's BLAS uses its default thread count unless OPENBLAS_NUM_THREADS (or
OMP_NUM_THREADS) is set in the environment; --nabla-threads 1,2 runs Nabla once
per listed NABLA_THREADS value in every round (one RESULT line each), so
thread counts are compared in the same run. The load average is printed at
the start and the end: on a shared machine the ratio means little without it.

    python3 scripts/mnist_peers.py --mnist ../shared/data/mnist \
        --nabla .build/release/nabla --dtype float32 --rounds 3
"""
import argparse, gzip, json, os, statistics, subprocess, sys, time
import numpy as np


def load_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    sys.exit(f"{directory}: no {stem}[.gz]")


def numpy_run(directory, dtype, iterations, seed=42):
    xtr = load_idx(find(directory, "train-images-idx3-ubyte")).reshape(60000, 784).astype(dtype) / dtype(255)
    ttr = load_idx(find(directory, "train-labels-idx1-ubyte")).astype(np.int64)
    xte = load_idx(find(directory, "t10k-images-idx3-ubyte")).reshape(10000, 784).astype(dtype) / dtype(255)
    tte = load_idx(find(directory, "t10k-labels-idx1-ubyte")).astype(np.int64)
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((784, 50)) * np.sqrt(2 / 784)).astype(dtype)
    b1 = np.zeros(50, dtype)
    w2 = (rng.standard_normal((50, 10)) * np.sqrt(2 / 50)).astype(dtype)
    b2 = np.zeros(10, dtype)
    lr = dtype(0.1)

    def predict(x):
        return np.maximum(x @ w1 + b1, 0) @ w2 + b2

    def evaluate(x, t):
        loss, correct = 0.0, 0
        for s in range(0, len(x), 1000):
            a = predict(x[s:s + 1000])
            a = a - a.max(axis=1, keepdims=True)
            logp = a - np.log(np.exp(a).sum(axis=1, keepdims=True))
            loss -= logp[np.arange(len(a)), t[s:s + 1000]].sum()
            correct += (a.argmax(axis=1) == t[s:s + 1000]).sum()
        return loss / len(x), correct / len(x)

    per_epoch = 600
    start = time.perf_counter()
    history = []
    perm = None
    for it in range(iterations):
        if it % per_epoch == 0:
            perm = rng.permutation(60000)
        idx = perm[(it % per_epoch) * 100:(it % per_epoch + 1) * 100]
        x, t = xtr[idx], ttr[idx]
        # forward
        h = x @ w1 + b1
        mask = h > 0
        z = h * mask
        a = z @ w2 + b2
        a = a - a.max(axis=1, keepdims=True)
        e = np.exp(a)
        y = e / e.sum(axis=1, keepdims=True)
        # backward
        dy = y.copy()
        dy[np.arange(100), t] -= 1
        dy /= 100
        gw2 = z.T @ dy
        gb2 = dy.sum(axis=0)
        dz = (dy @ w2.T) * mask
        gw1 = x.T @ dz
        gb1 = dz.sum(axis=0)
        w1 -= lr * gw1; b1 -= lr * gb1; w2 -= lr * gw2; b2 -= lr * gb2
        if (it + 1) % per_epoch == 0 or it + 1 == iterations:
            history.append((evaluate(xtr, ttr), evaluate(xte, tte)))
    seconds = time.perf_counter() - start
    return seconds, history[-1][1][1]


def nabla_run(nabla, directory, dtype, iterations, threads=None):
    precision = "float" if dtype == np.float32 else "double"
    out = subprocess.run(
        [nabla, "train", "--data", f"mnist:{directory}", "--hidden", "50", "--activation", "relu",
         "--optimizer", "sgd", "--lr", "0.1", "--batch", "100", "--iterations", str(iterations),
         "--precision", precision, "--json"],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, **({"NABLA_THREADS": threads} if threads else {}))).stdout
    document = json.loads(out)
    return document["seconds"], document["testAccuracy"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", default=os.path.join(os.path.dirname(__file__), "../../shared/data/mnist"))
    parser.add_argument("--nabla", default=".build/release/nabla")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--iterations", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nabla-threads", default="",
                        help="comma-separated NABLA_THREADS values to run Nabla with (default: its own default)")
    args = parser.parse_args()
    dtype = np.float32 if args.dtype == "float32" else np.float64
    variants = [t.strip() for t in args.nabla_threads.split(",") if t.strip()] or [None]
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    ours, theirs = {v: [] for v in variants}, []
    for r in range(args.rounds):
        s, acc = numpy_run(args.mnist, dtype, args.iterations)
        theirs.append(s)
        print(f"round {r + 1}: numpy {s:.2f} s (test accuracy {acc:.4f})", flush=True)
        for v in variants:
            s, acc = nabla_run(args.nabla, args.mnist, dtype, args.iterations, v)
            ours[v].append(s)
            label = f"nabla (NABLA_THREADS={v})" if v else "nabla"
            print(f"round {r + 1}: {label} {s:.2f} s (test accuracy {acc:.4f})", flush=True)
    load = "%.2f" % os.getloadavg()[0]
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    p = statistics.median(theirs)
    for v in variants:
        n = statistics.median(ours[v])
        print(f"RESULT section=mnist dtype={args.dtype} iterations={args.iterations} "
              f"nabla_s={n:.3f} numpy_s={p:.3f} ratio={n / p:.3f} numpy={np.__version__} "
              f"numpy_blas_threads={blas} nabla_threads={v or 'default'} load={load}")


if __name__ == "__main__":
    main()
