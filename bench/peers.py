#!/usr/bin/python3
"""The peers of the comparison (scripts/bench_compare.sh): the same computations written as a
researcher would write them in PyTorch, numpy and mpmath. Not part of the suite (which needs no Python).

  peers.py info                                 BLAS/threads of torch and numpy (torch.__config__, threadpoolctl)
  peers.py torch-step  --size small|large --threads T      one full-batch GD step, float64, timed
  peers.py torch-check --weights FILE           the same step on our exported weights: loss, |grad|^2, |W+|
  peers.py numpy-sampler  --N N --d D           exact Gaussian sampler recursion, vectorised over directions
  peers.py mpmath-sampler --N N --d D --bits B  the same recursion in mpmath at B bits

The network, loss and step are those of numerics/relu_network.hpp, dsm_loss.hpp, gradient_descent.hpp:
z = (u/(sqrt2 |u|), 1/sqrt2), u = (x/sqrt(1 + s^2), 0.25 ln s); h0 = relu(A z) (A fixed, so h0 is computed
once, as ours does); h_l = relu(W_l h_{l-1}), l = 1..L (trained); y = B h_L (B fixed); S = y/s;
r = s*S + xi (sigma_scaled residual); loss = 1/(2n) sum_j beta_j sum_i |r_ij|^2; W <- W - h grad.
Each result is one JSON line on stdout.
"""
import argparse
import json
import math
import os
import re
import sys
import time


def emit(d):
    print(json.dumps(d), flush=True)


def limit_threads(t):
    os.environ["OMP_NUM_THREADS"] = str(t)
    os.environ["OPENBLAS_NUM_THREADS"] = str(t)


SIZES = {"small": dict(n=64, N=16, d=16, m=256, L=3), "large": dict(n=256, N=32, d=32, m=1024, L=4)}


def step_flops(s):
    P = s["n"] * s["N"]
    return 2.0 * ((3 * s["L"] - 1) * s["m"] ** 2 * P + 2 * s["d"] * s["m"] * P)


class TorchStep:
    """The DSM problem and one GD step in torch (float64)."""

    def __init__(self, torch, X0, Xi, sigma, beta, c_n, A, Ws, B, h):
        self.t = torch
        d, n = X0.shape
        N = len(sigma)
        P = n * N
        sig = torch.tensor(sigma, dtype=torch.float64)
        col_sigma = sig.repeat_interleave(n)                      # column p = j*n + i
        x = X0[:, torch.arange(P) % n] + col_sigma * Xi           # x_ij = x0_i + s_j xi_ij
        cin = 1.0 / torch.sqrt(1.0 + col_sigma * col_sigma)       # edm scaling, sigma_data = 1
        u = torch.cat([cin * x, (0.25 * torch.log(col_sigma)).unsqueeze(0)], 0)
        u = u / torch.sqrt(2.0 * (u * u).sum(0))
        Z = torch.cat([u, torch.full((1, P), 1.0 / math.sqrt(2.0), dtype=torch.float64)], 0)
        self.H0 = torch.relu(A @ Z)                               # fixed input layer: once
        self.B = B
        self.Xi = Xi
        self.alpha = col_sigma * (1.0 / col_sigma)                # kappa * out = s * (1/s)
        self.w = c_n * torch.tensor(beta, dtype=torch.float64).repeat_interleave(n)
        self.W = [W.clone().requires_grad_(True) for W in Ws]
        self.h = h

    def step(self):
        t = self.t
        h = self.H0
        for W in self.W:
            h = t.relu(W @ h)
        y = self.B @ h
        r = self.alpha * y + self.Xi
        loss = (self.w * (r * r).sum(0)).sum()
        grads = t.autograd.grad(loss, self.W)
        with t.no_grad():
            gn = sum((g * g).sum() for g in grads)
            for W, g in zip(self.W, grads):
                W.sub_(self.h * g)
        return loss.item(), gn.item()


