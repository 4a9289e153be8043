"""invoke-local runner: one request against a model directory, the way the SageMaker PyTorch serving container
serves it, in this Python, without Docker.

Started by `cdk-pytorch-sagemaker invoke-local` (lib/cli/invoke-local.ts) as

    python invoke_local.py REQUEST.json

REQUEST.json: {"modelDir", "bodyFile", "contentType" (or null), "accept" (or null), "responseFile", "resultFile"}.
The response body is written to responseFile, and {"status", "contentType", "toolkit", "modelLoadMs", "invokeMs",
"warnings", "error", "traceback", "stage", "missingModule"} to resultFile ("missingModule": torch or numpy when the
failure is this Python lacking what the container has). stdout belongs to the user's code (the CLI shows it on its
stderr, as the container's log would); this file prints nothing itself.

When the real serving toolkit (`sagemaker_pytorch_serving_container`, with `sagemaker_inference`) is importable, the
request goes through its HandlerService, exactly as TorchServe calls it in the container. Otherwise the built-in
equivalent below applies the same rules, each stated where it is implemented with the toolkit source it follows:

  [T] sagemaker-inference-toolkit   src/sagemaker_inference/transformer.py          (Transformer)
  [E] sagemaker-inference-toolkit   src/sagemaker_inference/environment.py          (Environment)
  [C] sagemaker-inference-toolkit   src/sagemaker_inference/content_types.py
  [U] sagemaker-inference-toolkit   src/sagemaker_inference/utils.py                (parse_accept, content type header)
  [D] sagemaker-inference-toolkit   src/sagemaker_inference/decoder.py
  [N] sagemaker-inference-toolkit   src/sagemaker_inference/encoder.py
  [R] sagemaker-inference-toolkit   src/sagemaker_inference/errors.py
  [P] sagemaker-pytorch-inference-toolkit
                                    src/sagemaker_pytorch_serving_container/default_pytorch_inference_handler.py
  [S] sagemaker-pytorch-inference-toolkit  src/sagemaker_pytorch_serving_container/torchserve.py
  [O] pytorch/serve                 ts/protocol/otf_message_handler.py              (how a returned value becomes bytes)

Not reproduced: TorchServe itself (workers, batching, timeouts), the pip install of code/requirements.txt at start-up
([S] _install_requirements: here the packages it names that are missing are listed as a warning), GPUs this
machine lacks, and Elastic Inference.
"""
import importlib
import importlib.util
import inspect
import io
import json
import os
import re
import sys
import time
import traceback

# [E] DEFAULT_MODULE_NAME, parameters.USER_PROGRAM_ENV / DEFAULT_INVOCATIONS_ACCEPT_ENV.
DEFAULT_PROGRAM = "inference.py"
PROGRAM_ENV = "SAGEMAKER_PROGRAM"
DEFAULT_ACCEPT_ENV = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"

# [C] the content types, and the two whose request bodies the transformer decodes as UTF-8.
JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
NPZ = "application/x-npz"
ANY = "*/*"
UTF8_TYPES = [JSON, CSV]

# [U] CONTENT_TYPE_REGEX: the header is found under Content-Type, content-type, ContentType, ...
CONTENT_TYPE_REGEX = re.compile("^[Cc]ontent-?[Tt]ype")

# [P] DEFAULT_MODEL_FILENAME and the extensions its default_model_fn looks for.
DEFAULT_MODEL_FILENAME = "model.pt"
MODEL_FILE_EXTENSIONS = (".pt", ".pth")


class UnsupportedFormatError(Exception):
    """[R] UnsupportedFormatError: a plain Exception, so the transformer answers it with 500 like any other."""

    def __init__(self, content_type):
        super().__init__(
            "Content type %s is not supported by this framework.\n\n"
            "Please implement input_fn to to deserialize the request data or an output_fn to\n"
            "serialize the response. For more information, see the SageMaker Python SDK README." % content_type
        )


class ModelLoadError(Exception):
    """[P] ModelLoadError: torch.jit.load failed on the default model file."""


# ---------------------------------------------------------------------------------------------------------------
# The request context: the attributes and methods of TorchServe's ts.context.Context (and its RequestProcessor) that
# the toolkit and handler functions use. The toolkit passes the context of initialize() to every handler function
# that takes one ([T] validate_and_initialize keeps it in self._context).
# ---------------------------------------------------------------------------------------------------------------
class RequestProcessor(object):
    def __init__(self, request_header):
        self._request_header = request_header
        self._status_code = 200
        self._reason_phrase = None
        self._response_header = {}

    def get_request_property(self, key):
        return self._request_header.get(key)

    def get_request_properties(self):
        return self._request_header

    def report_status(self, code, reason_phrase=None):
        self._status_code = code
        self._reason_phrase = reason_phrase

    def get_response_status_code(self):
        return self._status_code

    def get_response_status_phrase(self):
        return self._reason_phrase

    def add_response_property(self, key, value):
        self._response_header[key] = value

    def get_response_headers(self):
        return self._response_header

    def get_response_header(self, key):
        return self._response_header.get(key)


