"""SageMaker script-mode training: the starting point `cdk-pytorch-sagemaker init` writes.

The training job runs this file in the PyTorch training container. Where its inputs come from:

* Hyperparameters: `training.hyperparameters` in bin/app.ts. The library JSON-encodes each value and the training
  toolkit decodes it, so SM_HPS (JSON) holds them with their declared types: Hyperparameter.integer(20) arrives as
  the int 20, Hyperparameter.boolean(true) as True. Read them there: the command-line copies (--shuffle True) are
  str() of each value, and argparse(type=bool) reads "False" as True.
* Data: each channel of `training.inputs` is downloaded to /opt/ml/input/data/<channel>, and SM_CHANNEL_<CHANNEL>
  holds that path (SM_CHANNEL_TRAIN for a channel named train).
* Output: what this script writes to SM_MODEL_DIR (/opt/ml/model) becomes model.tar.gz, which the endpoint
  serves with serving/ as its code/.

Run it on this machine (writes model/model.pt; needs a Python with torch): npm run train-local, or
PYTHON=/path/to/python3 npm run train-local when python3 has no torch.
"""
import json
import os

import torch
from torch import nn

FEATURES = 4  # serving/inference.py expects rows of the same width


def hyperparameters():
    """The typed hyperparameters from SM_HPS, over the defaults used when the script runs locally."""
    defaults = {"epochs": 20, "learning_rate": 0.01, "hidden_units": 16, "batch_size": 64, "shuffle": True}
    return {**defaults, **json.loads(os.environ.get("SM_HPS", "{}"))}


def load_data(channel_dir):
    """The train channel's data.csv (each line: FEATURES inputs, then the target), or synthetic data when there is
    no channel (a local run, or a job without inputs)."""
    path = os.path.join(channel_dir, "data.csv") if channel_dir else None
    if path and os.path.exists(path):
        with open(path) as f:
            rows = torch.tensor([[float(v) for v in line.split(",")] for line in f if line.strip()])
        return rows[:, :FEATURES], rows[:, FEATURES:]
    torch.manual_seed(0)
    x = torch.randn(1024, FEATURES)
    return x, x.sum(dim=1, keepdim=True)


def main():
    hps = hyperparameters()
    print("hyperparameters:", {name: (value, type(value).__name__) for name, value in hps.items()})
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x, y = (t.to(device) for t in load_data(os.environ.get("SM_CHANNEL_TRAIN")))
    model = nn.Sequential(nn.Linear(FEATURES, hps["hidden_units"]), nn.ReLU(), nn.Linear(hps["hidden_units"], 1)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=hps["learning_rate"])
    for epoch in range(hps["epochs"]):
        order = torch.randperm(len(x), device=device) if hps["shuffle"] else torch.arange(len(x), device=device)
        for start in range(0, len(x), hps["batch_size"]):
            batch = order[start:start + hps["batch_size"]]
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        print("epoch=%d loss=%.6f" % (epoch, loss.item()))
    model_dir = os.environ.get("SM_MODEL_DIR", "model")
    os.makedirs(model_dir, exist_ok=True)
    # TorchScript: serving/inference.py (and the container's default loader) read it without this file's code.
    torch.jit.script(model.cpu()).save(os.path.join(model_dir, "model.pt"))


if __name__ == "__main__":
    main()
