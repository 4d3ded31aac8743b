"""Exception hierarchies, else/finally, re-raising and error accumulation."""


class AppError(Exception):
    pass


class ParseError(AppError):
    def __init__(self, line, message):
        super().__init__(f"line {line}: {message}")
        self.line = line


class LimitError(AppError):
    pass


def parse(lines):
    out, errors = {}, []
    for i, line in enumerate(lines, 1):
        try:
            key, value = line.split("=")
            out[key.strip()] = int(value)
        except ValueError as exc:
            errors.append(ParseError(i, str(exc)))
        else:
            if out[key.strip()] > 100:
                errors.append(LimitError(f"{key.strip()} too large"))
        finally:
            out["_lines"] = i
    return out, errors


def safe_div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return float("inf")
    finally:
        pass


config, errs = parse(["a = 1", "b = x", "c = 500", "d", "e = 7"])
print(config)
for e in errs:
    print(type(e).__name__, e, isinstance(e, AppError))
print(safe_div(1, 0), safe_div(9, 3))
try:
    try:
        raise KeyError("missing")
    except KeyError as exc:
        raise AppError("wrapped") from exc
except AppError as exc:
    print(exc, "cause kept")
try:
    assert 1 + 1 == 3, "math is broken"
except AssertionError as exc:
    print("assert:", exc)
