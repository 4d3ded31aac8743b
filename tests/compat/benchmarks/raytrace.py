"""A small ray tracer: spheres, a plane, Lambert shading and shadows (after pyperformance)."""

import math


class Vector:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def magnitude(self):
        return math.sqrt(self.dot(self))

    def __add__(self, o):
        return Vector(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return Vector(self.x - o.x, self.y - o.y, self.z - o.z)

    def scale(self, k):
        return Vector(self.x * k, self.y * k, self.z * k)

    def normalized(self):
        return self.scale(1.0 / self.magnitude())


class Ray:
    def __init__(self, point, vector):
        self.point = point
        self.vector = vector.normalized()

    def point_at(self, t):
        return self.point + self.vector.scale(t)


class Sphere:
    def __init__(self, centre, radius, colour):
        self.centre, self.radius, self.colour = centre, radius, colour

    def intersection(self, ray):
        cp = self.centre - ray.point
        v = cp.dot(ray.vector)
        disc = self.radius * self.radius - (cp.dot(cp) - v * v)
        if disc < 0:
            return None
        return v - math.sqrt(disc)

    def normal_at(self, p):
        return (p - self.centre).normalized()


class Plane:
    def __init__(self, point, normal, colour):
        self.point, self.normal, self.colour = point, normal.normalized(), colour

    def intersection(self, ray):
        d = ray.vector.dot(self.normal)
        if abs(d) < 1e-9:
            return None
        t = (self.point - ray.point).dot(self.normal) / d
        return t if t > 1e-6 else None

    def normal_at(self, p):
        return self.normal


class Scene:
    def __init__(self):
        self.objects = [
            Sphere(Vector(0, 1, 5), 1.0, (1.0, 0.2, 0.2)),
            Sphere(Vector(-1.5, 0.5, 4), 0.5, (0.2, 1.0, 0.2)),
            Plane(Vector(0, 0, 0), Vector(0, 1, 0), (0.8, 0.8, 0.8)),
        ]
        self.light = Vector(5, 8, -2)

    def hit(self, ray):
        best, obj = None, None
        for o in self.objects:
            t = o.intersection(ray)
            if t is not None and t > 1e-6 and (best is None or t < best):
                best, obj = t, o
        return best, obj

    def colour(self, ray):
        t, obj = self.hit(ray)
        if obj is None:
            return (0.0, 0.0, 0.0)
        p = ray.point_at(t)
        n = obj.normal_at(p)
        to_light = (self.light - p).normalized()
        shadow_t, _ = self.hit(Ray(p + n.scale(1e-4), to_light))
        lambert = max(0.0, n.dot(to_light)) * (0.3 if shadow_t is not None else 1.0)
        return tuple(c * (0.1 + 0.9 * lambert) for c in obj.colour)


def run(n):
    scene = Scene()
    eye = Vector(0, 1.5, -2)
    total = 0.0
    for j in range(n):
        for i in range(n):
            d = Vector((i - n / 2) / n, (n / 2 - j) / n, 1)
            total += sum(scene.colour(Ray(eye, d)))
    return round(total, 6)


print(run(20))
