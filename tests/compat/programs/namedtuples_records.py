"""Records with collections.namedtuple and typing.NamedTuple; sorting and grouping them."""

from collections import namedtuple, OrderedDict
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

Employee = namedtuple("Employee", "name dept salary")


class Point3(NamedTuple):
    x: float
    y: float
    z: float = 0.0

    def norm(self) -> float:
        return (self.x ** 2 + self.y ** 2 + self.z ** 2) ** 0.5


staff = [Employee("ann", "eng", 120), Employee("bob", "ops", 90), Employee("cid", "eng", 110),
         Employee("dee", "ops", 95), Employee("eve", "sales", 70)]
by_dept = OrderedDict()
for dept, group in groupby(sorted(staff, key=attrgetter("dept")), key=attrgetter("dept")):
    by_dept[dept] = [e.name for e in group]
print(by_dept)
print(max(staff, key=attrgetter("salary")), staff[0]._replace(salary=130), staff[1]._asdict())
print(Employee._fields, Employee._make(["fay", "eng", 100]))
p = Point3(3.0, 4.0)
print(p, p.norm(), p._replace(z=12.0).norm(), tuple(p), p.x, Point3._fields)
x, y, z = p
print(x + y + z, p == (3.0, 4.0, 0.0), sorted([Point3(2, 1), Point3(1, 5)]))