class LocalContext(object):
    def __init__(self, model_dir, request_header):
        self.model_name = "model"
        self.manifest = {"model": {"modelName": "model", "handler": "sagemaker_pytorch_serving_container.handler_service"}}
        self.system_properties = {"model_dir": model_dir, "gpu_id": None, "batch_size": 1,
                                  "server_name": "invoke-local", "server_version": "local", "limit_max_image_pixels": True}
        self.request_ids = {0: "invoke-local"}
        self.request_processor = [RequestProcessor(request_header)]
        self.metrics = None

    def get_request_id(self, idx=0):
        return self.request_ids.get(idx)

    def get_request_header(self, idx, key):
        return self.request_processor[idx].get_request_property(key)

    def get_all_request_header(self, idx):
        return self.request_processor[idx].get_request_properties()

    def set_response_content_type(self, idx, value):
        self.set_response_header(idx, "content-type", value)

    def get_response_content_type(self, idx):
        return self.get_response_headers(idx).get("content-type")

    def get_response_status(self, idx):
        processor = self.request_processor[idx]
        return processor.get_response_status_code(), processor.get_response_status_phrase()

    def set_response_status(self, code=200, phrase="", idx=0):
        self.request_processor[idx].report_status(code, phrase)

    def set_response_header(self, idx, key, value):
        self.request_processor[idx].add_response_property(key, value)

    def get_response_headers(self, idx):
        return self.request_processor[idx].get_response_headers()


# ---------------------------------------------------------------------------------------------------------------
# The container's default handlers, for the functions the user module omits ([P] DefaultPytorchInferenceHandler, on
# top of [D] and [N]). They need torch and numpy, as in the container; torch is imported only when one is used.
# ---------------------------------------------------------------------------------------------------------------
class PytorchDefaults(object):
    @staticmethod
    def _torch():
        # Imported here: a user module with all four functions needs no torch. Without it the ModuleNotFoundError
        # goes up as it is, and main() reports it as this machine's Python lacking torch (the container has it).
        import torch
        return torch

    def default_model_fn(self, model_dir):
        # [P] default_model_fn: model.pt, else exactly one *.pt / *.pth in model_dir, loaded with torch.jit.load.
        torch = self._torch()
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model_path = os.path.join(model_dir, DEFAULT_MODEL_FILENAME)
        if not os.path.exists(model_path):
            model_files = [f for f in os.listdir(model_dir)
                           if os.path.isfile(os.path.join(model_dir, f)) and os.path.splitext(f)[1] in MODEL_FILE_EXTENSIONS]
            if len(model_files) != 1:
                raise ValueError("Exactly one .pth or .pt file is required for PyTorch models: {}".format(model_files))
            model_path = os.path.join(model_dir, model_files[0])
        try:
            model = torch.jit.load(model_path, map_location=device)
        except RuntimeError as e:
            raise ModelLoadError("Failed to load {}. Please ensure model is saved using torchscript.".format(model_path)) from e
        return model.to(device)

    def default_input_fn(self, input_data, content_type):
        # [P] default_input_fn: [D] decode to a numpy array, then a FloatTensor for the UTF-8 types (JSON, CSV) or
        # torch.from_numpy for NPY, on the GPU when there is one.
        torch = self._torch()
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        np_array = decode(input_data, content_type)
        tensor = torch.FloatTensor(np_array) if content_type in UTF8_TYPES else torch.from_numpy(np_array)
        return tensor.to(device)

    def default_predict_fn(self, data, model):
        # [P] default_predict_fn: no_grad, model and data on one device, eval mode, model(data).
        torch = self._torch()
        with torch.no_grad():
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            model = model.to(device)
            input_data = data.to(device)
            model.eval()
            return model(input_data)

    def default_output_fn(self, prediction, accept):
        # [P] default_output_fn: a tensor becomes a list; the first type of the Accept header ([U] parse_accept:
        # spaces removed, split on commas, parameters kept) that [N] can encode wins; CSV is returned as bytes. It
        # returns the body alone, so the response's content type is the Accept header as sent.
        torch = self._torch()
        if type(prediction) == torch.Tensor:
            prediction = prediction.detach().cpu().numpy().tolist()
        for content_type in accept.replace(" ", "").split(","):
            if content_type in ENCODERS:
                encoded = ENCODERS[content_type](prediction)
                return encoded.encode("utf-8") if content_type == CSV else encoded
        raise UnsupportedFormatError(accept)


