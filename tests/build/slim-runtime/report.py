import json
import platform

print(json.dumps({"python": platform.python_version_tuple()[0], "status": "ok"}))
