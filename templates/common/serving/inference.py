"""SageMaker PyTorch serving handlers: the starting point `cdk-pytorch-sagemaker init` writes.

The construct places this directory under code/ in the model archive, and the SageMaker PyTorch serving container
imports this module (SAGEMAKER_PROGRAM=inference.py): model_fn once at start-up, then for every request
input_fn -> predict_fn -> output_fn. Each function may take one more, last argument, `context` (the request's
context); leave it out unless you need it. Try it on this machine, without Docker or a deploy:

    npm run invoke-local
"""
import json
import logging
import os

import torch
from torch import nn

logger = logging.getLogger(__name__)

FEATURES = 4  # the width of each input row: training/train.py trains the same shape


def model_fn(model_dir):
    """Once, at start-up. `model_dir` is /opt/ml/model: model.tar.gz unpacked (what the training job wrote to
    SM_MODEL_DIR, or the archive you gave), with this directory as model_dir/code/. Returns the model, which
    predict_fn receives."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    path = os.path.join(model_dir, "model.pt")
    if os.path.exists(path):
        model = torch.jit.load(path, map_location=device)  # the TorchScript file train.py saves
    else:
        # No trained weights yet (a fresh scaffold): an untrained network of the same shape, so that the request
        # path can be tried end to end. Its answers mean nothing until model.pt is in the model directory.
        logger.warning("no model.pt in the model directory: serving an UNTRAINED network (its answers mean nothing)")
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(FEATURES, 16), nn.ReLU(), nn.Linear(16, 1))
    model.to(device).eval()
    return {"net": model, "device": device}


def input_fn(input_data, content_type):
    """Per request: the request body and its Content-Type header. The body is a str for application/json and
    text/csv, bytes for every other type (e.g. application/x-npy). Returns what predict_fn receives."""
    if content_type != "application/json":
        raise ValueError("unsupported content type %s: send application/json" % content_type)
    rows = json.loads(input_data)["inputs"]  # {"inputs": [[f1, f2, f3, f4], ...]}
    return torch.tensor(rows, dtype=torch.float32)


def predict_fn(data, model):
    """Per request: input_fn's result and model_fn's result. Returns what output_fn receives."""
    with torch.no_grad():
        return model["net"](data.to(model["device"])).cpu()


def output_fn(prediction, accept):
    """Per request: predict_fn's result and the request's Accept header (application/json when the caller sent
    none or */*). Returns the response body, or (body, content_type)."""
    return json.dumps({"outputs": prediction.squeeze(-1).tolist()}), "application/json"