def decode(obj, content_type):
    """[D] decode: JSON -> np.array(json.loads), CSV -> np.genfromtxt(delimiter=","), NPY -> np.load(allow_pickle=True),
    NPZ -> scipy.sparse.load_npz; any other type -> UnsupportedFormatError."""
    import numpy as np
    if content_type == JSON:
        return np.array(json.loads(obj))
    if content_type == CSV:
        return np.genfromtxt(io.StringIO(obj), delimiter=",")
    if content_type == NPY:
        return np.load(io.BytesIO(obj), allow_pickle=True)
    if content_type == NPZ:
        import scipy.sparse
        return scipy.sparse.load_npz(io.BytesIO(obj))
    raise UnsupportedFormatError(content_type)


def _array_to_json(array_like):
    # [N] _array_to_json: json.dumps, with .tolist() for what json cannot encode (numpy arrays and scalars).
    def default(value):
        if hasattr(value, "tolist"):
            return value.tolist()
        return json.JSONEncoder().default(value)
    return json.dumps(array_like, default=default)


def _array_to_npy(array_like):
    import numpy as np
    buffer = io.BytesIO()
    np.save(buffer, array_like)
    return buffer.getvalue()


def _array_to_csv(array_like):
    import numpy as np
    stream = io.StringIO()
    np.savetxt(stream, array_like, delimiter=",", fmt="%s")
    return stream.getvalue()


# [N] _encoder_map / SUPPORTED_CONTENT_TYPES.
ENCODERS = {NPY: _array_to_npy, CSV: _array_to_csv, JSON: _array_to_json}