def torch_step(args):
    limit_threads(args.threads)
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    s = SIZES[args.size]
    g = torch.Generator().manual_seed(1)
    n, N, d, m, L = s["n"], s["N"], s["d"], s["m"], s["L"]
    P = n * N
    sigma = [0.02 * (100 / 0.02) ** (k / N) for k in range(1, N + 1)]
    beta = [1.0 / sigma[j] * (sigma[j] - (sigma[j - 1] if j else 0.02)) for j in range(N)]
    X0 = torch.randn(d, n, generator=g, dtype=torch.float64)
    Xi = torch.randn(d, P, generator=g, dtype=torch.float64)
    A = torch.randn(m, d + 2, generator=g, dtype=torch.float64) * math.sqrt(2 / m)
    Ws = [torch.randn(m, m, generator=g, dtype=torch.float64) * math.sqrt(2 / m) for _ in range(L)]
    B = torch.randn(d, m, generator=g, dtype=torch.float64) * math.sqrt(1 / d)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        st = TorchStep(torch, X0, Xi, sigma, beta, 1.0 / (2 * n), A, Ws, B, 1e-4)
        st.step()  # warm-up
        times = []
        t_end = time.perf_counter() + (2.0 if args.size == "small" else 0.0)
        while len(times) < 3 or time.perf_counter() < t_end:
            t0 = time.perf_counter()
            st.step()
            times.append(time.perf_counter() - t0)
    mean = sum(times) / len(times)
    emit({"peer": "pytorch", "what": "gd_step", "size": args.size, "threads": args.threads,
          "seconds": mean, "iterations": len(times), "GFLOPs": step_flops(s) / mean / 1e9,
          "torch": torch.__version__, "torch_threads": torch.get_num_threads()})


def torch_check(args):
    import torch
    with open(args.weights) as f:
        j = json.load(f)
    T = lambda a: torch.tensor(a, dtype=torch.float64)
    st = TorchStep(torch, T(j["X0"]), T(j["Xi"]), j["sigma"], j["beta"], j["c_n"], T(j["A"]),
                   [T(W) for W in j["W"]], T(j["B"]), j["step_size"])
    loss, gn = st.step()
    after = [torch.linalg.norm(W.detach()).item() for W in st.W]
    ours = j["ours"]
    rel = lambda a, b: abs(a - b) / abs(b)
    emit({"peer": "pytorch", "what": "step_equivalence", "size": j["size"],
          "loss": {"ours": ours["loss"], "torch": loss, "rel_diff": rel(loss, ours["loss"])},
          "grad_norm_sq": {"ours": ours["grad_norm_sq"], "torch": gn, "rel_diff": rel(gn, ours["grad_norm_sq"])},
          "weight_norms_after_rel_diff": max(rel(a, b) for a, b in zip(after, ours["weight_norms_after"]))})


def sampler_setup(N, d):
    lam = [0.5 + i / d for i in range(d)]
    mu = [(-0.1 if i % 2 else 0.1) for i in range(d)]
    sig = [80.0 * (0.002 / 80.0) ** (i / (N - 1)) for i in range(N)]
    return lam, mu, [s * s for s in sig], 0.9, 0.01


