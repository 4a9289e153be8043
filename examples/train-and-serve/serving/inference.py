"""SageMaker PyTorch serving handlers for the model that ../training/train.py trains.

train.py saves a TorchScript `model.pt` (16 inputs -> 1 output) at the root of the model directory; the construct
injects this file as code/inference.py, and the serving container imports it (SAGEMAKER_PROGRAM=inference.py).
"""
import json
import os

import torch


def model_fn(model_dir):
    """Loads the TorchScript model the training job wrote, on the GPU when there is one."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = torch.jit.load(os.path.join(model_dir, "model.pt"), map_location=device)
    model.eval()
    return {"net": model, "device": device}


def input_fn(input_data, content_type):
    """Accepts {"inputs": [[16 floats], ...]} as application/json."""
    if content_type != "application/json":
        raise ValueError(f"Unsupported content type {content_type}: send application/json")
    return torch.tensor(json.loads(input_data)["inputs"], dtype=torch.float32)


def predict_fn(data, model):
    with torch.no_grad():
        return model["net"](data.to(model["device"])).cpu()


def output_fn(prediction, accept):
    return json.dumps({"outputs": prediction.squeeze(-1).tolist()}), "application/json"
