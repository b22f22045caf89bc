#!/usr/bin/env python3
"""Peer comparison for `nabla bench --section numdiff`: scipy.differentiate.derivative and numdifftools
on the same 125 smooth cases and 15 hard cases, with the same error and "honest" definitions as
Sources/NablaCommandLine/BenchCommand.swift (NumdiffBenchmark).

Usage:
    python3 scripts/numdiff_peers.py [PYTHON_WITH_NUMDIFFTOOLS]

If numdifftools cannot be imported here and PYTHON_WITH_NUMDIFFTOOLS is given, the script re-runs
itself under that interpreter (which then needs scipy >= 1.15 too). Installing the peers:
    python3 -m venv /tmp/ndt-venv && /tmp/ndt-venv/bin/pip install numdifftools scipy numpy mpmath
    python3 scripts/numdiff_peers.py /tmp/ndt-venv/bin/python
Without numdifftools, only the scipy rows are printed.

Definitions (as in the Swift bench): rel. error = |est - exact| / |exact|, or / max(1, |f(x)|) where
exact == 0 (NaN counts as inf). Evaluations = scalar points passed to f (sum of array sizes over all
calls). honest = cases with |est - exact| <= the method's own absolute error estimate.
"""
import os
import sys

try:
    import numdifftools as nd
except ImportError:
    nd = None
    if len(sys.argv) > 1 and not os.environ.get("NUMDIFF_PEERS_REEXEC"):  # guard against exec loops
        os.environ["NUMDIFF_PEERS_REEXEC"] = "1"
        os.execv(sys.argv[1], [sys.argv[1], os.path.abspath(__file__)])
import warnings

import numpy as np
import scipy
from scipy.differentiate import derivative

np.seterr(all="ignore")
warnings.simplefilter("ignore")  # numdifftools warns "All-NaN slice" at the NaN cases
E = [-3, -1, -0.3, 0, 0.5, 1, 2, 5, 10]
P = [1, 2, 5, 10]
SMOOTH = [  # (formula, f, f', points)
    ("exp(x)", np.exp, np.exp, E),
    ("sin(x)", np.sin, np.cos, E),
    ("cos(x)", np.cos, lambda x: -np.sin(x), E),
    ("log(x)", np.log, lambda x: 1 / x, P),
    ("sqrt(x)", np.sqrt, lambda x: 0.5 / np.sqrt(x), P),
    ("x^3 - 2*x", lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2, E),
    ("1/(1 + x^2)", lambda x: 1 / (1 + x**2), lambda x: -2 * x / (1 + x**2) ** 2, E),
    ("tanh(x)", np.tanh, lambda x: 1 / np.cosh(x) ** 2, E),
    ("atan(x)", np.arctan, lambda x: 1 / (1 + x**2), E),
    ("exp(-x^2)", lambda x: np.exp(-x**2), lambda x: -2 * x * np.exp(-x**2), E),
    ("sin(x)*exp(x)", lambda x: np.sin(x) * np.exp(x), lambda x: (np.cos(x) + np.sin(x)) * np.exp(x), E),
    ("log1p(x^2)", lambda x: np.log1p(x**2), lambda x: 2 * x / (1 + x**2), E),
    ("0.01*x^2 + 0.1*x", lambda x: 0.01 * x**2 + 0.1 * x, lambda x: 0.02 * x + 0.1, E),
    ("x^7", lambda x: x**7, lambda x: 7 * x**6, E),
    ("1/(2 + cos(x))", lambda x: 1 / (2 + np.cos(x)), lambda x: np.sin(x) / (2 + np.cos(x)) ** 2, E),
]
HARD = [  # (case, formula, f, f', x)
    ("pole", "1/x", lambda x: 1 / x, lambda x: -1 / x**2, 1e-3),
    ("pole", "1/x", lambda x: 1 / x, lambda x: -1 / x**2, -1e-5),
    ("pole", "tan(x)", np.tan, lambda x: 1 + np.tan(x) ** 2, 1.57),
    ("domain edge", "log(x)", np.log, lambda x: 1 / x, 1e-3),
    ("domain edge", "log(x)", np.log, lambda x: 1 / x, 1e-10),
    ("domain edge", "sqrt(x)", np.sqrt, lambda x: 0.5 / np.sqrt(x), 1e-6),
    ("steep", "exp(10*x)", lambda x: np.exp(10 * x), lambda x: 10 * np.exp(10 * x), 1.0),
    ("steep", "exp(50*x)", lambda x: np.exp(50 * x), lambda x: 50 * np.exp(50 * x), 0.5),
    ("badly scaled", "log(x)", np.log, lambda x: 1 / x, 1e8),
    ("badly scaled", "x^2", lambda x: x**2, lambda x: 2 * x, 3e8),
    ("badly scaled", "sin(1e6*x)", lambda x: np.sin(1e6 * x), lambda x: 1e6 * np.cos(1e6 * x), 1e-7),
    ("periodic", "sin(x)", np.sin, np.cos, 1e6),
    ("periodic", "sin(x)", np.sin, np.cos, 1e10),
    ("NaN at probes", "sqrt(x - 0.999) + x^2", lambda x: np.sqrt(x - 0.999) + x**2,
     lambda x: 0.5 / np.sqrt(x - 0.999) + 2 * x, 1.0),
    ("kink", "abs(x)", np.abs, np.sign, 0.0),
]


class Counted:
    def __init__(self, f):
        self.f, self.n = f, 0

    def __call__(self, x, *args):
        self.n += np.size(x)
        return self.f(x, *args)


