"""The math module beyond the basics: fsum, gamma, erf, frexp, nextafter, hypot ..."""

import math

print(math.fsum([0.1] * 10), sum([0.1] * 10), math.prod([1.5, 2, 4]))
print(math.gamma(5), round(math.lgamma(10.5), 9), round(math.erf(1), 9), round(math.erfc(1), 9))
print(math.frexp(1024.0), math.ldexp(0.5, 11), math.modf(3.75), math.copysign(3, -0.0))
print(math.log1p(1e-10), math.expm1(1e-10), math.cbrt(27), math.exp2(10))
print(math.nextafter(1.0, 2.0) - 1.0 == math.ulp(1.0), math.isclose(0.1 + 0.2, 0.3))
print(math.acosh(2), math.asinh(1), math.atanh(0.5), math.hypot(3, 4, 12), math.dist((0, 0), (3, 4)))
print(math.isqrt(10 ** 20), math.lcm(12, 18, 30), math.gcd(0, 0), math.comb(50, 25))
print(math.degrees(math.pi), math.radians(180), math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.5))
print(math.remainder(10, 3), math.fmod(-10, 3), math.pow(2, 0.5), math.log(8, 2), math.tau)
print(math.isfinite(1e308 * 10), math.isnan(math.nan), math.inf > 10 ** 300)
