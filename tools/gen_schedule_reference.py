#!/usr/bin/env python3
"""Reference noise levels at 45 significant digits, by an independent route: Python's decimal module
(correctly rounded power, exp and ln at 80 digits), not the C++ code under test.

Writes tests/data/schedule_reference.csv: family,n_levels,sigma_min,sigma_max,param,i,sigma.
Parameters are decimals (0.002 means the decimal 0.002), as in the suite (theory/scalar.hpp, decimal()).
Regenerate with:  python3 tools/gen_schedule_reference.py > tests/data/schedule_reference.csv
"""
from decimal import Decimal as D, getcontext

getcontext().prec = 80


def edm(n, smin, smax, rho):
    hi, lo = smax ** (1 / rho), smin ** (1 / rho)
    out = []
    for i in range(n):
        if i == 0:
            out.append(smax)
        elif i == n - 1:
            out.append(smin)
        else:
            out.append((hi + D(i) / D(n - 1) * (lo - hi)) ** rho)
    return out


def geometric(n, smin, smax):
    out = []
    for i in range(n):
        if i == 0:
            out.append(smax)
        elif i == n - 1:
            out.append(smin)
        else:
            out.append(smax * (smin / smax) ** (D(i) / D(n - 1)))
    return out


def song_ve(n, smin, smax, eps):
    out = []
    for i in range(n):
        t = 1 - D(i) / D(n - 1) * (1 - eps)
        out.append(smax if i == 0 else smin * (smax / smin) ** t)
    return out


def vp(n, beta_d, beta_min, eps_s):
    out = []
    for i in range(n):
        t = 1 - D(i) / D(n - 1) * (1 - eps_s)
        out.append(((beta_d * t * t / 2 + beta_min * t).exp() - 1).sqrt())
    return out


def emit(family, n, smin, smax, param, levels):
    for i, s in enumerate(levels):
        print(f"{family},{n},{smin},{smax},{param},{i},{s:.45e}")


print("family,n_levels,sigma_min,sigma_max,param,i,sigma")
# EDM defaults (PAPER §5.3): sigma in [0.002, 80], rho = 7, 18 levels.
emit("edm", 18, "0.002", "80", "7", edm(18, D("0.002"), D("80"), D(7)))
emit("edm", 5, "0.01", "50", "3", edm(5, D("0.01"), D("50"), D(3)))
emit("geometric", 18, "0.002", "80", "", geometric(18, D("0.002"), D("80")))
emit("geometric", 10, "0.02", "100", "", geometric(10, D("0.02"), D("100")))
# Song's VESDE (PAPER §5.4): sigma in [0.01, 50], eps = 1e-5.
emit("song_ve", 12, "0.01", "50", "0.00001", song_ve(12, D("0.01"), D("50"), D("0.00001")))
# VP (PAPER §5.3): beta_d = 19.9, beta_min = 0.1, eps_s = 1e-3; param column holds beta_d;beta_min;eps_s.
emit("vp", 12, "", "", "19.9;0.1;0.001", vp(12, D("19.9"), D("0.1"), D("0.001")))
