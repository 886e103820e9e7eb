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
        # m2^2/(2 sigma_T^2) = 1.25/200 for the default data
        self.assertAlmostEqual(by["bound"]["value"]["mid"], 1.25 / 200, delta=1e-18)
        self.assertLess(by["exact_kl"]["value"]["hi"], by["bound"]["value"]["lo"])

    def test_unknown_bound(self):
        with self.assertRaises(KeyError):
            db.evaluate_bound("no.such")


if __name__ == "__main__":
    unittest.main()
