"""DeltaBlue-like: a one-way constraint network with strengths, planning and propagation
(a smaller cousin of pyperformance's deltablue: chains and projections of variables)."""

from enum import IntEnum


class Strength(IntEnum):
    REQUIRED = 0
    STRONG = 1
    MEDIUM = 2
    WEAK = 3

    def stronger(self, other):
        return self < other


class Variable:
    def __init__(self, name, value=0):
        self.name = name
        self.value = value
        self.constraints = []
        self.determined_by = None
        self.walk_strength = Strength.WEAK
        self.stay = True
        self.mark = 0

    def __repr__(self):
        return f"{self.name}={self.value}"


class Constraint:
    def __init__(self, strength):
        self.strength = strength

    def add(self):
        for v in self.variables():
            v.constraints.append(self)

    def is_input(self):
        return False


class Stay(Constraint):
    def __init__(self, v, strength):
        super().__init__(strength)
        self.v = v
        self.add()

    def variables(self):
        return [self.v]

    def output(self):
        return self.v

    def execute(self):
        pass


class Edit(Stay):
    def is_input(self):
        return True


class Equality(Constraint):
    def __init__(self, a, b, strength, scale=1, offset=0):
        super().__init__(strength)
        self.a, self.b, self.scale, self.offset = a, b, scale, offset
        self.add()

    def variables(self):
        return [self.a, self.b]

    def output(self):
        return self.b

    def execute(self):
        self.b.value = self.a.value * self.scale + self.offset


class Planner:
    def __init__(self):
        self.mark = 0

    def plan(self, sources):
        self.mark += 1
        todo = list(sources)
        order = []
        while todo:
            c = todo.pop(0)
            out = c.output()
            if out.mark == self.mark and not out.determined_by.strength > c.strength:
                continue
            out.mark = self.mark
            out.determined_by = c
            out.walk_strength = c.strength
            order.append(c)
            for nxt in out.constraints:
                if nxt is not c and isinstance(nxt, Equality) and nxt.a is out:
                    todo.append(nxt)
        return order

    def execute(self, order):
        for c in order:
            c.execute()


def chain_test(n):
    planner = Planner()
    variables = [Variable(f"v{i}") for i in range(n + 1)]
    for a, b in zip(variables, variables[1:]):
        Equality(a, b, Strength.REQUIRED)
    Stay(variables[-1], Strength.STRONG)
    edit = Edit(variables[0], Strength.STRONG)
    order = planner.plan([edit])
    total = 0
    for value in range(50):
        variables[0].value = value
        planner.execute(order)
        total += variables[-1].value
    return total


def projection_test(n):
    planner = Planner()
    scale, offset = Variable("scale", 10), Variable("offset", 1000)
    srcs, dsts = [], []
    for i in range(n):
        src, dst = Variable(f"src{i}", i), Variable(f"dst{i}", i)
        srcs.append(src)
        dsts.append(dst)
        Stay(src, Strength.MEDIUM)
        Equality(src, dst, Strength.REQUIRED, scale.value, offset.value)
    edits = [Edit(s, Strength.STRONG) for s in srcs]
    order = planner.plan(edits)
    planner.execute(order)
    return sum(d.value for d in dsts)


def run(n):
    return chain_test(n), projection_test(n)


print(run(100))
