"""Tests of the conjecture API (issue 19, part 1), run by ctest (python_conjecture) with the system python3 and
PYTHONPATH = build/python; DIFFBOUND_EXE names the diffbound program for the report test.

The worked example's bounds (examples/conjecture/discretization.py) are the subjects: E_D (true, derived) must
survive the falsifier with a tight margin, both sharpenings must be refuted by an interval proof, and the
verdicts must follow the suite's rule (VERIFIED only in intervals, HOLDS at best in floats, a point verdict never
the opposite of the interval one).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import diffbound as db

try:
    import mpmath
except ImportError:  # pragma: no cover - setup.sh installs python3-mpmath
    mpmath = None

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "conjecture"))
from discretization import DOMAIN, E_D, half_steps, taylor  # noqa: E402

EDM18 = {"kind": "edm", "n_levels": 18, "sigma_min": 0.002, "sigma_max": 80, "rho": 7}
PAPER_DATA = {"spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0}


def case(data, schedule, c=1.0, b=0.0):
    return {"data": data, "schedule": schedule, "score": {"c": c, "b": b}}


# Cases of the domain where E_D is loose, tight (one step on a near point mass) and in between.
CASES = [
    case(PAPER_DATA, EDM18),
    case({"spectrum": "isotropic", "dimension": 64, "scale": 1.0, "mean": 0.0},
         {"kind": "geometric", "n_levels": 32, "sigma_min": 0.002, "sigma_max": 80}),
    case({"spectrum": "isotropic", "dimension": 1, "scale": 1e-12, "mean": 0.0}, {"kind": "user", "levels": [10.0, 0.01]}),
    case({"spectrum": "isotropic", "dimension": 16, "scale": 1e-9, "mean": 0.0},
         {"kind": "user", "levels": [50.0, 2.0, 0.002]}),
]

# Relative margin below which the falsifier is taken to have found E_D's tight corner (one step from a near point
# mass, where E_D - D ~ D (lambda/a_0) / f(x_0): ~1e-13 at the domain's corner; the sweep cases above give >= 1e-10).
TIGHT = 1e-6


def read(path):
    with open(path) as f:
        return f.read()


def conjecture(bound, **kw):
    return db.Conjecture("user.test." + bound.__name__, DOMAIN, bound, measured="girsanov_discretization", **kw)


def enclosure(q):
    """(lo, hi) of a Quantity dict."""
    return q["lo"], q["hi"]


def overlap(p, q):
    return p[0] <= q[1] and q[0] <= p[1]


@unittest.skipIf(mpmath is None, "the conjecture API needs python3-mpmath")
class Falsifier(unittest.TestCase):
    def test_sharpenings_are_refuted_by_an_interval_proof(self):
        for bound in (taylor, half_steps):
            with self.subTest(bound=bound.__name__):
                r = db.falsify(conjecture(bound), budget=300, seed=1)
                self.assertTrue(r["refuted"])
                worst = r["cases"][0]
                self.assertEqual(worst["verdict"], "VIOLATED")
                self.assertEqual(worst["scalar"], "mpfi")
                self.assertEqual(worst["kind"], "falsify")
                self.assertLess(worst["margin"]["hi"], 0)  # the whole enclosure below 0
                self.assertLessEqual(worst["measured"]["lo"], worst["measured"]["hi"])
                self.assertLessEqual(r["evaluations"], 300 + 1)

    def test_true_bound_survives_with_its_tight_margin(self):
        r = db.falsify(conjecture(E_D), budget=600, seed=1)
        self.assertFalse(r["refuted"])
        worst = r["cases"][0]
        self.assertEqual(worst["verdict"], "VERIFIED")
        self.assertGreater(worst["margin"]["lo"], 0)
        # The search reaches where E_D is tight (one step, near point mass), far below the sweep cases' margins.
        self.assertLess(worst["relative_margin"], TIGHT)
        self.assertEqual(worst["params"]["schedule"]["n_levels"], 2)
        self.assertIn("data.scale", worst["point"])

    def test_restarts_give_distinct_cases_tightest_first(self):
        r = db.falsify(conjecture(taylor), budget=150, seed=3, restarts=3)
        margins = [c["relative_margin"] for c in r["cases"]]
        self.assertEqual(margins, sorted(margins))
        self.assertEqual(len({c["case"] for c in r["cases"]}), len(r["cases"]))
        self.assertEqual(r["tightest_relative_margin"], margins[0])

    def test_search_verdict_does_not_hide_an_inconclusive_case(self):
        # E_D in mp (the search) but a vague enclosure in iv (the decision): the tightest case cannot be decided, and
        # the search says so rather than "not refuted".
        def vague(c, m):
            return m.mpf([0, 10**9]) if m is mpmath.iv else E_D(c, m)

        r = db.falsify(conjecture(vague), budget=60, seed=1)
        self.assertFalse(r["refuted"])
        self.assertEqual(r["cases"][0]["verdict"], "INCONCLUSIVE")
        self.assertEqual(r["verdict"], "INCONCLUSIVE")
        self.assertIn("contains 0", r["reason"])
        self.assertEqual(db.falsify(conjecture(E_D), budget=60, seed=1)["verdict"], "VERIFIED")
        self.assertEqual(db.falsify(conjecture(half_steps), budget=60, seed=1)["verdict"], "VIOLATED")

    def test_search_is_deterministic(self):
        a = db.falsify(conjecture(half_steps), budget=100, seed=7)
        b = db.falsify(conjecture(half_steps), budget=100, seed=7)
        self.assertEqual(a["cases"][0]["case"], b["cases"][0]["case"])
        self.assertEqual(a["cases"][0]["margin"]["text"], b["cases"][0]["margin"]["text"])


@unittest.skipIf(mpmath is None, "the conjecture API needs python3-mpmath")
class Verdicts(unittest.TestCase):
    def test_interval_verdicts_are_verified(self):
        for r in db.check(conjecture(E_D), CASES, arithmetic="iv"):
            self.assertEqual(r["verdict"], "VERIFIED", r["case"])
            self.assertEqual(r["scalar"], "mpfi")
            self.assertEqual(r["error_estimate"], 0)

    def test_float_verdicts_hold_at_best_and_never_contradict(self):
        for bound in (E_D, taylor, half_steps):
            c = conjecture(bound)
            iv = db.check(c, CASES, arithmetic="iv")
            for ar in ("mp", "fp"):
                for r, ri in zip(db.check(c, CASES, arithmetic=ar), iv):
                    with self.subTest(bound=bound.__name__, arithmetic=ar, case=r["case"]):
                        self.assertNotEqual(r["verdict"], "VERIFIED")
                        if ri["verdict"] == "VERIFIED":
                            self.assertIn(r["verdict"], ("HOLDS", "INCONCLUSIVE"))
                        if ri["verdict"] == "VIOLATED":
                            self.assertIn(r["verdict"], ("VIOLATED", "INCONCLUSIVE"))
                        if bound is E_D and ar == "mp":
                            self.assertEqual(r["verdict"], "HOLDS")

    def test_a_float_result_is_no_enclosure(self):
        def float_bound(c, m):
            return 1e9  # a float whatever the context

        r = db.check(conjecture(float_bound), CASES[:1], arithmetic="iv")[0]
        self.assertNotEqual(r["verdict"], "VERIFIED")
        self.assertIn("iv interval", r["error"])
        # Declared as floats only: checked in floats (HOLDS), and an interval check is refused.
        c = conjecture(float_bound, arithmetic="fp")
        self.assertEqual(db.check(c, CASES[:1])[0]["verdict"], "HOLDS")
        with self.assertRaises(ValueError):
            db.check(c, CASES[:1], arithmetic="iv")

    def test_measured_side_and_bound_agree_with_the_suite(self):
        # Independent routes: the suite's sampling.bound evaluator (C++ E_D of theory/sampling_bound_explicit.hpp)
        # and girsanov_terms (theory/sampling_girsanov.hpp) on the same cases, as 128-bit enclosures.
        c = conjecture(E_D)
        for p, r in zip(CASES, db.check(c, CASES, arithmetic="iv")):
            with self.subTest(case=r["case"]):
                # evaluate_bound merges over its defaults: remove the default schedule's keys this one lacks
                sched = dict({k: None for k in ("rho", "n_levels", "sigma_min", "sigma_max")}, **p["schedule"])
                params = dict(p, schedule=sched)
                terms = {t["name"]: t["value"] for t in db.evaluate_bound("sampling.bound", params, scalar="mpfi")}
                self.assertTrue(overlap(enclosure(r["bound"]), enclosure(terms["E_D"])))
                g = db.girsanov_terms(p["data"], p["schedule"], p["score"], scalar="mpfi")
                self.assertTrue(overlap(enclosure(r["measured"]), enclosure(g["discretization"])))
                kl = db.sampler_kl(p["data"], p["schedule"], p["score"], scalar="mpfi")
                self.assertTrue(overlap(enclosure(r["terms"]["KL"]), enclosure(kl)))

    def test_the_callable_sees_exact_enclosures(self):
        seen = []

        def spy(c, m):
            seen.append((c, m))
            return m.mpf(1)

        c = db.Conjecture("user.test.spy", DOMAIN, spy, measured="KL")
        db.check(c, [case(PAPER_DATA, EDM18, c=0.9, b=0.01)], arithmetic="iv")
        cs, m = seen[0]
        self.assertIs(m, mpmath.iv)
        self.assertEqual((cs.N, cs.d, cs.family), (18, 1, "gaussian"))
        levels = db.noise_levels(EDM18, scalar="mpfi", precision=128)
        for s, ref in zip(cs.sigma, levels):
            lo, hi = (mpmath.mp.make_mpf(e) for e in s._mpi_)
            # the suite's enclosure, exactly (its double ends are rounded outward), and 128-bit tight
            self.assertTrue(mpmath.mpf(ref["lo"]) <= lo <= hi <= mpmath.mpf(ref["hi"]))
            self.assertLess(hi - lo, 1e-30 * ref["mid"])
        with mpmath.workdps(60):  # exact comparisons of the end points (iv's `in` rounds to iv.prec)
            lo, hi = (mpmath.mp.make_mpf(e) for e in cs.c._mpi_)
            self.assertTrue(lo <= mpmath.mpf("0.9") <= hi)  # decimals enclosed, not their binary neighbours
            self.assertFalse(lo <= mpmath.mpf(0.9) <= hi)
            lo, hi = (mpmath.mp.make_mpf(e) for e in cs.m2._mpi_)
            self.assertTrue(lo <= mpmath.mpf("1.25") <= hi)  # d (lambda + mu^2)
        self.assertEqual(cs.modes[0][2], 1)
        self.assertEqual(mpmath.iv.prec, 53)  # restored after the call

    def test_hypotheses_turn_a_failure_into_inconclusive(self):
        def one_step_only_outside(c, m):
            return "one step: outside" if c.N == 2 else None

        c = conjecture(half_steps, hypotheses=one_step_only_outside)
        r = db.check(c, CASES[2:3], arithmetic="iv")[0]
        self.assertEqual(r["verdict"], "INCONCLUSIVE")
        self.assertFalse(r["hypotheses_hold"])
        self.assertEqual(db.check(conjecture(half_steps), CASES[2:3], arithmetic="iv")[0]["verdict"], "VIOLATED")


@unittest.skipIf(mpmath is None, "the conjecture API needs python3-mpmath")
class Errors(unittest.TestCase):
    def test_programming_errors_propagate(self):
        def broken(c, m):
            return undefined_name  # noqa: F821

        with self.assertRaises(NameError):
            db.falsify(conjecture(broken), budget=20)
        with self.assertRaises(NameError):
            db.check(conjecture(broken), CASES[:1])

    def test_undefined_points_are_infeasible(self):
        def picky(c, m):
            if c.N > 8:
                raise ValueError("defined for N <= 8 only")
            return E_D(c, m)

        r = db.falsify(conjecture(picky), budget=150, seed=2)
        self.assertGreater(r["infeasible"], 0)
        self.assertLessEqual(r["cases"][0]["params"]["schedule"]["n_levels"], 8)

    def test_domain_errors_name_the_field(self):
        with self.assertRaisesRegex(ValueError, "data.sclae"):
            db.Conjecture("user.x", {"data.sclae": [1, 2]}, E_D)
        with self.assertRaisesRegex(ValueError, "not both"):
            db.Conjecture("user.x", {"schedule.sigma_min": 0.002, "schedule.log_span": [1, 2]}, E_D)
        with self.assertRaisesRegex(ValueError, "schedule.kind"):
            db.Conjecture("user.x", {"schedule.kind": ["edm", "karras"]}, E_D)
        with self.assertRaisesRegex(ValueError, "measured"):
            db.Conjecture("user.x", DOMAIN, E_D, measured="KL_sharp")
        with self.assertRaisesRegex(ValueError, "id"):
            db.Conjecture("my conjecture", DOMAIN, E_D)

    def test_domain_vocabulary_and_sigma_min(self):
        self.assertIn("schedule.rho", db.domain_vocabulary())
        self.assertIn("data.w1", db.domain_vocabulary("mixture"))
        c = db.Conjecture("user.x", {"data.spectrum": "isotropic", "schedule.kind": "edm", "schedule.sigma_min": 0.002, "schedule.sigma_max": 80,
                                     "schedule.n_levels": [2, 64], "score.kind": "exact"}, E_D,
                          measured="girsanov_discretization")
        d = c.domain
        self.assertNotIn("schedule.log_span", d)  # replaced by sigma_min
        self.assertNotIn("schedule.w1", d)  # no user levels: the weights do not matter
        self.assertNotIn("score.c", d)
        p = c.case({"data.dimension": 4, "data.scale": 0.5, "data.mean": 1.0,
                    "schedule.n_levels": 18, "schedule.rho": 7})
        s = p["params"]["schedule"]
        self.assertEqual((s["kind"], s["sigma_min"], s["sigma_max"], s["n_levels"]), ("edm", 0.002, 80.0, 18))


@unittest.skipIf(mpmath is None, "the conjecture API needs python3-mpmath")
class Mixture(unittest.TestCase):
    def test_grid_measured_side_holds_at_best(self):
        def explicit(c, m):
            """E_I + E_D with the exact score (VE_EXPLICIT_BOUND.md (3)): m2^2/(2 a_0) + E_D"""
            return c.m2 / (2 * c.a[0]) + E_D(c, m)

        dom = {"data.family": "mixture", "data.w1": [0.1, 0.9], "data.mu": [0, 3], "data.sd": [0.1, 1],
               "schedule.kind": ["edm", "geometric"], "schedule.n_levels": [4, 16], "schedule.sigma_max": 80,
               "schedule.sigma_min": 0.002, "score.kind": "exact"}
        c = db.Conjecture("user.test.mixture", dom, explicit, measured="KL")
        p = c.case({"data.w1": 0.3, "data.mu": 2, "data.sd": 0.5, "schedule.kind": "edm", "schedule.n_levels": 8,
                    "schedule.rho": 7})
        self.assertEqual(p["params"]["data"]["weights"], [0.3, 0.7])
        r = db.check(c, [p], arithmetic="iv")[0]
        self.assertEqual(r["verdict"], "HOLDS")  # the grid KL is no enclosure: never VERIFIED
        self.assertGreater(r["error_estimate"], 0)
        ref = db.sampler_law(lambda x, s: db.mixture_score(p["params"]["data"], x, s), p["params"]["data"],
                             p["params"]["schedule"], law=False)
        self.assertAlmostEqual(r["measured"]["mid"], ref["KL"], delta=ref["KL_error"] + r["error_estimate"])

    def test_point_verdicts_keep_the_grid_error(self):
        # Bounds at the grid KL plus or minus a multiple of its error estimate: inside the estimate nothing can be
        # decided, in any arithmetic. A point margin re-evaluated in MPFI (always so in mp, within 1024 times the
        # estimate in fp) must not lose the grids' error: its enclosure bounds only the rounding.
        dom = {"data.family": "mixture", "data.w1": 0.3, "data.mu": 2, "data.sd": 0.5, "schedule.kind": "edm",
               "schedule.n_levels": 6, "schedule.rho": 7, "schedule.sigma_max": 80, "schedule.sigma_min": 0.002,
               "score.kind": "exact"}
        probe = db.Conjecture("user.test.grid", dom, lambda c, m: 1, measured="KL")
        grid = db.check(probe, [probe.case({})], arithmetic="iv")[0]
        kl, err = grid["measured"]["mid"], grid["error_estimate"]
        self.assertGreater(err, 0)
        for factor, verdict in ((0.5, "INCONCLUSIVE"), (-0.5, "INCONCLUSIVE"), (4, "HOLDS"), (-4, "VIOLATED")):
            value = kl + factor * err  # a double: exact in every context

            def at(c, m):
                return m.mpf(value)

            c = db.Conjecture("user.test.at", dom, at, measured="KL")
            for ar in ("iv", "mp", "fp"):
                with self.subTest(factor=factor, arithmetic=ar):
                    r = db.check(c, [grid["params"]], arithmetic=ar)[0]
                    self.assertEqual(r["verdict"], verdict, r.get("reason"))
                    self.assertGreaterEqual(r["error_estimate"], err)


@unittest.skipIf(mpmath is None, "the conjecture API needs python3-mpmath")
class Results(unittest.TestCase):
    def test_results_file_and_report(self):
        with tempfile.TemporaryDirectory() as out:
            for bound in (E_D, taylor):
                db.check(conjecture(bound), CASES[2:], arithmetic="iv", out=out)
            db.check(conjecture(E_D), CASES, arithmetic="iv", out=out)  # replaces E_D's records
            records = [json.loads(line) for line in read(os.path.join(out, "results.jsonl")).splitlines()]
            self.assertEqual(records[0]["type"], "run")
            self.assertEqual(records[0]["checks"], ["user.test.taylor", "user.test.E_D"])
            checks = {r["check"]: r for r in records if r["type"] == "check"}
            self.assertEqual(checks["user.test.E_D"]["counts"]["VERIFIED"], len(CASES))
            self.assertEqual(checks["user.test.taylor"]["counts"]["VIOLATED"], 2)
            self.assertEqual(checks["user.test.E_D"]["claim"]["paper_tag"], "user")
            self.assertEqual(records[-1]["type"], "end")
            self.assertEqual(records[-1]["counts"]["cases"], len(CASES) + 2)
            exe = os.environ.get("DIFFBOUND_EXE")
            if not exe or not shutil.which("pdflatex") or not shutil.which("gnuplot"):
                self.skipTest("the report needs DIFFBOUND_EXE, gnuplot and pdflatex")
            pdf = os.path.join(out, "report.pdf")
            p = subprocess.run([exe, "report", "--in", out, "--out", pdf], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertTrue(os.path.getsize(pdf) > 0)
            summary = json.loads(read(os.path.join(out, "summary.json")))
            self.assertIn("user.test.E_D", json.dumps(summary))
            if shutil.which("pdftotext"):
                text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
                self.assertIn("user conjecture", text)
                self.assertNotIn("not a check of this build", text)

    def test_a_suite_run_is_not_overwritten(self):
        with tempfile.TemporaryDirectory() as out:
            path = os.path.join(out, "results.jsonl")
            with open(path, "w") as f:
                f.write(json.dumps({"type": "run", "program": "diffbound"}) + "\n")
            with self.assertRaisesRegex(ValueError, "folder of their own"):
                db.check(conjecture(E_D), CASES[:1], out=out)
            self.assertEqual(read(path).count("\n"), 1)


@unittest.skipIf(mpmath is None, "the conjecture API needs python3-mpmath")
class Docs(unittest.TestCase):
    def test_the_docs_print_what_they_show(self):
        """The python blocks of docs/python.md, run as doctests (in a scratch folder: they write results)."""
        import doctest
        import re
        text = read(os.path.join(HERE, "..", "docs", "python.md"))
        blocks = re.findall(r"```python\n(.*?)```", text, re.S)
        self.assertGreaterEqual(len(blocks), 2)
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as scratch:
            os.chdir(scratch)
            try:
                for k, block in enumerate(blocks):
                    if ">>>" not in block:
                        continue
                    test = doctest.DocTestParser().get_doctest(block, {}, f"python.md block {k}", None, 0)
                    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
                    runner.run(test)
                    self.assertEqual(runner.failures, 0, f"docs/python.md python block {k}")
            finally:
                os.chdir(cwd)

    def test_the_example_prints_what_the_docs_show(self):
        """examples/conjecture/discretization.py against its output in docs/python.md, digit for digit but for the
        timings and the output folder."""
        import re
        text = read(os.path.join(HERE, "..", "docs", "python.md"))
        shown = re.search(r"Printed on this machine[^\n]*\n\n```text\n(.*?)```", text, re.S)
        self.assertIsNotNone(shown, "docs/python.md: the example's output block")
        example = os.path.join(HERE, "..", "examples", "conjecture", "discretization.py")
        with tempfile.TemporaryDirectory() as out:
            p = subprocess.run([sys.executable, example, "--out", out], capture_output=True, text=True,
                               env=dict(os.environ))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            printed = p.stdout.replace(out, "DIR")

        def mask(block):
            lines = []
            for line in block.strip().splitlines():
                f = line.split()
                if f and f[0] in ("E_D", "taylor", "half_steps", "total"):
                    f[1] = "<seconds>"
                lines.append(" ".join(f))
            return lines

        self.assertEqual(mask(printed), mask(shown.group(1).replace("/tmp/conjectures", "DIR")))


if __name__ == "__main__":
    unittest.main()
