"""A Matrix class with operator overloading, equality, hashing and repr."""

from __future__ import annotations

from itertools import product


class Matrix:
    def __init__(self, rows: list[list[float]]) -> None:
        self.rows = [list(r) for r in rows]
        self.n, self.m = len(rows), len(rows[0]) if rows else 0

    @classmethod
    def identity(cls, n: int) -> Matrix:
        return cls([[int(i == j) for j in range(n)] for i in range(n)])

    def __getitem__(self, ij: tuple[int, int]) -> float:
        i, j = ij
        return self.rows[i][j]

    def __setitem__(self, ij: tuple[int, int], v: float) -> None:
        i, j = ij
        self.rows[i][j] = v

    def __add__(self, o: Matrix) -> Matrix:
        return Matrix([[a + b for a, b in zip(r, s)] for r, s in zip(self.rows, o.rows)])

    def __matmul__(self, o: Matrix) -> Matrix:
        out = Matrix([[0] * o.m for _ in range(self.n)])
        for i, j, k in product(range(self.n), range(o.m), range(self.m)):
            out[i, j] += self[i, k] * o[k, j]
        return out

    def __pow__(self, k: int) -> Matrix:
        result, base = Matrix.identity(self.n), self
        while k:
            if k & 1:
                result = result @ base
            base = base @ base
            k >>= 1
        return result

    def __eq__(self, o: object) -> bool:
        return isinstance(o, Matrix) and self.rows == o.rows

    def __hash__(self) -> int:
        return hash(tuple(map(tuple, self.rows)))

    def __repr__(self) -> str:
        return f"Matrix({self.rows})"


fib = Matrix([[1, 1], [1, 0]])
print(fib ** 10, (fib ** 90)[0, 1])
a = Matrix([[1, 2], [3, 4]])
print(a + a, a @ Matrix.identity(2) == a, len({a, Matrix([[1, 2], [3, 4]])}))
a[0, 0] = 10
print(a, a @ a)