# ---------------------------------------------------------------------------------------------------------------
# The transformer: which functions run, with which arguments, and what the response is ([T] Transformer).
# ---------------------------------------------------------------------------------------------------------------
class BuiltinTransformer(object):
    def __init__(self):
        self._defaults = PytorchDefaults()
        self._context = None
        self._model = None
        self.warnings = []

    def validate_and_initialize(self, model_dir, context):
        """[T] validate_and_initialize: read the environment, pick the functions, then pre_model_fn(model_dir),
        model_fn(model_dir) once, model_warmup_fn(model_dir, model)."""
        self._context = context
        program = os.environ.get(PROGRAM_ENV, DEFAULT_PROGRAM)
        # [E] _parse_module_name: "inference.py" names the module "inference".
        module_name = program[:-3] if program.endswith(".py") else program
        # [E] default_accept: SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, else application/json.
        self._default_accept = os.environ.get(DEFAULT_ACCEPT_ENV, JSON)
        self._set_functions(module_name)
        if self._pre_model_fn is not None:
            self._run_handler_function(self._pre_model_fn, model_dir)
        self._model = self._run_handler_function(self._model_fn, model_dir)
        if self._model_warmup_fn is not None:
            self._run_handler_function(self._model_warmup_fn, model_dir, self._model)

    def _set_functions(self, module_name):
        """[T] _validate_user_module_and_set_functions."""
        d = self._defaults
        self._pre_model_fn = None
        self._model_warmup_fn = None
        # The module is looked up on the Python path, where code/ comes first ([S] _set_python_path). A missing
        # module is not an error in the container: every function falls back to the defaults.
        if importlib.util.find_spec(module_name) is None:
            self.warnings.append(
                "no module %r in code/: the container would serve with its default handlers only" % module_name)
            self._model_fn, self._transform_fn = d.default_model_fn, self._default_transform_fn
            self._input_fn, self._predict_fn, self._output_fn = d.default_input_fn, d.default_predict_fn, d.default_output_fn
            return
        user_module = importlib.import_module(module_name)
        self._model_fn = getattr(user_module, "model_fn", d.default_model_fn)
        transform_fn = getattr(user_module, "transform_fn", None)
        input_fn = getattr(user_module, "input_fn", None)
        predict_fn = getattr(user_module, "predict_fn", None)
        output_fn = getattr(user_module, "output_fn", None)
        # Newer toolkits also call these two when the module defines them.
        self._pre_model_fn = getattr(user_module, "pre_model_fn", None)
        self._model_warmup_fn = getattr(user_module, "model_warmup_fn", None)
        if transform_fn and (input_fn or predict_fn or output_fn):
            raise ValueError("Cannot use transform_fn implementation in conjunction with "
                             "input_fn, predict_fn, and/or output_fn implementation")
        self._transform_fn = transform_fn or self._default_transform_fn
        self._input_fn = input_fn or d.default_input_fn
        self._predict_fn = predict_fn or d.default_predict_fn
        self._output_fn = output_fn or d.default_output_fn

    def _default_transform_fn(self, model, input_data, content_type, accept, context=None):
        """[T] _default_transform_fn: input_fn(body, content_type) -> predict_fn(data, model) -> output_fn(prediction, accept)."""
        data = self._run_handler_function(self._input_fn, input_data, content_type)
        prediction = self._run_handler_function(self._predict_fn, data, model)
        return self._run_handler_function(self._output_fn, prediction, accept)

    def _run_handler_function(self, func, *argv):
        """[T] _run_handler_function: the arity of the function (inspect.signature, defaults and *args included)
        decides whether the context goes in as one extra trailing argument."""
        num_func_input = len(inspect.signature(func).parameters)
        if num_func_input == len(argv):
            return func(*argv)
        if num_func_input == len(argv) + 1:
            return func(*(argv + (self._context,)))
        raise TypeError("{} takes {} arguments but {} were given.".format(func.__name__, num_func_input, len(argv)))

    def transform(self, data, context):
        """[T] transform, for each request: content type from the Content-Type header ([U]
        retrieve_content_type_header), Accept "*/*" or absent -> the default accept, the body decoded as UTF-8
        exactly when the content type is one of [C] UTF8_TYPES (so "application/json; charset=utf-8" stays bytes),
        transform_fn(model, body, content_type, accept), a (body, content_type) tuple sets the response type, any
        exception answers 500 with the message and the trace."""
        try:
            response_list = []
            for i in range(len(data)):
                input_data = data[i].get("body")
                request_property = context.request_processor[0].get_request_properties()
                content_type = next((v for k, v in request_property.items() if CONTENT_TYPE_REGEX.match(k)), None)
                accept = request_property.get("Accept") or request_property.get("accept")
                if not accept or accept == ANY:
                    accept = self._default_accept
                if content_type in UTF8_TYPES:
                    input_data = input_data.decode("utf-8")
                result = self._run_handler_function(self._transform_fn, self._model, input_data, content_type, accept)
                response, response_content_type = result, accept
                if isinstance(result, tuple):
                    response, response_content_type = result[0], result[1]
                context.set_response_content_type(0, response_content_type)
                response_list.append(response)
            return response_list
        except Exception as e:  # noqa: B902  (the container answers every exception)
            # [T] handle_error with GenericInferenceToolkitError(500, str(e)) ([R]): status and phrase on the
            # context, "message\ntrace" as the body.
            # (The toolkit's own BaseInferenceToolkitError subclasses carry other codes; without the toolkit, user
            # code cannot raise them.)
            trace = user_traceback(e)
            context.set_response_status(code=500, phrase=str(e).replace("\r", " ").replace("\n", " "))
            return ["{}\n{}".format(str(e), trace)]


class BuiltinHandlerService(object):
    """The shape of the toolkit's HandlerService: initialize(context) at start-up, handle(data, context) per request."""

    def __init__(self):
        self._service = BuiltinTransformer()

    def initialize(self, context):
        self._service.validate_and_initialize(context.system_properties["model_dir"], context)

    def handle(self, data, context):
        return self._service.transform(data, context)

    @property
    def warnings(self):
        return self._service.warnings


def user_traceback(error):
    """The traceback from the first frame outside this file and importlib's machinery: the user's code, not the runner."""
    tb = error.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename == __file__ or "importlib" in tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


# What the SageMaker PyTorch serving container has installed: a model that cannot import one of these here fails
# because of this machine's Python, not because of anything the endpoint would do.
CONTAINER_MODULES = ("torch", "numpy")
NO_MODULE_REGEX = re.compile(r"No module named '([A-Za-z0-9_]+)[.']")


def container_module_missing(error=None, text=None):
    """The container module (torch, numpy) that `error` (a ModuleNotFoundError) or `text` (the first line of a 500
    answer: "No module named 'torch'") says is missing, or None."""
    name = None
    if isinstance(error, ModuleNotFoundError) and error.name:
        name = error.name
    elif text is not None:
        match = NO_MODULE_REGEX.match(text)
        name = match.group(1) if match else None
    root = name.split(".")[0] if name else None
    return root if root in CONTAINER_MODULES else None