def numpy_sampler(args):
    import numpy as np
    lam_l, mu_l, a_l, c, b = sampler_setup(args.N, args.d)
    lam, mu, a = np.array(lam_l), np.array(mu_l), np.array(a_l)
    delta = a[:-1] - a[1:]

    def run():
        m = -mu.copy()
        e = -lam.copy()
        for k in range(len(delta)):  # e_{k+1} = r^2 e + 2(1-c)D + c^2 D x, m_{k+1} = r m + bD
            x = delta[k] / (lam + a[k])
            r = 1.0 - c * x
            m = r * m + b * delta[k]
            e = r * r * e + 2 * (1 - c) * delta[k] + c * c * delta[k] * x
        v = lam + a[-1]
        q = e / v  # KL(N(0,v) || N(m, v + e)) = 1/2 [log(1+q) - q/(1+q) + m^2/(v+e)]
        return 0.5 * np.sum(np.log1p(q) - q / (1 + q) + m * m / (v + e))

    kl = run()
    best = best_cpu = 1e300
    for _ in range(3):
        calls, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            run()
            calls += 1
            el = time.perf_counter() - t0
            if el > 0.5:
                break
        best = min(best, el / calls)
        best_cpu = min(best_cpu, (time.process_time() - c0) / calls)
    emit({"peer": "numpy", "what": "sampler", "N": args.N, "d": args.d, "bits": 53, "seconds": best,
          "cpu_seconds": best_cpu, "level_dims_per_s": (args.N - 1) * args.d / best,
          "level_dims_per_cpu_s": (args.N - 1) * args.d / best_cpu, "kl": float(kl), "numpy": np.__version__})


def mpmath_sampler(args):
    import mpmath
    mpmath.mp.prec = args.bits
    mpf = mpmath.mpf
    lam_l, mu_l, a_l, c, b = sampler_setup(args.N, args.d)
    # the same inputs as ours: doubles converted exactly
    lam, mu, a = [mpf(x) for x in lam_l], [mpf(x) for x in mu_l], [mpf(x) for x in a_l]
    c, b = mpf(c), mpf(b)
    delta = [a[k] - a[k + 1] for k in range(len(a) - 1)]
    bd = [b * dk for dk in delta]
    c2d = [c * c * dk for dk in delta]
    const = [2 * (1 - c) * dk for dk in delta]

    def run():
        kl = mpf(0)
        for i in range(len(lam)):
            L = lam[i]
            m, e = -mu[i], -L
            for k in range(len(delta)):
                x = delta[k] / (L + a[k])
                r = 1 - c * x
                m = r * m + bd[k]
                e = r * r * e + const[k] + c2d[k] * x
            v = L + a[-1]
            q = e / v
            kl += (mpmath.log1p(q) - q / (1 + q) + m * m / (v + e)) / 2
        return kl

    t0, c0 = time.perf_counter(), time.process_time()
    kl = run()
    el, cpu = time.perf_counter() - t0, time.process_time() - c0
    emit({"peer": "mpmath", "what": "sampler", "N": args.N, "d": args.d, "bits": args.bits, "seconds": el,
          "cpu_seconds": cpu, "level_dims_per_s": (args.N - 1) * args.d / el,
          "level_dims_per_cpu_s": (args.N - 1) * args.d / cpu, "kl": mpmath.nstr(kl, 20),
          "mpmath": mpmath.__version__, "backend": mpmath.libmp.BACKEND})


def info(args):
    import numpy
    import torch
    from threadpoolctl import threadpool_info
    cfg = torch.__config__.show()
    blas = re.findall(r"BLAS_INFO=\w+", cfg)
    emit({"peer": "info", "torch": torch.__version__, "torch_blas_info": blas,
          "torch_cpu_capability": [l.strip() for l in cfg.splitlines() if "CPU capability" in l],
          "numpy": numpy.__version__, "threadpools": threadpool_info()})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info")
    q = sub.add_parser("torch-step")
    q.add_argument("--size", choices=SIZES, required=True)
    q.add_argument("--threads", type=int, default=1)
    q = sub.add_parser("torch-check")
    q.add_argument("--weights", required=True)
    for name in ("numpy-sampler", "mpmath-sampler"):
        q = sub.add_parser(name)
        q.add_argument("--N", type=int, default=1024)
        q.add_argument("--d", type=int, default=256)
        q.add_argument("--bits", type=int, default=53)
    a = p.parse_args()
    {"info": info, "torch-step": torch_step, "torch-check": torch_check, "numpy-sampler": numpy_sampler,
     "mpmath-sampler": mpmath_sampler}[a.cmd.replace("_", "-")](a)


if __name__ == "__main__":
    main()
