"""Example SageMaker script-mode training script for cdk-pytorch-sagemaker's TrainingJob.

It reads its hyperparameters the right way. The library JSON-encodes every value (as the SageMaker Python SDK does
for framework estimators), and the SageMaker training toolkit decodes them again, so:

* ``SM_HPS`` (environment, JSON) holds every hyperparameter with its declared type: ``bool``, ``int``, ``float``,
  ``str``, ``list``, ``dict``. This is the simplest correct source, and what ``hyperparameters()`` returns.
* The command-line arguments are ``str()`` of the decoded values: ``--use_amp False``, ``--layers [64, 32]``.
  ``argparse(type=bool)`` is WRONG there: ``bool("False")`` is ``True``. ``parse_args()`` shows typed converters.

Run locally without SageMaker:  SM_HPS='{"epochs": 1}' SM_MODEL_DIR=/tmp/model python train.py
"""
import argparse
import ast
import json
import os


def hyperparameters():
    """The typed hyperparameters, from the JSON the training toolkit puts in SM_HPS."""
    return json.loads(os.environ.get("SM_HPS", "{}"))


def str2bool(text):
    """argparse converter for the toolkit's ``--flag True`` / ``--flag False`` (never use ``type=bool``)."""
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError("expected True or False, got %r" % text)


def python_literal(text):
    """argparse converter for lists: the toolkit passes ``str(list)``, a Python literal such as ``['a', 'b']``."""
    return ast.literal_eval(text)


def parse_args(argv=None):
    """The same hyperparameters from the command line, with converters that keep their types."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--use_amp", type=str2bool, default=False)
    parser.add_argument("--optimizer", type=str, default="adam")
    parser.add_argument("--layers", type=python_literal, default=[64, 32])
    # A map arrives on the command line as k1=v1,k2=v2 (types lost): read maps from SM_HPS instead.
    args, _unknown = parser.parse_known_args(argv)
    return args


def main():
    import torch
    from torch import nn

    hps = hyperparameters()
    epochs = hps.get("epochs", 2)
    learning_rate = hps.get("learning_rate", 1e-3)
    use_amp = hps.get("use_amp", False)
    layers = hps.get("layers", [64, 32])
    print("hyperparameters:", {k: (v, type(v).__name__) for k, v in hps.items()})
    assert isinstance(use_amp, bool), "use_amp must arrive as a bool"

    device = "cuda" if torch.cuda.is_available() else "cpu"
    sizes = [16] + list(layers) + [1]
    blocks = []
    for a, b in zip(sizes, sizes[1:]):
        blocks += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*blocks[:-1]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    # torch.amp.GradScaler since torch 2.3; torch.cuda.amp's before (so the script also runs on an older local torch).
    grad_scaler = getattr(torch.amp, "GradScaler", None) or torch.cuda.amp.GradScaler
    scaler = grad_scaler(enabled=use_amp and device == "cuda")
    data_dir = os.environ.get("SM_CHANNEL_TRAIN")
    torch.manual_seed(0)
    x = torch.randn(1024, 16, device=device)
    y = x.sum(dim=1, keepdim=True)
    if data_dir and os.path.exists(os.path.join(data_dir, "data.pt")):
        x, y = (t.to(device) for t in torch.load(os.path.join(data_dir, "data.pt")))
    for epoch in range(epochs):
        optimizer.zero_grad()
        with torch.autocast(device_type=device, enabled=use_amp and device == "cuda"):
            loss = nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        # One line per epoch, matched by the metricDefinitions regex in ../stack.ts (metric train:loss).
        print("epoch=%d loss=%.6f" % (epoch, loss.item()))

    model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    os.makedirs(model_dir, exist_ok=True)
    # A TorchScript model.pt loads with the serving container's default model_fn as well as a custom one.
    torch.jit.script(model.cpu()).save(os.path.join(model_dir, "model.pt"))


if __name__ == "__main__":
    main()
