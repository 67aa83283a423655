"""Every number of a JSON report, flattened to {path: value} (for comparing reports)."""


def numbers(obj, prefix: str = "") -> dict:
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list):
        items = enumerate(obj)
    else:
        ok = isinstance(obj, (int, float)) and not isinstance(obj, bool)
        return {prefix: obj} if ok else {}
    out = {}
    for k, v in items:
        out.update(numbers(v, f"{prefix}/{k}"))
    return out
