"""A hand-written serializer and parser for a JSON-like format (no json module)."""


def dumps(value, indent=0):
    pad = " " * indent
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{pad}  {dumps(str(k))}: {dumps(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    raise TypeError(type(value).__name__)


class Parser:
    def __init__(self, text):
        self.text = text
        self.i = 0

    def ws(self):
        while self.i < len(self.text) and self.text[self.i] in " \n\t,:":
            self.i += 1

    def value(self):
        self.ws()
        ch = self.text[self.i]
        if ch == "{":
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.text[self.i] == "}":
                    self.i += 1
                    return out
                key = self.value()
                out[key] = self.value()
        if ch == "[":
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.text[self.i] == "]":
                    self.i += 1
                    return out
                out.append(self.value())
        if ch == '"':
            j = self.i + 1
            chars = []
            while self.text[j] != '"':
                if self.text[j] == "\\":
                    j += 1
                    chars.append({"n": "\n"}.get(self.text[j], self.text[j]))
                else:
                    chars.append(self.text[j])
                j += 1
            self.i = j + 1
            return "".join(chars)
        for word, val in (("null", None), ("true", True), ("false", False)):
            if self.text.startswith(word, self.i):
                self.i += len(word)
                return val
        j = self.i
        while j < len(self.text) and self.text[j] in "-+.eE0123456789":
            j += 1
        num = self.text[self.i : j]
        self.i = j
        return float(num) if any(c in num for c in ".eE") else int(num)


doc = {"name": "level-1", "size": [32, 24], "spawn": {"x": 1.5, "y": -2}, "tags": ["a", "b\"q"],
       "boss": None, "secret": True, "note": "two\nlines"}
text = dumps(doc)
print(text)
back = Parser(text).value()
print(back == doc, back["tags"], back["spawn"])
