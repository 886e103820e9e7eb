#!/usr/bin/env python3
"""Reference values of the exact Gaussian sampler chain at 50 significant digits, by an independent route:
Python's decimal module at 90 digits, not the C++ code under test, and a differently arranged computation.

For data N(mu, lambda) per direction (with a multiplicity), the noise levels a_k = sigma_k^2 of a schedule and
the affine score model s(y) = -c (y - mu)/(lambda + a_k) + b (PAPER §6.1), the C++ code runs the forward
recursion of the variance EXCESS e_k = v_k - (lambda + a_k) and the telescoped Girsanov sums. Here instead:
  * the final variance and mean as closed-form sums of products (backward cumulative products of
    r_i = 1 - c Delta_i/(lambda + a_i)):
        v_N = a_0 P_0 + sum_j Delta_j P_{j+1},  P_j = prod_{i >= j} r_i^2,
        m_N = -mu Q_0 + sum_j b Delta_j Q_{j+1}, Q_j = prod_{i >= j} r_i;
  * the KL by the textbook formula 1/2 [v_p/v_q - 1 - ln(v_p/v_q) + m^2/v_q] (90 digits absorb the
    cancellation);
  * the Girsanov discretization term step by step, 1/2 sum_k [-ln(1 - x_k) - x_k], x_k = Delta_k/(lambda + a_k);
  * the sampling.bound forms: kappa = max_k gamma_k/min(1, s_{k+1}), s = ln(1 + a)/2, and
    F_D = d kappa^2 K + kappa [d (1 + ln+(1/a_{N-1})) + m2^2], F_S = sum_k Delta_k eps_k^2.
Parameters are decimals (0.002 means the decimal 0.002), as in the suite (theory/scalar.hpp, decimal()).

Writes tests/data/sampling_reference.csv: case,schedule,n_levels,sigma_min,sigma_max,rho,modes,c,b,quantity,value
(modes = lambda:mu:multiplicity separated by ';'). Regenerate with the CMake target
regenerate_sampling_reference, or:  python3 tools/gen_sampling_reference.py tests/data/sampling_reference.csv
(without an argument the table goes to standard output).
"""
import sys
from decimal import Decimal as D, getcontext

getcontext().prec = 90
ONE = D(1)


def edm(n, smin, smax, rho):
    hi, lo = smax ** (ONE / rho), smin ** (ONE / rho)
    return [smax if i == 0 else smin if i == n - 1 else (hi + D(i) / D(n - 1) * (lo - hi)) ** rho for i in range(n)]


def geometric(n, smin, smax):
    return [smax if i == 0 else smin if i == n - 1 else smax * (smin / smax) ** (D(i) / D(n - 1)) for i in range(n)]


def chain(a, lam, mu, c, b):
    """Final mean offset and variance of the sampler for one direction, by backward products."""
    n = len(a)
    delta = [a[k] - a[k + 1] for k in range(n - 1)]
    r = [ONE - c * delta[k] / (lam + a[k]) for k in range(n - 1)]
    # Backward cumulative products: P[j] = prod_{i>=j} r_i^2, Q[j] = prod_{i>=j} r_i, P[n-1] = Q[n-1] = 1.
    P, Q = [ONE] * n, [ONE] * n
    for j in range(n - 2, -1, -1):
        Q[j] = Q[j + 1] * r[j]
        P[j] = P[j + 1] * r[j] * r[j]
    v = a[0] * P[0] + sum(delta[j] * P[j + 1] for j in range(n - 1))
    m = -mu * Q[0] + sum(b * delta[j] * Q[j + 1] for j in range(n - 1))
    return m, v


def kl_direction(a, lam, mu, c, b):
    m, v = chain(a, lam, mu, c, b)
    vp = lam + a[-1]
    q = vp / v
    return (q - 1 - q.ln() + m * m / v) / 2


def terms_direction(a, lam, mu, c, b):
    init = (mu * mu / a[0] + lam / a[0] - (ONE + lam / a[0]).ln()) / 2
    disc = D(0)
    score = D(0)
    for k in range(len(a) - 1):
        delta = a[k] - a[k + 1]
        x = delta / (lam + a[k])
        disc += -(ONE - x).ln() - x
        score += (ONE - c) ** 2 * x + b * b * delta
    return init, disc / 2, score / 2


def geometry(a):
    def s(x):
        return (ONE + x).ln() / 2

    kappa = D(0)
    for k in range(len(a) - 1):
        gamma = s(a[k]) - s(a[k + 1])
        kk = gamma / min(ONE, s(a[k + 1]))
        kappa = max(kappa, kk)
    log_span = max(D(0), -(a[-1].ln()))
    return kappa, log_span


def main():
    print("case,schedule,n_levels,sigma_min,sigma_max,rho,modes,c,b,quantity,value")
    schedules = [
        ("edm", "0.002", "80", "7"),
        ("geometric", "0.002", "80", ""),
        ("edm", "0.01", "50", "3"),
    ]
    datas = [
        [("0.25", "1", 1)],                                   # PAPER §6.1
        [("1", "0", 8)],                                      # isotropic, d = 8
        [("0.0001", "0.5", 1), ("100", "-2", 3)],             # near point mass and wide
        [(str(D(2) ** -j), "0.5" if j % 2 == 0 else "-0.5", 2 ** j) for j in range(11)],  # dyadic, d = 2047
    ]
    scores = [("1", "0"), ("0.9", "0"), ("1.1", "0.01")]
    case = 0
    for fam, smin, smax, rho in schedules:
        for n in (8, 18, 64, 256, 1024):
            sig = edm(n, D(smin), D(smax), D(rho)) if fam == "edm" else geometric(n, D(smin), D(smax))
            a = [x * x for x in sig]
            kappa, log_span = geometry(a)
            for modes in datas:
                dim = sum(mult for _, _, mult in modes)
                m2 = sum(mult * (D(mu) ** 2 + D(lam)) for lam, mu, mult in modes)
                fd = dim * kappa * kappa * (n - 1) + kappa * (dim * (ONE + log_span) + m2)
                for c, b in scores:
                    if len(modes) > 2 and n > 256:
                        continue  # keep the table small: the dyadic law up to N = 256
                    case += 1
                    kl = D(0)
                    init = disc = score = D(0)
                    fs = D(0)
                    for lam, mu, mult in modes:
                        L, M, C, B = D(lam), D(mu), D(c), D(b)
                        kl += mult * kl_direction(a, L, M, C, B)
                        i, dd, ss = terms_direction(a, L, M, C, B)
                        init += mult * i
                        disc += mult * dd
                        score += mult * ss
                    fs = 2 * score  # F_S = sum_k Delta_k eps_k^2 = 2 x the Girsanov score term (same model)
                    mode_text = ";".join(f"{lam}:{mu}:{mult}" for lam, mu, mult in modes)
                    head = f"{case},{fam},{n},{smin},{smax},{rho},{mode_text},{c},{b}"
                    for name, value in (("kl", kl), ("init", init), ("discretization", disc), ("score", score),
                                        ("kappa", kappa), ("F_D", fd), ("F_S", fs)):
                        print(f"{head},{name},{value:.50e}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        with open(sys.argv[1] + ".partial", "w") as out:
            sys.stdout = out
            main()
        sys.stdout = sys.__stdout__
        import os
        os.replace(sys.argv[1] + ".partial", sys.argv[1])
    else:
        main()
