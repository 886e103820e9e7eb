"""Tests of the Python module, run by ctest with the system python3 (PYTHONPATH = build/python)."""
import math
import unittest

import diffbound as db

EDM18 = {"kind": "edm", "n_levels": 18, "sigma_min": 0.002, "sigma_max": 80, "rho": 7}
PAPER_DATA = {"spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0}


class Schedules(unittest.TestCase):
    def test_edm_defaults(self):
        s = db.noise_levels(EDM18)
        self.assertEqual(len(s), 18)
        self.assertEqual(s[0], 80.0)
        self.assertEqual(s[-1], 0.002)
        self.assertTrue(all(a > b for a, b in zip(s, s[1:])))
        # the float64 formula of NVlabs/edm generate.py
        r = 7.0
        for i, x in enumerate(s):
            ref = (80 ** (1 / r) + i / 17 * (0.002 ** (1 / r) - 80 ** (1 / r))) ** r
            self.assertAlmostEqual(x / ref, 1.0, delta=1e-13)

    def test_interval_levels_are_enclosures(self):
        s = db.noise_levels({"kind": "geometric", "n_levels": 5, "sigma_min": 0.01, "sigma_max": 50},
                            scalar="mpfi", precision=200)
        for q in s:
            self.assertLessEqual(q["lo"], q["mid"])
            self.assertLessEqual(q["mid"], q["hi"])
            self.assertTrue(q["text"].startswith("["))

    def test_bad_schedule_names_the_field(self):
        with self.assertRaises(ValueError) as e:
            db.noise_levels({"kind": "edm", "n_levels": 18, "sigma_min": 80, "sigma_max": 0.002, "rho": 7})
        self.assertIn("sigma_min", str(e.exception))
        with self.assertRaises(ValueError) as e:
            db.noise_levels({"kind": "edm", "n_levels": 1, "sigma_min": 0.002, "sigma_max": 80, "rho": 7})
        self.assertIn("at least 2", str(e.exception))


class Sampler(unittest.TestCase):
    def test_paper_table(self):
        # PAPER §6.1: N = 18, EDM rho = 7, exact score: 8.949e-02; geometric 9.510e-02.
        self.assertAlmostEqual(db.sampler_kl(PAPER_DATA, EDM18), 8.949e-02, delta=5e-6)
        geo = {"kind": "geometric", "n_levels": 18, "sigma_min": 0.002, "sigma_max": 80}
        self.assertAlmostEqual(db.sampler_kl(PAPER_DATA, geo), 9.510e-02, delta=5e-6)

    def test_moments(self):
        m = db.sampler_moments(0.25, 1.0, EDM18)
        self.assertAlmostEqual(m["mean"], 0.99996, delta=5e-6)
        self.assertAlmostEqual(m["variance"], 0.48585, delta=5e-6)

    def test_precisions_agree(self):
        d = db.sampler_kl(PAPER_DATA, EDM18, {"c": 0.9, "b": 0.01})
        q = db.sampler_kl(PAPER_DATA, EDM18, {"c": 0.9, "b": 0.01}, scalar="mpfi", precision=128)
        self.assertLessEqual(q["lo"], q["hi"])
        self.assertAlmostEqual(d, q["mid"], delta=1e-12 * d)

    def test_girsanov(self):
        t = db.girsanov_terms(PAPER_DATA, dict(EDM18, n_levels=280), {"c": 0.9})
        self.assertAlmostEqual(t["total"], 0.175, delta=5e-4)
        self.assertAlmostEqual(t["init"] + t["discretization"] + t["score"], t["total"], delta=1e-15)


class Bounds(unittest.TestCase):
    def test_registry(self):
        ids = [b["id"] for b in db.bounds()]
        self.assertIn("sampling.init", ids)
        self.assertIn("sampling.girsanov", ids)
        self.assertIn("sampling.girsanov", [c["id"] for c in db.checks()])

    def test_evaluate_with_provenance(self):
        terms = db.evaluate_bound("sampling.init", {"sigma_T": 10.0})
        by = {t["name"]: t for t in terms}
        self.assertEqual(by["bound"]["provenance"], "derived")
        self.assertEqual(by["bound"]["claim"], "sampling.init")
        self.assertEqual(by["bound"]["constants"], ["one_half"])
        self.assertEqual(by["m2_squared"]["claim"], "")  # computed, not a term of a claim
        # m2^2/(2 sigma_T^2) = 1.25/200 for the default data
        self.assertAlmostEqual(by["bound"]["value"]["mid"], 1.25 / 200, delta=1e-18)
        self.assertLess(by["exact_kl"]["value"]["hi"], by["bound"]["value"]["lo"])

    def test_unknown_bound(self):
        with self.assertRaises(KeyError):
            db.evaluate_bound("no.such")

    def test_check_parameters(self):
        by = {p["name"]: p for p in db.parameters("sampling.init")}
        self.assertEqual(set(by), {"data", "law", "sigma_T"})
        self.assertEqual(by["sigma_T"]["type"], "number")
        self.assertEqual(by["sigma_T"]["lo"], 0.0)
        self.assertTrue(by["sigma_T"]["lo_open"])
        self.assertIsNone(by["sigma_T"]["hi"])
        self.assertTrue(by["sigma_T"]["required"])
        for c in db.checks():  # every registered check declares its parameters, each with a help line
            for p in db.parameters(c["id"]):
                self.assertTrue(p["help"], (c["id"], p["name"]))
        with self.assertRaises(KeyError):
            db.parameters("no.such")


try:
    import numpy as np
except ImportError:  # the model API's tests need numpy (python3-numpy)
    np = None

MIX1 = {"weights": [0.5, 0.5], "means": [-1.5, 1.5], "sds": [0.5, 0.5]}
GAUSS = {"weights": [1.0], "means": [1.0], "sds": [0.5]}  # = PAPER_DATA as a mixture
SMALL = {"kind": "edm", "n_levels": 16, "sigma_min": 0.1, "sigma_max": 10, "rho": 7}


def relu_forward(w):
    """The suite network's forward pass re-implemented in numpy from its exported weights (raw inputs)."""
    A, B, W, o = w["A"], w["B"], w["W"], w["options"]

    def f(x, s):
        X = x.reshape(len(x), -1)
        cin = 1 / np.sqrt(o["sigma_data"] ** 2 + s * s) if o["x_scaling"] == "edm" else 1.0
        Z = np.hstack([X * cin, np.full((len(X), 1), o["noise_feature_scale"] * np.log(s)), np.ones((len(X), 1))])
        H = np.maximum(Z @ A.T, 0)
        for Wl in W:
            H = np.maximum(H @ Wl.T, 0)
        Y = H @ B.T
        return (Y / s if o["output_scaling"] == "inverse_sigma" else Y).reshape(x.shape)

    return f


@unittest.skipUnless(np is not None, "the model API needs numpy (python3-numpy)")
class ModelApi(unittest.TestCase):
    def test_exact_score_matches_gaussian_recursion(self):
        for c in (1.0, 0.9):
            r = db.sampler_law(lambda x, s: c * db.mixture_score(GAUSS, x, s), GAUSS, EDM18, law=False)
            exact = db.sampler_kl(PAPER_DATA, EDM18, {"c": c})
            self.assertLessEqual(abs(r["KL"] - exact), r["KL_error"] + 1e-14)
            g = db.girsanov_terms(PAPER_DATA, EDM18, {"c": c})
            self.assertLessEqual(abs(r["girsanov_score"] - g["score"]), r["F_S_error"] + 1e-12)
            self.assertLessEqual(abs(r["girsanov_discretization"] - g["discretization"]), r["girsanov_error"] + 1e-9)

    def test_exact_score_matches_suite_route(self):
        # 1-D: the callback route differentiates the map by differences, the C++ route analytically.
        r = db.sampler_law(lambda x, s: db.mixture_score(MIX1, x, s), MIX1, SMALL)
        c = db.suite_sampler_law(MIX1, SMALL)
        self.assertLessEqual(abs(r["KL"] - c["KL"]), r["KL_error"] + c["KL_error"])
        self.assertEqual(r["verdict"], "HOLDS")
        self.assertAlmostEqual(r["bound"], r["E_I"] + r["E_D"] + r["E_S"], delta=1e-12 * r["bound"])
        # the law on the grid: mass 1 and the KL recomputed from it
        law = r["law"]
        self.assertAlmostEqual(law["q"].sum() * law["h"], 1.0, delta=1e-6)
        p, q = law["p"], law["q"]
        keep = (p > 0) & (q > 1e-300)
        kl = float((p[keep] * np.log(p[keep] / q[keep])).sum() * law["h"])
        self.assertAlmostEqual(kl, r["KL"], delta=1e-9)

    def test_suite_network_same_weights(self):
        net = db.train_network(MIX1, seed=1)
        f = relu_forward(net.weights)
        x = db.draw(MIX1, 64, 3)
        self.assertLess(np.abs(f(x, 0.7) - net(x, 0.7)).max(), 1e-12)
        r = db.sampler_law(f, MIX1, SMALL, law=False, block=1000)
        c = db.suite_sampler_law(MIX1, SMALL, net)
        self.assertIsNone(r["failure"])
        self.assertLessEqual(abs(r["KL"] - c["KL"]), r["KL_error"])
        self.assertLessEqual(abs(r["F_S"] - c["F_S"]), r["F_S_error"] + 1e-12 * c["F_S"])
        self.assertGreater(r["F_S"], 0)

    def test_bad_callbacks(self):
        with self.assertRaises(ValueError):
            db.sampler_law(lambda x, s: np.zeros((len(x), 2)), MIX1, SMALL)
        with self.assertRaises(ValueError):
            db.sampler_law(lambda x, s: np.full(len(x), np.nan), MIX1, SMALL)
        with self.assertRaises(ZeroDivisionError):
            db.sampler_law(lambda x, s: 1 / 0, MIX1, SMALL)
        with self.assertRaises(ValueError) as e:
            db.sampler_law(lambda x, s: x, MIX1, SMALL, step="euler_ancestral")
        self.assertIn("step", str(e.exception))


if __name__ == "__main__":
    unittest.main()