def scipy_method(**kw):
    def run(f, x):
        r = derivative(f, x, **kw)
        return float(r.df), float(r.error), f"success={bool(r.success)} status={int(r.status)}"
    return run


def ndt_run(f, x):
    r = nd.Derivative(f, full_output=True)(x)
    est, info = (r[0], r[1]) if len(r) == 2 else (r.estimate, r)
    return float(np.squeeze(est)), float(np.squeeze(info.error_estimate)), "n/a"


METHODS = [("scipy-default", scipy_method()),
           ("scipy-rtol1e-13", scipy_method(tolerances=dict(rtol=1e-13)))]
if nd is not None:
    METHODS.append(("numdifftools-default", ndt_run))


def measure(run, f, df, x):
    x = np.float64(x)
    g = Counted(f)
    try:
        est, err, status = run(g, x)
    except Exception as e:  # report, never abort the table
        est, err, status = np.nan, np.inf, f"raised {type(e).__name__}: {e}"[:60]
    exact, fx = float(df(x)), float(f(x))
    scale = max(1.0, abs(fx)) if exact == 0 else abs(exact)
    rel = abs(est - exact) / scale
    rel = np.inf if np.isnan(rel) else rel
    honest = bool(abs(est - exact) <= err)  # False when either side is NaN
    return rel, err / scale, g.n, honest, status


def short(v):
    return f"{v:.2e}" if np.isfinite(v) else str(v)


def table(header, rows, right):
    w = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).rjust(w[i]) if i in right else str(c).ljust(w[i]) for i, c in enumerate(r))
    return "\n".join([fmt(header), "  ".join("-" * x for x in w)] + [fmt(r) for r in rows])


def main():
    print(f"python {sys.version.split()[0]} ({sys.executable}), numpy {np.__version__}, scipy {scipy.__version__}, "
          f"numdifftools {nd.__version__ if nd else 'NOT INSTALLED (skipped; pass a python that has it)'}")
    rows, summary, results = [], [], []
    for name, run in METHODS:
        errs, evals, honest, where = [], [], 0, []
        for formula, f, df, pts in SMOOTH:
            for x in pts:
                rel, _, n, ok, _ = measure(run, f, df, x)
                errs.append(rel); evals.append(n); honest += ok; where.append(f"{formula} @ {x:g}")
        errs, evals = np.array(errs), np.array(evals)
        frac = np.mean(errs <= 1e-13)
        rows.append([name, short(np.median(errs)), short(errs.max()), f"{100 * frac:.0f}%",
                     f"{np.median(evals):.0f}", f"{evals.max()}", f"{honest}/{len(errs)}", where[int(np.argmax(errs))]])
        results.append(f"RESULT section=numdiff variant={name} dtype=f64 cases={len(errs)} "
                       f"median_rel_err={short(np.median(errs))} max_rel_err={short(errs.max())} "
                       f"frac_le_1e-13={frac:.3f} median_evals={np.median(evals):g} max_evals={evals.max()} honest={honest}")
        summary.append((name, np.median(errs), errs.max(), frac, np.median(evals), honest, len(errs)))
    print(f"\nSmooth functions ({len(SMOOTH)} functions, {sum(len(c[3]) for c in SMOOTH)} cases), Double:")
    print(table(["method", "median rel. error", "max rel. error", "<= 1e-13", "median evals", "max evals", "honest",
                 "worst case"], rows, {1, 2, 3, 4, 5, 6}))
    print("'honest': cases whose true error is within the method's own error estimate.")
    hard_summary = {}
    for name, run in METHODS:
        hrows, good, covered, flagged, silent = [], 0, 0, 0, 0
        for case, formula, f, df, x in HARD:
            rel, relest, n, ok, status = measure(run, f, df, x)
            if status == "n/a":
                status = "no status; estimate covers error: " + ("yes" if ok else "NO")
            hrows.append([case, formula, short(x), short(rel), short(relest), n, status])
            good += rel <= 1e-8
            covered += ok
            flagged += "success=False" in status
            silent += "success=True" in status and rel > 1e-8
            tag = "".join(c for c in formula if c.isalnum())
            results.append(f"RESULT section=numdiff variant={name}-hard dtype=f64 case={tag}@{x!r} rel_err={short(rel)} "
                           f"evals={n} status=\"{status}\"")
        hard_summary[name] = (good, covered, flagged, silent)
        print(f"\nHard cases, {name}, Double:")
        print(table(["case", "formula", "x", "rel. error", "rel. estimate", "evals", "status"], hrows, {2, 3, 4, 5}))
    print("Errors and estimates are relative to |f'(x)| (to max(1, |f(x)|) where f'(x) = 0). "
          "abs(x) at 0 has no derivative (the exact value used is sign(0) = 0).")
    print("\n" + "=" * 30 + " SUMMARY " + "=" * 30)
    for name, med, mx, frac, mev, honest, n in summary:
        g, c, fl, si = hard_summary[name]
        flags = (f"flagged failure (success=False) {fl}/{len(HARD)}, success=True but rel. err > 1e-8 {si}"
                 if name.startswith("scipy") else "no failure flag exists")
        print(f"{name}\n  smooth: median rel. err {short(med)}, max {short(mx)}, {100 * frac:.0f}% <= 1e-13, "
              f"median evals {mev:g}, honest {honest}/{n}\n  hard:   {g}/{len(HARD)} with rel. err <= 1e-8, "
              f"estimate covers true error {c}/{len(HARD)}, {flags}")
    print("\n".join(results))


if __name__ == "__main__":
    main()
