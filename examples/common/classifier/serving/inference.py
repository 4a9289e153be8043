"""SageMaker PyTorch serving handlers for the example classifier.

The PyTorch inference container imports this module (SAGEMAKER_PROGRAM=inference.py) from
/opt/ml/model/code and calls model_fn once per worker, then input_fn -> predict_fn -> output_fn per request.
"""
import json
import os

import torch


def model_fn(model_dir):
    """Builds the linear classifier from weights.json at the root of model.tar.gz."""
    with open(os.path.join(model_dir, "weights.json")) as f:
        params = json.load(f)
    weight = torch.tensor(params["weight"], dtype=torch.float32)
    bias = torch.tensor(params["bias"], dtype=torch.float32)
    model = torch.nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    model.eval()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return {"net": model.to(device), "device": device, "classes": params["classes"]}


def input_fn(input_data, content_type):
    """Accepts {"inputs": [[f1, f2, f3, f4], ...]} as application/json."""
    if content_type != "application/json":
        raise ValueError(f"Unsupported content type {content_type}: send application/json")
    body = json.loads(input_data)
    return torch.tensor(body["inputs"], dtype=torch.float32)


def predict_fn(data, model):
    with torch.no_grad():
        logits = model["net"](data.to(model["device"]))
        return torch.softmax(logits, dim=-1).cpu()


def output_fn(prediction, accept):
    """Returns the class probabilities and the index of the likeliest class, as JSON."""
    return json.dumps({
        "probabilities": prediction.tolist(),
        "predicted": prediction.argmax(dim=-1).tolist(),
    }), "application/json"
