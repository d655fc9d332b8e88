"""Lambda's bootstrap as far as the package can tell, run by tools.lambda_runtime.isolated_python.

Reads one request per line on stdin and answers with one JSON line on the original stdout; whatever
the app prints (Powertools logs, EMF metrics) goes to stderr, as on Lambda it goes to CloudWatch.

- `{"invoke": "app.app", "function": "APIHandler", "event": {...}}`: import the handler's module on
  first use (Lambda's init) and answer `{"result": handler(event, context)}`.
- `{"inspect": true}`: import every native extension module in the package, and answer which
  failed, which loaded modules come from outside the package, the SDK and the standard library,
  and which files this process has mapped (the shared libraries the loader found).

Any exception is answered as `{"error": traceback}`. This file runs with nothing but the package,
the SDK and the standard library on its path: it imports nothing else. It is handed to the
interpreter as code after a line that sets sys.path, hence no `from __future__` import.
"""
import importlib
import json
import os
import sys
import sysconfig
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"


class LambdaContext:
    """The context Lambda passes with each event: what Chalice and Powertools read from it."""

    def __init__(self, function_name: str, timeout_seconds: float = 60) -> None:
        region = os.environ.get("AWS_REGION", "ap-south-1")
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def handler(name: str) -> Any:
    """`module.attribute`, as the template's Handler names it."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def module_file(module: object) -> str | None:
    """A module's file, read from its instance dict so that a lazily loaded module (LazyLoader) stays unloaded."""
    try:
        namespace = object.__getattribute__(module, "__dict__")
    except AttributeError:  # cffi's compiled `Lib` objects sit in sys.modules without one
        return None
    file = namespace.get("__file__")
    return file if isinstance(file, str) else None


def inspect(task_root: Path, runtime_sdk: Path) -> dict[str, Any]:
    failed: dict[str, str] = {}
    imported: list[str] = []
    for path in sorted(task_root.rglob("*.so")):
        relative = path.relative_to(task_root)
        if any(part.endswith(".libs") for part in relative.parts):  # bundled libraries, not modules
            continue
        module = ".".join((*relative.parent.parts, path.name.split(".")[0]))
        try:
            importlib.import_module(module)
        except Exception as error:
            failed[module] = f"{type(error).__name__}: {error}"
        else:
            imported.append(module)
    roots = (str(task_root), str(runtime_sdk), sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
    files = {name: module_file(module) for name, module in list(sys.modules.items())}
    outside = sorted(f"{name}: {file}" for name, file in files.items() if file and not file.startswith(roots))
    with open("/proc/self/maps", encoding="utf-8") as maps:
        fields = [line.split(maxsplit=5) for line in maps]
    loaded = sorted({row[5].strip() for row in fields if len(row) == 6 and row[5].startswith("/")})
    return {"python": f"{sys.version_info[0]}.{sys.version_info[1]}", "sys_path": sys.path, "imported": imported,
            "failed": failed, "outside": outside, "loaded": loaded}


def main() -> None:
    task_root, runtime_sdk = Path(sys.argv[1]), Path(sys.argv[2])
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    for line in sys.stdin:
        request = json.loads(line)
        reply: dict[str, Any]
        try:
            if request.get("inspect"):
                reply = {"result": inspect(task_root, runtime_sdk)}
            else:
                function = handler(request["invoke"])
                reply = {"result": function(request["event"], LambdaContext(request["function"]))}
        except Exception:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()
