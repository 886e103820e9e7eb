"""Train a small EDM-preconditioned MLP on the suite's 2-D Gaussian mixture with PyTorch (CPU), then check it
with diffbound.sampler_law on EDM (rho = 7) and geometric schedules at several N.

    PYTHONPATH=build/python python3 examples/pytorch_model/run_example.py --size smoke|full [--out DIR]

Exit status: 0 done, 1 a check failed (propagation failure or a VIOLATED derived bound), 77 skipped (no
PyTorch or numpy: ctest's SKIP_RETURN_CODE).
"""
import argparse
import json
import os
import sys
import time

try:
    import numpy as np  # noqa: F401
    import torch
except ImportError as e:
    print(f"SKIP: the PyTorch example needs python3-torch and python3-numpy ({e}); "
          "install them with apt-get install python3-torch python3-numpy")
    sys.exit(77)

import diffbound as db

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from edm_mlp import EdmMlp, score_callback, train  # noqa: E402

MIX2 = {"weights": [0.5, 0.5], "means": [[-1.0, -1.0], [1.0, 1.0]], "sds": [0.5, 0.5]}  # full.error's mix2
SIZES = {
    "smoke": dict(samples=2000, width=16, depth=2, steps=200, ns=[16], sigma_min=0.1),
    "full": dict(samples=20000, width=32, depth=2, steps=3000, ns=[16, 32], sigma_min=0.002),
}


def schedule(kind, n, sigma_min):
    s = {"kind": kind, "n_levels": n, "sigma_min": sigma_min, "sigma_max": 80.0}
    if kind == "edm":
        s["rho"] = 7
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=SIZES, default="smoke")
    ap.add_argument("--out", default=None, help="folder for results.json and the gnuplot data")
    args = ap.parse_args()
    cfg = SIZES[args.size]
    torch.set_num_threads(1)  # reproducible numbers (the docs show them)
    t_start = time.time()
    x = torch.from_numpy(db.draw(MIX2, cfg["samples"], seed=1)).float()
    sigma_data = float(x.std())
    torch.manual_seed(0)  # the initial weights: without it every run trains a different network
    model = EdmMlp(sigma_data, width=cfg["width"], depth=cfg["depth"])
    t0 = time.time()
    curve = train(model, x, cfg["steps"], seed=0)
    t_train = time.time() - t0
    print(f"trained: {cfg['steps']} Adam steps on {cfg['samples']} points, width {cfg['width']}, depth "
          f"{cfg['depth']}, sigma_data {sigma_data:.4f}; EDM loss {curve[0]:.4f} -> {curve[-1]:.4f} ({t_train:.1f} s)")
    score = score_callback(model)
    exact = lambda pts, s: db.mixture_score(MIX2, pts, s)  # noqa: E731
    rows, failed = [], False
    print(f"{'schedule':10s} {'N':>3s} {'KL':>10s} {'+-':>8s} {'KL exact':>10s} {'F_S':>10s} {'E_I':>9s} "
          f"{'E_D':>9s} {'E_S':>9s} {'bound':>9s} {'Girsanov':>9s} verdict   time")
    for kind in ("edm", "geometric"):
        for n in cfg["ns"]:
            s = schedule(kind, n, cfg["sigma_min"])
            r = db.sampler_law(score, MIX2, s, law=False)
            e = db.sampler_law(exact, MIX2, s, law=False)
            rows.append(dict(schedule=kind, N=n, KL=r["KL"], KL_error=r["KL_error"], KL_exact_score=e["KL"],
                             F_S=r["F_S"], F_S_error=r["F_S_error"], E_I=r["E_I"], E_D=r["E_D"], E_S=r["E_S"],
                             bound=r["bound"], girsanov_total=r["girsanov_total"], verdict=r["verdict"],
                             girsanov_verdict=r["girsanov_verdict"], failure=r["failure"],
                             seconds=r["diagnostics"]["seconds"], score_points=r["diagnostics"]["score_points"],
                             sigma=r["sigma"].tolist(), eps_sq=r["eps_sq"].tolist()))
            print(f"{kind:10s} {n:3d} {r['KL']:10.4e} {r['KL_error']:8.1e} {e['KL']:10.4e} {r['F_S']:10.3e} "
                  f"{r['E_I']:9.2e} {r['E_D']:9.3e} {r['E_S']:9.3e} {r['bound']:9.3e} {r['girsanov_total']:9.3e} "
                  f"{r['verdict']:9s} {r['diagnostics']['seconds']:.1f} s")
            if r["failure"] or r["verdict"] == "VIOLATED" or r["girsanov_verdict"] == "VIOLATED":
                failed = True
                print(f"  FAILED: {r['failure'] or r['reason']}")
    total = time.time() - t_start
    print(f"total {total:.1f} s (training {t_train:.1f} s)")
    if not curve[-1] < curve[0]:
        print("FAILED: the EDM loss did not decrease")
        failed = True
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(dict(size=args.size, config=cfg, loss_curve=curve, train_seconds=t_train,
                           total_seconds=total, rows=rows), f, indent=1)
        with open(os.path.join(args.out, "kl_vs_n.dat"), "w") as f:
            for kind in ("edm", "geometric"):
                f.write(f"# {kind}: N KL KL_error KL_exact_score bound girsanov_total E_S\n")
                for r in rows:
                    if r["schedule"] == kind:
                        f.write(f"{r['N']} {r['KL']:.6e} {r['KL_error']:.3e} {r['KL_exact_score']:.6e} "
                                f"{r['bound']:.6e} {r['girsanov_total']:.6e} {r['E_S']:.6e}\n")
                f.write("\n\n")
        with open(os.path.join(args.out, "eps_sq.dat"), "w") as f:
            for r in rows:
                f.write(f"{r['schedule']},N={r['N']} eps_sq\n")  # the block's title (gnuplot columnheader)
                for sk, ek in zip(r["sigma"], r["eps_sq"]):
                    f.write(f"{sk:.6e} {ek:.6e}\n")
                f.write("\n\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
