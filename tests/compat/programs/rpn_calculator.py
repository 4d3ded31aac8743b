"""A tokenizer, a shunting-yard parser and an RPN evaluator for arithmetic."""

import math
import operator

OPS = {
    "+": (1, operator.add, "L"),
    "-": (1, operator.sub, "L"),
    "*": (2, operator.mul, "L"),
    "/": (2, operator.truediv, "L"),
    "%": (2, operator.mod, "L"),
    "^": (3, operator.pow, "R"),
}
FUNCS = {"sqrt": math.sqrt, "sin": math.sin, "abs": abs}


def tokenize(text):
    tokens, num = [], ""
    for ch in text:
        if ch.isdigit() or ch == ".":
            num += ch
            continue
        if num:
            tokens.append(float(num))
            num = ""
        if ch.isalpha():
            if tokens and isinstance(tokens[-1], str) and tokens[-1].isalpha():
                tokens[-1] += ch
            else:
                tokens.append(ch)
        elif ch in OPS or ch in "()":
            tokens.append(ch)
    if num:
        tokens.append(float(num))
    return tokens


def to_rpn(tokens):
    out, stack = [], []
    for tok in tokens:
        if isinstance(tok, float):
            out.append(tok)
        elif tok in FUNCS:
            stack.append(tok)
        elif tok in OPS:
            p, _, assoc = OPS[tok]
            while stack and stack[-1] in OPS and (
                OPS[stack[-1]][0] > p or (OPS[stack[-1]][0] == p and assoc == "L")
            ):
                out.append(stack.pop())
            stack.append(tok)
        elif tok == "(":
            stack.append(tok)
        elif tok == ")":
            while stack[-1] != "(":
                out.append(stack.pop())
            stack.pop()
            if stack and stack[-1] in FUNCS:
                out.append(stack.pop())
    return out + stack[::-1]


def evaluate(rpn):
    stack = []
    for tok in rpn:
        if isinstance(tok, float):
            stack.append(tok)
        elif tok in FUNCS:
            stack.append(FUNCS[tok](stack.pop()))
        else:
            b, a = stack.pop(), stack.pop()
            stack.append(OPS[tok][1](a, b))
    return stack[0]


for expr in ["3 + 4 * 2 / (1 - 5) ^ 2 ^ 3", "sqrt(16) + 2 * (3 + 4)", "10 % 4 + abs(2 - 9)",
             "2 ^ 10 - 24", "1.5 * 4 - 0.5"]:
    rpn = to_rpn(tokenize(expr))
    print(expr, "=>", " ".join(str(t) for t in rpn), "=", round(evaluate(rpn), 9))
