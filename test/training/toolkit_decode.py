"""A faithful re-statement of how the SageMaker training toolkit (aws/sagemaker-training-toolkit v5.1) decodes and
delivers hyperparameters, used to check what a training script receives for the values the library encodes.

- environment.read_hyperparameters: json.loads each value, keeping the raw string on ValueError/TypeError;
- environment: keys starting with 'sagemaker_' (and the fixed SAGEMAKER_HYPERPARAMETERS) are split off;
- mapping.to_env_vars: SM_HPS = json of the user hyperparameters, SM_HP_<KEY.upper()> = raw str or compact json;
- mapping.to_cmd_args: sorted keys, '--key' ('-k' for one character), str() of the decoded value, dicts as k=v,...

Reads {"hyperparameters": {name: encoded string}} on stdin; prints what the script sees, with Python type names.
"""
import argparse
import json
import os
import sys

SAGEMAKER_PREFIX = "sagemaker_"
SAGEMAKER_HYPERPARAMETERS = {
    "sagemaker_program", "sagemaker_submit_directory", "sagemaker_region", "sagemaker_container_log_level",
    "sagemaker_job_name", "sagemaker_enable_cloudwatch_metrics", "sagemaker_s3_output", "default_user_module_name",
    "_tuning_objective_metric",
}


def read_hyperparameters(raw):
    decoded = {}
    for k, v in raw.items():
        try:
            decoded[k] = json.loads(v)
        except (ValueError, TypeError):
            decoded[k] = v
    return decoded


def split_by_criteria(dictionary, keys, prefix):
    matching = {k: v for k, v in dictionary.items() if k in keys or k.startswith(prefix)}
    rest = {k: v for k, v in dictionary.items() if k not in matching}
    return matching, rest


def format_env_value(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _decode(obj):
    if obj is None:
        return ""
    if isinstance(obj, bytes):
        return obj.decode("latin1")
    return str(obj)


def to_cmd_args(mapping):
    sorted_keys = sorted(mapping.keys())

    def arg_name(obj):
        string = _decode(obj)
        if string:
            return "--%s" % string if len(string) > 1 else "-%s" % string
        return ""

    def arg_value(value):
        if hasattr(value, "items"):
            return ",".join("%s=%s" % (k, v) for k, v in sorted(value.items()))
        return _decode(value)

    args = []
    for key in sorted_keys:
        args += [arg_name(key), arg_value(mapping[key])]
    return args


def main():
    raw = json.load(sys.stdin)["hyperparameters"]
    decoded = read_hyperparameters(raw)
    framework, user = split_by_criteria(decoded, SAGEMAKER_HYPERPARAMETERS, SAGEMAKER_PREFIX)
    env = {"SM_HPS": format_env_value(user)}
    env.update({"SM_HP_%s" % k.upper(): format_env_value(v) for k, v in user.items()})
    sm_hps = json.loads(env["SM_HPS"])
    cmd_args = to_cmd_args(user)

    # argparse(type=bool), the trap: every non-empty string, "False" included, is True.
    naive = argparse.ArgumentParser()
    for k, v in user.items():
        if isinstance(v, bool):
            naive.add_argument("--" + k, type=bool)
    naive_args, _ = naive.parse_known_args(cmd_args)

    out = {
        "framework": {k: [v, type(v).__name__] for k, v in framework.items()},
        "decoded": {k: [v, type(v).__name__] for k, v in user.items()},
        "sm_hps": {k: [v, type(v).__name__] for k, v in sm_hps.items()},
        "sm_hp_env": {k: env["SM_HP_%s" % k.upper()] for k in user},
        "cmd_args": cmd_args,
        "argparse_type_bool": {k: v for k, v in vars(naive_args).items()},
    }
    # The example training script's own readers, on the same environment and arguments.
    example_dir = os.environ.get("EXAMPLE_DIR")
    if example_dir:
        sys.path.insert(0, example_dir)
        os.environ["SM_HPS"] = env["SM_HPS"]
        import train  # noqa: E402
        from_env = train.hyperparameters()
        args = vars(train.parse_args(cmd_args))
        out["example_hyperparameters"] = {k: [v, type(v).__name__] for k, v in from_env.items()}
        out["example_args"] = {k: [v, type(v).__name__] for k, v in args.items()}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