def toolkit_handler_service():
    """The real toolkit's HandlerService and its version, or None when it is not importable here."""
    if importlib.util.find_spec("sagemaker_pytorch_serving_container") is None:
        return None
    from sagemaker_pytorch_serving_container.handler_service import HandlerService
    try:
        from importlib.metadata import version
        label = "sagemaker-pytorch-inference " + version("sagemaker-pytorch-inference")
    except Exception:  # noqa: B902  (a source checkout has no distribution metadata)
        label = "sagemaker-pytorch-inference"
    return HandlerService(), label


def response_bytes(value):
    """[O] create_predict_response: bytes as they are, str as UTF-8, a torch.Tensor through torch.save, anything else
    json.dumps(value, indent=2); what json cannot encode makes a 503 "Unsupported model output data type."."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), None
    if isinstance(value, str):
        return value.encode("utf-8"), None
    if type(value).__module__ == "torch" and type(value).__name__ == "Tensor":
        import torch
        buffer = io.BytesIO()
        torch.save(value, buffer)
        return buffer.getvalue(), None
    try:
        return json.dumps(value, indent=2).encode("utf-8"), None
    except TypeError:
        return b"Unsupported model output data type.", 503


def missing_requirements(code_dir):
    """Distributions named in code/requirements.txt that this Python does not have ([S] _install_requirements would
    pip-install them at start-up; invoke-local installs nothing)."""
    path = os.path.join(code_dir, "requirements.txt")
    if not os.path.isfile(path):
        return []
    try:
        from importlib.metadata import PackageNotFoundError, distribution
    except ImportError:
        return []
    missing = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-") or "://" in line:
                continue
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
            if not match:
                continue
            try:
                distribution(match.group(0))
            except PackageNotFoundError:
                missing.append(match.group(0))
    return missing


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    model_dir = request["modelDir"]
    code_dir = os.path.join(model_dir, "code")
    result = {"status": None, "contentType": None, "toolkit": "built-in", "modelLoadMs": None, "invokeMs": None,
              "warnings": [], "error": None, "traceback": None, "stage": None, "missingModule": None}

    def finish(body=b""):
        with open(request["responseFile"], "wb") as out:
            out.write(body)
        with open(request["resultFile"], "w", encoding="utf-8") as out:
            json.dump(result, out)

    # [S] _set_python_path: the container puts code/ first on PYTHONPATH; this script's own folder is not there.
    sys.path[:] = [code_dir] + [p for p in sys.path[1:]]
    missing = missing_requirements(code_dir)
    if missing:
        result["warnings"].append(
            "code/requirements.txt names packages %s has not installed: %s (the container pip-installs them at "
            "start-up; invoke-local installs nothing)" % (sys.executable, ", ".join(missing)))

    headers = {}
    if request.get("contentType") is not None:
        headers["Content-Type"] = request["contentType"]
    if request.get("accept") is not None:
        headers["Accept"] = request["accept"]
    context = LocalContext(model_dir, headers)

    started = time.perf_counter()
    try:
        real = toolkit_handler_service()
        if real is not None:
            service, result["toolkit"] = real
        else:
            service = BuiltinHandlerService()
        service.initialize(context)
    except (Exception, SystemExit) as e:  # noqa: B902  (a sys.exit() in model_fn is a failure too; Ctrl-C is not)
        result["stage"] = "model_fn"
        result["missingModule"] = container_module_missing(error=e)
        result["error"] = "the model did not load (the container would fail its health check): %s: %s" % (type(e).__name__, e)
        result["traceback"] = user_traceback(e)
        result["warnings"] += getattr(service, "warnings", []) if "service" in locals() else []
        return finish()
    result["modelLoadMs"] = round((time.perf_counter() - started) * 1000, 3)
    result["warnings"] += getattr(service, "warnings", [])

    with open(request["bodyFile"], "rb") as f:
        body = f.read()
    started = time.perf_counter()
    responses = service.handle([{"body": body}], context)
    result["invokeMs"] = round((time.perf_counter() - started) * 1000, 3)

    status, _phrase = context.get_response_status(0)
    payload, override = response_bytes(responses[0])
    result["status"] = override or status or 200
    result["contentType"] = context.get_response_content_type(0)
    if result["status"] != 200:
        text = payload.decode("utf-8", "replace")
        first = text.split("\n", 1)[0]
        result["stage"] = "request"
        result["missingModule"] = container_module_missing(text=first)
        result["error"] = "the request failed with status %d: %s" % (result["status"], first)
        result["traceback"] = text.split("\n", 1)[1] if "\n" in text else None
    finish(payload)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # This runs in its own process group: the CLI, interrupted, stops it (SIGTERM, then SIGKILL) and removes the
        # files; a SIGINT sent here directly ends it quietly as well.
        sys.exit(130)
