"""A small EDM-preconditioned MLP denoiser for 2-D data, and its training with the EDM loss weighting.

The preconditioning of Karras et al. (2022, "Elucidating the design space of diffusion-based generative
models", Table 1, the "EDM" column), for the VE process x_sigma = x_0 + sigma n:

    D(x; sigma) = c_skip(sigma) x + c_out(sigma) F(c_in(sigma) x, c_noise(sigma)),
    c_skip = sigma_data^2 / (sigma^2 + sigma_data^2),   c_out = sigma sigma_data / sqrt(sigma^2 + sigma_data^2),
    c_in   = 1 / sqrt(sigma^2 + sigma_data^2),           c_noise = ln(sigma) / 4,

trained on  E_{sigma, x_0, n} lambda(sigma) || D(x_0 + sigma n; sigma) - x_0 ||^2  with
lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2 and ln sigma ~ N(P_mean, P_std^2). The
score of the model is (D(x; sigma) - x) / sigma^2 (Tweedie). Written for this example from the paper's
formulas.
"""
import math

import torch


class EdmMlp(torch.nn.Module):
    """F is an MLP on (c_in x, c_noise) with SiLU activations (smooth: the sampler's map has a Jacobian)."""

    def __init__(self, sigma_data, width=128, depth=3, dim=2):
        super().__init__()
        self.sigma_data = float(sigma_data)
        layers, d_in = [], dim + 1
        for _ in range(depth):
            layers += [torch.nn.Linear(d_in, width), torch.nn.SiLU()]
            d_in = width
        layers.append(torch.nn.Linear(d_in, dim))
        self.F = torch.nn.Sequential(*layers)

    def coefficients(self, sigma):
        sd2 = self.sigma_data ** 2
        s2 = sigma * sigma
        c_skip = sd2 / (s2 + sd2)
        c_out = sigma * self.sigma_data / torch.sqrt(s2 + sd2)
        c_in = 1 / torch.sqrt(s2 + sd2)
        c_noise = torch.log(sigma) / 4
        return c_skip, c_out, c_in, c_noise

    def forward(self, x, sigma):
        """D(x; sigma) for x of shape (n, dim) and sigma of shape (n, 1) (or a number)."""
        sigma = torch.as_tensor(sigma, dtype=x.dtype).expand(x.shape[0], 1)
        c_skip, c_out, c_in, c_noise = self.coefficients(sigma)
        return c_skip * x + c_out * self.F(torch.cat([c_in * x, c_noise], dim=1))

    def score(self, x, sigma):
        """The model's score (D(x; sigma) - x) / sigma^2."""
        return (self(x, sigma) - x) / (sigma * sigma)


def edm_loss(model, x0, p_mean=-1.2, p_std=1.2):
    """The EDM loss on a batch: ln sigma ~ N(p_mean, p_std^2), weight lambda(sigma)."""
    sigma = torch.exp(p_mean + p_std * torch.randn(x0.shape[0], 1, dtype=x0.dtype))
    sd = model.sigma_data
    weight = (sigma ** 2 + sd ** 2) / (sigma * sd) ** 2
    noised = x0 + sigma * torch.randn_like(x0)
    return (weight * (model(noised, sigma) - x0) ** 2).sum(dim=1).mean()


def train(model, data, steps, batch=512, lr=2e-3, seed=0, log=None):
    """Adam with a cosine decay to lr/50 over `steps`; minibatches drawn from the training set `data`.
    Returns the loss averaged over each tenth of the run."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(k, steps) / steps)))
    curve, acc, n_acc, chunk = [], 0.0, 0, max(1, steps // 10)
    for k in range(steps):
        idx = torch.randint(0, data.shape[0], (batch,), generator=gen)
        loss = edm_loss(model, data[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        acc, n_acc = acc + loss.item(), n_acc + 1
        if (k + 1) % chunk == 0 or k + 1 == steps:
            curve.append(acc / n_acc)
            if log:
                log(f"  step {k + 1:6d}  loss {acc / n_acc:.4f}")
            acc, n_acc = 0.0, 0
    return curve


def score_callback(model):
    """The model as diffbound's score callable: numpy (n, 2) and sigma in, numpy scores out, in float64
    (the grid propagation differentiates the map by differences at steps ~1e-6: float32 rounding would be
    amplified into the Jacobian)."""
    m64 = model.double().eval()

    def score(x, sigma):
        with torch.no_grad():
            return m64.score(torch.from_numpy(x), float(sigma)).numpy()

    return score
