"""Bring your own conjecture: three bounds on the Girsanov discretization term of the VE exponential-integrator
sampler, checked against the suite's exact value by its falsifier (docs/python.md, issue 19).

The measured side is the discretization term of the Girsanov bound (PAPER §6.2), computed exactly by the suite
for Gaussian data N(mu, lambda I_d):

    D = 1/2 sum_k int_{a_{k+1}}^{a_k} (J(a) - J(a_k)) da = 1/2 d sum_k f(Delta_k / (lambda + a_k)),
    f(x) = -ln(1 - x) - x,  Delta_k = a_k - a_{k+1},  a_k = sigma_k^2.

The conjectures bound it by a formula in d, m2^2 = E|X_0|^2 and the levels only (x_k = Delta_k / a_k):

    E_D         1/2 d sum_k f(x_k) + 1/2 x_max [min(d, m2^2/a_0) + sum_{k>=1} min(d, m2^2/a_k) x_{k-1}]
                (shared/paper/VE_EXPLICIT_BOUND.md (2), derived: true)
    taylor      the same with f(x) replaced by its leading term x^2/2, i.e. 1/4 d sum_k x_k^2 + the trace part
    half_steps  the same with 1/4 d sum_k f(x_k) instead of 1/2 d sum_k f(x_k)

Each is searched with the same budget over the same domain (any isotropic Gaussian law, EDM, geometric or
free levels, N = 2 ... 64), its tightest case decided in intervals (mpmath iv: VERIFIED or VIOLATED is a proof),
then checked again in floats (mpmath fp: HOLDS at best).

    PYTHONPATH=build/python python3 examples/conjecture/discretization.py [--budget 600] [--seed 1] [--out DIR]
    build/diffbound report --in DIR          # the PDF section of each conjecture

Exit status: 0 when the true bound's tightest case is VERIFIED and both sharpenings are VIOLATED (interval proofs),
1 otherwise (an INCONCLUSIVE search is no success either way).
"""
import argparse
import sys
import time

import diffbound as db


def trace_part(c, m, x):
    """1/2 x_max [min(d, m2^2/a_0) + sum_{k=1}^{K-1} min(d, m2^2/a_k) x_{k-1}] (correct for intervals)."""
    a = c.a
    s = db.minimum([c.d, c.m2 / a[0]]) + m.fsum(db.minimum([c.d, c.m2 / a[k]]) * x[k - 1] for k in range(1, c.N - 1))
    return db.maximum(x) * s / 2


def steps(c):
    """x_k = Delta_k / a_k, k = 0 .. N-2."""
    a = c.a
    return [(a[k] - a[k + 1]) / a[k] for k in range(c.N - 1)]


def E_D(c, m):
    """1/2 d sum f(x_k) + 1/2 x_max [min(d, m2^2/a_0) + sum min(d, m2^2/a_k) x_(k-1)] (VE_EXPLICIT_BOUND.md (2))"""
    x = steps(c)
    return c.d * m.fsum(-m.log(1 - t) - t for t in x) / 2 + trace_part(c, m, x)


def taylor(c, m):
    """1/4 d sum x_k^2 + the trace part: f(x) replaced by its leading term x^2/2"""
    x = steps(c)
    return c.d * m.fsum(t * t for t in x) / 4 + trace_part(c, m, x)


def half_steps(c, m):
    """1/4 d sum f(x_k) + the trace part: the steps' constant 1/2 halved"""
    x = steps(c)
    return c.d * m.fsum(-m.log(1 - t) - t for t in x) / 4 + trace_part(c, m, x)


# The hypothesis domain, in the checks' vocabulary (db.domain_vocabulary()): isotropic Gaussian data of any
# dimension, variance and mean; EDM, geometric or free ("user": simplex weights of the log-gaps) levels with
# N = 2 ... 64, sigma_max in [0.01, 1000] and ln(sigma_max/sigma_min) in [0.01, 20]; the exact score (the
# discretization term does not depend on it).
DOMAIN = {
    "data.spectrum": "isotropic",
    "data.dimension": [1, 1000],
    "data.scale": [1e-12, 100],
    "data.mean": [0, 10],
    "schedule.kind": ["edm", "geometric", "user"],
    "schedule.n_levels": [2, 64],
    "schedule.sigma_max": [0.01, 1000],
    "schedule.log_span": [0.01, 20],
    "score.kind": "exact",
}

TEX = {
    "E_D": r"D \le \tfrac12 d \sum_k f(x_k) + \tfrac12 x_{\max}\Big[\min\{d, \tfrac{m_2^2}{a_0}\} + \sum_{k\ge1} "
           r"\min\{d, \tfrac{m_2^2}{a_k}\} x_{k-1}\Big]",
    "taylor": r"D \le \tfrac14 d \sum_k x_k^2 + \tfrac12 x_{\max}\Big[\min\{d, \tfrac{m_2^2}{a_0}\} + \sum_{k\ge1} "
              r"\min\{d, \tfrac{m_2^2}{a_k}\} x_{k-1}\Big]",
    "half_steps": r"D \le \tfrac14 d \sum_k f(x_k) + \tfrac12 x_{\max}\Big[\min\{d, \tfrac{m_2^2}{a_0}\} + "
                  r"\sum_{k\ge1} \min\{d, \tfrac{m_2^2}{a_k}\} x_{k-1}\Big]",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=600, help="falsifier evaluations per conjecture")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None, help="folder for results.jsonl (diffbound report --in DIR)")
    args = ap.parse_args()

    expected = {"E_D": "VERIFIED", "taylor": "VIOLATED", "half_steps": "VIOLATED"}  # the searches' verdicts in iv
    ok = True
    start = time.perf_counter()
    print(f"budget {args.budget} evaluations per conjecture, seed {args.seed}")
    print(f"{'conjecture':<11} {'seconds':>7} {'evals':>5}  {'tightest rel. margin':>20}  {'iv verdict':<10} "
          f"{'fp verdict':<12} case")
    for bound in (E_D, taylor, half_steps):
        c = db.Conjecture("user.discretization." + bound.__name__, DOMAIN, bound,
                          measured="girsanov_discretization", statement_tex=TEX[bound.__name__],
                          title="the Girsanov discretization term D <= " + bound.__name__)
        t0 = time.perf_counter()
        report = db.falsify(c, budget=args.budget, seed=args.seed)
        seconds = time.perf_counter() - t0
        case = report["cases"][0]  # the tightest, shrunk, decided in intervals
        floats = db.check(c, [case], arithmetic="fp")[0]
        if args.out:
            db.check(c, report, out=args.out)  # the interval verdict again, into DIR/results.jsonl
        print(f"{bound.__name__:<11} {seconds:7.2f} {report['evaluations']:5d}  {case['relative_margin']:20.6e}  "
              f"{case['verdict']:<10} {floats['verdict']:<12} {case['case']}")
        print(f"{'':<11} measured {case['measured']['text']}")
        print(f"{'':<11} bound    {case['bound']['text']}")
        if floats["verdict"] == "INCONCLUSIVE":
            print(f"{'':<11} fp: {floats['reason']}; measured in double: {floats['measured']['text']}")
        if report["verdict"] != expected[bound.__name__]:
            print(f"{'':<11} expected {expected[bound.__name__]}, the search gave {report['verdict']}: "
                  f"{report['reason']}")
            ok = False
    print(f"total {time.perf_counter() - start:.2f} s")
    if args.out:
        print(f"results: {args.out}/results.jsonl (build/diffbound report --in {args.out})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
